from django.db import models
from django.urls import reverse

from careloop.practices.scoping import PracticeOwned


class Scope(models.TextChoices):
    """What may be shared (the article's promise: symptoms, plan and progress — not
    the client's full story)."""

    STATUS = "status", "Acknowledgement and appointment status"
    PLAN = "plan", "Assessment and treatment plan"
    PROGRESS = "progress", "Progress and outcome scores"
    DISCHARGE = "discharge", "Discharge summary"


class Method(models.TextChoices):
    WRITTEN = "written", "Written consent form"
    VERBAL = "verbal", "Verbal consent"
    INTAKE = "intake", "On the intake form"
    SIGNED_ONLINE = "signed_online", "Signed on a tablet or link"


# Reverse relations from practice-owned models: see PracticeOwned.objects.
class Consent(PracticeOwned):  # type: ignore[django-manager-missing]
    """A client's consent to share named kinds of information with one doctor (or with
    whoever referred them under a given referral). Never edited or deleted: a change
    is a withdrawal and a new consent, so the history stays whole."""

    client = models.ForeignKey("clients.Client", on_delete=models.PROTECT, related_name="consents")
    doctor = models.ForeignKey(
        "directory.Doctor",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="consents",
        help_text="A named doctor…",
    )
    referral = models.ForeignKey(
        "referrals.Referral",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="consents",
        help_text="…or the referring doctor of this referral.",
    )
    scopes = models.JSONField(help_text="Which kinds of information (Scope values).")
    method = models.CharField(max_length=14, choices=Method.choices)
    obtained_on = models.DateField()
    expires_on = models.DateField(null=True, blank=True)
    recorded_by = models.ForeignKey("practices.User", on_delete=models.PROTECT, related_name="+")
    signed_name = models.CharField(
        max_length=160, blank=True, help_text="As typed by the client when signing."
    )
    notes = models.CharField(max_length=500, blank=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        "practices.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    withdrawal_reason = models.CharField(max_length=500, blank=True)
    signed_copy = models.FileField(
        upload_to="consents/%Y/", blank=True, help_text="The PDF the client signed, for the record."
    )

    class Meta:
        ordering = ["-obtained_on", "-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(doctor__isnull=False) | models.Q(referral__isnull=False),
                name="consent_names_a_recipient",
            ),
        ]

    def __str__(self) -> str:
        return f"Consent to share with {self.recipient_label}"

    def get_absolute_url(self) -> str:
        return reverse("consent:list", args=[self.client.uuid])

    @property
    def recipient(self):
        return self.doctor if self.doctor_id else self.referral.referring_doctor

    @property
    def recipient_label(self) -> str:
        if self.doctor_id:
            return str(self.doctor)
        assert self.referral is not None  # a consent names a doctor or a referral
        return f"the referring doctor of the referral of {self.referral.referral_date:%d/%m/%Y}"

    def scope_labels(self) -> list[str]:
        return [Scope(s).label for s in self.scopes]

    def status_on(self, day) -> str:
        if self.withdrawn_at is not None:
            return "withdrawn"
        if self.obtained_on > day:
            return "not yet"
        if self.expires_on is not None and self.expires_on < day:
            return "expired"
        return "current"


# What a disclosure carried: a kind of information shared with a doctor under consent,
# or the client's own records given to them at their request (Australian Privacy
# Principle 12), which needs no consent.
ACCESS = "access"
DISCLOSURE_KINDS = [*Scope.choices, (ACCESS, "The client's own records, at their request")]


class Disclosure(PracticeOwned):
    """Information that left the practice: what, to whom, under which consent, by whom,
    when and how. A client may ask for this list (Australian Privacy Principles)."""

    client = models.ForeignKey(
        "clients.Client", on_delete=models.PROTECT, related_name="disclosures"
    )
    # A doctor under a consent; or, with neither, the client themselves (ACCESS).
    doctor = models.ForeignKey(
        "directory.Doctor",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="disclosures",
    )
    scope = models.CharField(max_length=10, choices=DISCLOSURE_KINDS)
    description = models.CharField(max_length=300)
    consent = models.ForeignKey(
        Consent, on_delete=models.PROTECT, null=True, blank=True, related_name="disclosures"
    )
    channel = models.CharField(max_length=20)
    by = models.ForeignKey(
        "practices.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    at = models.DateTimeField()

    class Meta:
        ordering = ["-at"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(scope=ACCESS, doctor__isnull=True, consent__isnull=True)
                    | (
                        ~models.Q(scope=ACCESS)
                        & models.Q(doctor__isnull=False, consent__isnull=False)
                    )
                ),
                name="disclosure_to_doctor_under_consent_or_to_client",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_scope_display()} to {self.recipient_label}"

    @property
    def recipient_label(self) -> str:
        return str(self.doctor) if self.doctor_id else "the client"


class ConsentRequest(PracticeOwned):
    """A consent form waiting for the client's signature, on the waiting-room tablet
    or at a link (no account)."""

    client = models.ForeignKey(
        "clients.Client", on_delete=models.CASCADE, related_name="consent_requests"
    )
    doctor = models.ForeignKey(
        "directory.Doctor", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    referral = models.ForeignKey(
        "referrals.Referral", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    scopes = models.JSONField()
    created_by = models.ForeignKey("practices.User", on_delete=models.PROTECT, related_name="+")
    expires_at = models.DateTimeField()
    consent = models.OneToOneField(
        Consent, on_delete=models.SET_NULL, null=True, blank=True, related_name="request"
    )

    def __str__(self) -> str:
        return f"Consent form for {self.client}"
