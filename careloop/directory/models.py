from django.db import models
from django.urls import reverse

from careloop.lib.search import compact_key, search_key
from careloop.practices.models import STATE_CHOICES
from careloop.practices.scoping import SearchKeyedPracticeOwned

from . import search


def doctor_name(title: str, given_name: str, family_name: str) -> str:
    """A doctor's name as pages show it ("Dr Priya Shah"): Doctor.display_name, also
    for rows read as plain values."""
    return " ".join(p for p in (title, given_name, family_name) if p)


def medical_practice_name(name: str, suburb: str) -> str:
    """A medical practice as pages name it ("Bay Medical, Manly"): str() of one, also
    for rows read as plain values."""
    return f"{name}, {suburb}" if suburb else name


class MedicalPractice(SearchKeyedPracticeOwned):  # type: ignore[django-manager-missing]
    """A general practice or specialist rooms that doctors work from."""

    name = models.CharField(max_length=160)
    street = models.CharField("street address", max_length=200, blank=True)
    suburb = models.CharField(max_length=80, blank=True)
    state = models.CharField(max_length=3, choices=STATE_CHOICES, blank=True)
    postcode = models.CharField(max_length=4, blank=True)
    latitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    hpio = models.CharField("HPI-O", max_length=16, blank=True)
    phone = models.CharField(max_length=30, blank=True)
    fax = models.CharField(max_length=30, blank=True)
    email = models.EmailField(blank=True)

    # The name as typed in a search, without "The" or punctuation: see lib/search.py.
    search_name = models.CharField(max_length=160, blank=True, editable=False, default="")
    # The words the list's search finds it by (web/textsearch.py).
    search_text = models.TextField(blank=True, editable=False, default="")
    SEARCHED_FIELDS = ("name", "suburb", "postcode", "email")
    PREFIX_FIELDS = ("search_name",)  # for a search of one or two letters (textsearch)

    class Meta:
        ordering = ["name", "suburb"]
        indexes = [
            # The medical-practice list: one practice's rows by name.
            models.Index(fields=["practice", "name"], name="medpractice_by_name"),
            models.Index(fields=["practice", "search_name"], name="medpractice_search_name"),
            # Who to visit next: the medical practices in a box around the practice
            # (outreach/prospects.py), read from the index alone to measure distances
            # (on PostgreSQL, which needs the key included: 10 ms to 8 for 1,900).
            models.Index(
                fields=["practice", "latitude", "longitude"],
                name="medpractice_by_place",
                include=["id"],
            ),
        ]

    def __str__(self) -> str:
        return medical_practice_name(self.name, self.suburb)

    SEARCH_KEY_FIELDS = ("search_name",)

    def refresh_search_keys(self) -> None:
        words = search_key(self.name).split()
        if words[:1] == ["the"]:
            words = words[1:]
        self.search_name = "".join(words)[:160]
        self.search_text = search.medical_practice_text(self)

    @property
    def postal_lines(self) -> list[str]:
        """The address as it goes on an envelope: street, then SUBURB STATE POSTCODE
        (Australia Post asks for the locality line in capitals)."""
        locality = " ".join(p for p in (self.suburb.upper(), self.state, self.postcode) if p)
        return [line for line in (self.name, self.street, locality) if line]

    def get_absolute_url(self) -> str:
        return reverse("directory:medical_practice_detail", args=[self.uuid])


class DoctorType(models.TextChoices):
    GP = "gp", "General practitioner"
    PSYCHIATRIST = "psychiatrist", "Psychiatrist"
    PAEDIATRICIAN = "paediatrician", "Paediatrician"
    OTHER = "other", "Other"


class SecureMessagingService(models.TextChoices):
    # The values are what goes in MSH-5 (receiving application) of our HL7 letters.
    HEALTHLINK = "HealthLink", "HealthLink"
    ARGUS = "Argus", "Argus (Telstra Health)"
    MEDICAL_OBJECTS = "Medical-Objects", "Medical-Objects"
    REFERRALNET = "ReferralNet", "ReferralNet"


# Reverse relations from practice-owned models: see PracticeOwned.objects.
class Doctor(SearchKeyedPracticeOwned):  # type: ignore[django-manager-missing]
    """A referring doctor in the practice's directory. Doctors never sign in."""

    title = models.CharField(max_length=20, blank=True, default="Dr")
    given_name = models.CharField(max_length=80)
    family_name = models.CharField(max_length=80)
    doctor_type = models.CharField(
        "type", max_length=14, choices=DoctorType.choices, default=DoctorType.GP
    )
    provider_number = models.CharField("Medicare provider number", max_length=8, blank=True)
    hpii = models.CharField("HPI-I", max_length=16, blank=True)
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=30, blank=True)
    fax = models.CharField(max_length=30, blank=True)
    secure_messaging_address = models.CharField(
        max_length=120,
        blank=True,
        help_text="The doctor's secure-messaging (e.g. HealthLink, Argus, Medical-Objects) id.",
    )
    secure_messaging_service = models.CharField(
        max_length=20,
        blank=True,
        choices=SecureMessagingService.choices,
        help_text="The network that delivers to that id.",
    )
    preferred_channel = models.CharField(
        "how they want our letters",
        max_length=10,
        choices=[
            ("email", "E-mail"),
            ("hl7", "Secure message (HL7 v2)"),
            ("fhir", "FHIR R4"),
            ("print", "Print and post or fax"),
        ],
        default="print",
    )
    notes = models.TextField(blank=True)

    medical_practices = models.ManyToManyField(MedicalPractice, blank=True, related_name="doctors")

    search_family = models.CharField(max_length=80, blank=True, editable=False, default="")
    search_given = models.CharField(max_length=80, blank=True, editable=False, default="")
    # The words the doctor list's search finds them by (web/textsearch.py).
    search_text = models.TextField(blank=True, editable=False, default="")
    SEARCHED_FIELDS = ("given_name", "family_name", "provider_number", "email")
    PREFIX_FIELDS = ("search_family", "search_given")  # as for clients (textsearch)

    class Meta:
        ordering = ["family_name", "given_name"]
        indexes = [
            # Covering the key, as the clients' (textsearch.matching_ids).
            models.Index(
                fields=["practice", "search_family"], include=["id"], name="doctor_search_family"
            ),
            models.Index(
                fields=["practice", "search_given"], include=["id"], name="doctor_search_given"
            ),
            # The doctor list, sorted by surname within one practice.
            models.Index(fields=["practice", "family_name", "given_name"], name="doctor_by_name"),
            # Matching an incoming referral to a doctor by provider number.
            models.Index(fields=["practice", "provider_number"], name="doctor_by_provider_no"),
        ]

    def __str__(self) -> str:
        return self.display_name

    SEARCH_KEY_FIELDS = ("search_family", "search_given")

    def refresh_search_keys(self) -> None:
        self.search_family = compact_key(self.family_name)
        self.search_given = compact_key(self.given_name)
        self.search_text = search.doctor_text(self)

    # What a choice list needs to label a doctor (see PracticeModelForm).
    CHOICE_LABEL_FIELDS = ("title", "given_name", "family_name", "doctor_type")

    def get_absolute_url(self) -> str:
        return reverse("directory:doctor_detail", args=[self.uuid])

    @property
    def display_name(self) -> str:
        return doctor_name(self.title, self.given_name, self.family_name)

    @property
    def salutation(self) -> str:
        """Australian letters greet a doctor by title and family name: "Dr Nguyen".
        Without a title, the full name rather than a bare surname."""
        if self.title:
            return f"{self.title} {self.family_name}"
        return f"{self.given_name} {self.family_name}".strip()
