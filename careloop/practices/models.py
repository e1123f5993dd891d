import uuid
import zoneinfo
from datetime import date

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.utils import timezone

from careloop.lib.identifiers import STATES

from . import permissions
from .roles import Role

AUSTRALIAN_TIME_ZONES = [
    ("Australia/Sydney", "Sydney, Canberra (AEST/AEDT)"),
    ("Australia/Melbourne", "Melbourne (AEST/AEDT)"),
    ("Australia/Hobart", "Hobart (AEST/AEDT)"),
    ("Australia/Brisbane", "Brisbane (AEST, no daylight saving)"),
    ("Australia/Lindeman", "Whitsundays (AEST, no daylight saving)"),
    ("Australia/Adelaide", "Adelaide (ACST/ACDT)"),
    ("Australia/Broken_Hill", "Broken Hill (ACST/ACDT)"),
    ("Australia/Darwin", "Darwin (ACST, no daylight saving)"),
    ("Australia/Perth", "Perth (AWST)"),
    ("Australia/Eucla", "Eucla (ACWST)"),
    ("Australia/Lord_Howe", "Lord Howe Island"),
]
STATE_CHOICES = sorted(STATES.items())


class Niche(models.Model):
    """A client group or presentation a practice or clinician serves (youth, trauma…).

    A shared vocabulary, not practice data: referrals and the public site match on it.
    """

    code = models.SlugField(unique=True)
    name = models.CharField(max_length=80)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Practice(models.Model):
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    slug = models.SlugField(unique=True, help_text="Used in the public website's address.")
    name = models.CharField(max_length=120)
    abn = models.CharField("ABN", max_length=11, blank=True)
    hpio = models.CharField(
        "HPI-O",
        max_length=16,
        blank=True,
        help_text="The practice's Healthcare Provider Identifier (organisation). Secure "
        "messages and FHIR letters name the practice by it.",
    )
    street = models.CharField("street address", max_length=200, blank=True)
    suburb = models.CharField(max_length=80, blank=True)
    state = models.CharField(max_length=3, choices=STATE_CHOICES, default="NSW")
    postcode = models.CharField(max_length=4, blank=True)
    # The origin of every outreach distance; geocoded offline from the locality table
    # when the address is saved without them.
    latitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    phone = models.CharField(max_length=30, blank=True)
    email = models.EmailField(blank=True)
    time_zone = models.CharField(
        max_length=40, choices=AUSTRALIAN_TIME_ZONES, default="Australia/Sydney"
    )
    niches = models.ManyToManyField(Niche, blank=True, related_name="practices")
    acknowledge_within_days = models.PositiveSmallIntegerField(
        "acknowledge referrals within (business days)",
        default=1,
        help_text="Target for telling the referring doctor the referral arrived.",
    )
    contact_within_days = models.PositiveSmallIntegerField(
        "contact clients within (business days)",
        default=2,
        help_text="Target for the first contact with a referred client.",
    )
    hl7_facility_ids = models.CharField(
        "HL7 receiving facility ids",
        max_length=300,
        blank=True,
        help_text="Comma-separated values of MSH-6 (name, HPI-O or OID) that mean this "
        "practice, so secure messages find their practice without --practice.",
    )
    k10_band_set = models.CharField(
        "K10 bands",
        max_length=10,
        choices=[
            ("abs", "ABS levels of distress (Low, Moderate, High, Very high)"),
            ("crufad", "CRUfAD/GPcare likelihood of disorder (primary care)"),
        ],
        default="abs",
        help_text="Two band sets are in Australian use; each result records which it used.",
    )
    logo = models.FileField(
        upload_to="logos/", blank=True, help_text="PNG or JPEG, up to 1 MB, for the letterhead."
    )
    letters_by_link = models.BooleanField(
        "e-mail a secure download link instead of attaching the PDF", default=False
    )
    # Off by default: a letter to a doctor is a disclosure of health information, so
    # a person reviews it unless the practice has decided otherwise (issue: a booking
    # once e-mailed a GP an acknowledgement nobody had read).
    send_acknowledgements_automatically = models.BooleanField(
        "send acknowledgements without review",
        default=False,
        help_text="When on, the acknowledgement to the referring doctor is signed for the "
        "practice and sent as soon as a referral's first session is booked. When off, it "
        "waits under Letters for someone to check and send it.",
    )
    require_two_factor = models.BooleanField(
        default=False,
        help_text="Every member must sign in with an authenticator app code.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def zoneinfo(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.time_zone)

    @property
    def logo_data_uri(self) -> str:
        """The logo inline, so the same letter shows it on screen and in its PDF."""
        import base64

        if not self.logo:
            return ""
        with self.logo.open("rb") as handle:
            data = handle.read()
        kind = "image/png" if data.startswith(b"\x89PNG") else "image/jpeg"
        return f"data:{kind};base64,{base64.b64encode(data).decode()}"

    def today(self) -> date:
        return timezone.now().astimezone(self.zoneinfo).date()


class UserManager(BaseUserManager):
    use_in_migrations = True

    def create_user(self, email, password=None, **fields):
        if not email:
            raise ValueError("A user needs an e-mail address")
        user = self.model(email=self.normalize_email(email).lower(), **fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email, password=None, **fields):
        fields.setdefault("is_staff", True)
        fields.setdefault("is_superuser", True)
        return self.create_user(email, password, **fields)

    def get_by_natural_key(self, username):
        return self.get(email__iexact=username)


# Reverse relations from practice-owned models: see PracticeOwned.objects.
class User(AbstractBaseUser, PermissionsMixin):  # type: ignore[django-manager-missing]
    """A person who signs in. Doctors never do; they are directory records."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    email = models.EmailField(unique=True)
    full_name = models.CharField(max_length=120)
    practice = models.ForeignKey(
        Practice, on_delete=models.PROTECT, null=True, blank=True, related_name="members"
    )
    role = models.CharField(max_length=12, choices=Role.choices, default=Role.ADMIN)
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(default=False, help_text="May use Django's admin site.")
    date_joined = models.DateTimeField(default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["full_name"]

    class Meta:
        ordering = ["full_name"]

    def __str__(self) -> str:
        return self.full_name or self.email

    def get_full_name(self) -> str:
        return self.full_name

    def get_short_name(self) -> str:
        return self.full_name.split(" ")[0] if self.full_name else self.email

    @property
    def is_owner(self) -> bool:
        return self.role == Role.OWNER

    @property
    def is_clinician(self) -> bool:
        return self.role == Role.CLINICIAN or hasattr(self, "clinician_profile")

    @property
    def may_read_clinical_notes(self) -> bool:
        return permissions.may_read_clinical_notes(self)


class Profession(models.TextChoices):
    CLINICAL_PSYCHOLOGIST = "clinical_psychologist", "Clinical psychologist"
    PSYCHOLOGIST = "psychologist", "Psychologist"
    SOCIAL_WORKER = "social_worker", "Social worker"
    OCCUPATIONAL_THERAPIST = "occupational_therapist", "Occupational therapist"
    COUNSELLOR = "counsellor", "Counsellor"


class ClinicianProfile(models.Model):
    """What makes a member a treating clinician. An owner may have one too."""

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="clinician_profile")
    profession = models.CharField(max_length=30, choices=Profession.choices)
    ahpra_registration = models.CharField(
        "Ahpra registration",
        max_length=13,
        blank=True,
        help_text="3 letters and 10 digits. Social workers and counsellors have none.",
    )
    provider_number = models.CharField(
        "Medicare provider number",
        max_length=8,
        blank=True,
        help_text="For this practice's location. Counsellors cannot bill Medicare.",
    )
    hpii = models.CharField("HPI-I", max_length=16, blank=True)
    niches = models.ManyToManyField(Niche, blank=True, related_name="clinicians")
    accepting_referrals = models.BooleanField(default=True)
    # Openings: what the clinician can offer now. The openings update to doctors, the
    # leave-behind and the public site's wait times all read these.
    urgent_slots_this_week = models.PositiveSmallIntegerField(
        default=0, help_text="Appointments held for urgent referrals this week."
    )
    current_wait_days = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        help_text="Days a new client waits for a first appointment. Leave empty if unknown.",
    )
    openings_updated_at = models.DateTimeField(null=True, blank=True, editable=False)

    def __str__(self) -> str:
        return f"{self.user} ({self.get_profession_display()})"


def clinicians_of(practice):
    """Members who treat clients: clinicians, and owners with a clinician profile."""
    return (
        User.objects.filter(practice=practice, is_active=True)
        .filter(models.Q(clinician_profile__isnull=False) | models.Q(role=Role.CLINICIAN))
        .distinct()
        .order_by("full_name")
    )
