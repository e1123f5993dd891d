import secrets
from datetime import datetime

from django.db import models
from django.urls import reverse

from careloop.lib import uploads
from careloop.practices.scoping import PracticeOwned
from careloop.web.textsearch import update_fields_with

from . import search


class ReferralBasis(models.TextChoices):
    MHTP = "mhtp", "GP Mental Health Treatment Plan"
    PSYCHIATRIST_PLAN = "pamp", "Psychiatrist assessment and management plan"
    PSYCHIATRIST = "psychiatrist", "Psychiatrist referral"
    PAEDIATRICIAN = "paediatrician", "Paediatrician referral"
    SELF = "self", "Self-referral (no Medicare rebate)"
    OTHER = "other", "Other"
    UNSTATED = "unstated", "Not stated on the referral"


class ReferralSource(models.TextChoices):
    FORM = "form", "Doctor's web form"
    HL7 = "hl7", "Secure message (HL7)"
    UPLOAD = "upload", "Uploaded letter"
    STAFF = "staff", "Entered by staff"


class Urgency(models.TextChoices):
    ROUTINE = "routine", "Routine"
    SOON = "soon", "Soon (within 2 weeks)"
    URGENT = "urgent", "Urgent (within days)"


class TriageStatus(models.TextChoices):
    NEW = "new", "New"
    CONTACTING = "contacting", "Contacting the client"
    OFFERED = "offered", "Appointment offered"
    BOOKED = "booked", "First session booked"
    ACTIVE = "active", "Seen"
    DISCHARGED = "discharged", "Discharged"

    DECLINED = "declined", "Declined"
    UNABLE_TO_CONTACT = "unable_to_contact", "Unable to contact"


OPEN_STATUSES = (
    TriageStatus.NEW,
    TriageStatus.CONTACTING,
    TriageStatus.OFFERED,
    TriageStatus.BOOKED,
)

# Crockford's base32 without I, L, O, U: nothing a doctor can misread on the phone.
_REFERENCE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def new_reference() -> str:
    return "".join(secrets.choice(_REFERENCE_ALPHABET) for _ in range(8))


# Reverse relations from practice-owned models: see PracticeOwned.objects.
class Referral(PracticeOwned):  # type: ignore[django-manager-missing]
    reference = models.CharField(
        max_length=12, default=new_reference, help_text="Quoted to the doctor and the client."
    )
    source = models.CharField(
        max_length=8, choices=ReferralSource.choices, default=ReferralSource.STAFF
    )
    client = models.ForeignKey("clients.Client", on_delete=models.PROTECT, related_name="referrals")
    referring_doctor = models.ForeignKey(
        "directory.Doctor",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="referrals",
        help_text="Leave empty for a self-referral.",
    )
    referral_date = models.DateField(help_text="The date the doctor signed the referral.")
    basis = models.CharField(
        "referral basis",
        max_length=14,
        choices=ReferralBasis.choices,
        default=ReferralBasis.MHTP,
    )
    sessions_referred = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        help_text="The course of treatment. Medicare allows up to 6 per referral; "
        "leave empty if the referral does not say.",
    )
    reason = models.TextField("symptoms or diagnosis", blank=True)
    medications = models.TextField("current medications", blank=True)
    sender_unverified = models.BooleanField(
        "sender not yet confirmed",
        default=False,
        help_text="Sent through the public web form and credited to a doctor already on "
        "file. Anyone can type a name or provider number, so staff confirm the referral "
        "came from that doctor.",
    )
    letter_signed = models.BooleanField(
        "signed and dated by the referrer",
        default=False,
        help_text="Tick once you have seen the doctor's signature and date on the letter "
        "(a secure message counts as signed).",
    )
    urgency = models.CharField(max_length=8, choices=Urgency.choices, default=Urgency.ROUTINE)
    preferred_clinician = models.ForeignKey(
        "practices.User",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="Who the doctor asked for, if anyone.",
    )
    preferred_niche = models.ForeignKey(
        "practices.Niche",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="area of practice asked for",
    )
    assigned_clinician = models.ForeignKey(
        "practices.User",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="assigned_referrals",
    )
    status = models.CharField(max_length=20, choices=TriageStatus.choices, default=TriageStatus.NEW)
    status_reason = models.TextField(blank=True, help_text="Why it was declined or closed.")
    # The response clock.
    received_at = models.DateTimeField()
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    first_contacted_at = models.DateTimeField(null=True, blank=True)
    offered_at = models.DateTimeField(null=True, blank=True)
    first_seen_at = models.DateTimeField(null=True, blank=True)
    report_sent_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="When the end-of-course report went to the referring doctor.",
    )

    # The earliest unmet target, kept current by the actions so the inbox can sort
    # by it in the database.
    next_due_at = models.DateTimeField(null=True, blank=True)

    # The referral's own words for the inbox's search (web/textsearch.py); the client's
    # and the doctor's names are searched in their own.
    search_text = models.TextField(blank=True, editable=False, default="")
    SEARCHED_FIELDS = ("reference", "reason")

    class Meta:
        ordering = ["-referral_date", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["practice", "reference"], name="referral_reference_unique"
            ),
        ]
        indexes = [
            # The referral list, newest first within one practice.
            models.Index(fields=["practice", "-referral_date"], name="referral_recent"),
            # The inbox: open referrals of one practice, most overdue first; and the
            # dashboard's open and overdue counts, which read the open rows only.
            models.Index(fields=["practice", "status", "next_due_at"], name="referral_inbox"),
            # The dashboard's latest referrals, newest received first.
            models.Index(fields=["practice", "-received_at"], name="referral_received"),
            # A client's referrals in date order (entitlement counting, client page).
            models.Index(fields=["practice", "client", "referral_date"], name="referral_by_client"),
        ]

    def __str__(self) -> str:
        return f"Referral of {self.client} on {self.referral_date:%d/%m/%Y}"

    def refresh_search_keys(self) -> None:
        """Bulk writes skip save(): they call this on each row themselves."""
        self.search_text = search.text_of(self)

    def save(self, *args, **kwargs) -> None:
        self.refresh_search_keys()
        update_fields = kwargs.get("update_fields")
        if update_fields is not None:
            kwargs["update_fields"] = update_fields_with(self, update_fields, set())
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("referrals:detail", args=[self.uuid])

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


def referral_document_path(instance, filename: str) -> str:
    # Files live under the practice's own folder and an unguessable name, with the
    # extension of the type found in the content, never the one the sender gave.
    return (
        f"practices/{instance.practice.uuid}/referrals/{instance.uuid}"
        f"{uploads.extension_for(instance.content_type)}"
    )


class ReferralDocument(PracticeOwned):
    # Empty while an uploaded letter waits for staff to type its referral.
    referral = models.ForeignKey(
        Referral, on_delete=models.CASCADE, null=True, blank=True, related_name="documents"
    )
    file = models.FileField(upload_to=referral_document_path)
    original_name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    uploaded_by = models.ForeignKey(
        "practices.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # When an uploaded letter arrived, which may be before it was uploaded (a fax that
    # came in yesterday): its clock runs from here, and so does the referral's once typed.
    received_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at"]

    def __str__(self) -> str:
        return self.original_name

    @property
    def type_label(self) -> str:
        return uploads.type_label(self.content_type)

    @property
    def download_name(self) -> str:
        return uploads.download_name(
            self.original_name, self.content_type, default="referral-letter"
        )

    def get_absolute_url(self) -> str:
        if self.referral is None:
            return reverse("referrals:upload_file", args=[self.uuid])
        return reverse("referrals:document", args=[self.referral.uuid, self.uuid])

    @property
    def arrived_at(self) -> datetime:
        return self.received_at or self.created_at

    @property
    def shows_inline(self) -> bool:
        """PDFs and images open in the browser; anything else downloads."""
        return self.content_type == "application/pdf" or self.content_type.startswith("image/")


class EventKind(models.TextChoices):
    RECEIVED = "received", "Received"
    STATUS = "status", "Status changed"
    ACKNOWLEDGED = "acknowledged", "Acknowledged to the doctor"
    CONTACT_ATTEMPT = "contact", "Contact attempt"
    ASSIGNED = "assigned", "Clinician assigned"
    CLARIFICATION = "clarification", "Clarification requested"
    CLARIFICATION_REMINDER = "reminder", "Clarification reminder sent"
    CLARIFICATION_ANSWERED = "answered", "Clarification answered"
    NOTE = "note", "Note"
    SENDER_CONFIRMED = "sender", "Sender confirmed"


class ContactMethod(models.TextChoices):
    PHONE = "phone", "Phone call"
    SMS = "sms", "Text message"
    EMAIL = "email", "E-mail"
    IN_PERSON = "in_person", "In person"


class ContactOutcome(models.TextChoices):
    REACHED = "reached", "Spoke with the client"
    LEFT_MESSAGE = "left_message", "Left a message"
    NO_ANSWER = "no_answer", "No answer"
    WRONG_NUMBER = "wrong_number", "Wrong number or bounced"


class ReferralEvent(PracticeOwned):
    """One step in a referral's history: who did what, when. Never edited."""

    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=14, choices=EventKind.choices)
    from_status = models.CharField(max_length=20, choices=TriageStatus.choices, blank=True)
    to_status = models.CharField(max_length=20, choices=TriageStatus.choices, blank=True)
    method = models.CharField(max_length=10, choices=ContactMethod.choices, blank=True)
    outcome = models.CharField(max_length=14, choices=ContactOutcome.choices, blank=True)
    note = models.TextField(blank=True)
    by = models.ForeignKey(
        "practices.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    at = models.DateTimeField()

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} at {self.at:%d/%m/%Y %H:%M}"


class ClarificationRequest(PracticeOwned):
    """A request to the referring doctor for what the referral lacks."""

    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="clarifications")
    items = models.JSONField(help_text="The missing items, as shown to the doctor.")
    message = models.TextField(blank=True)
    channel = models.CharField(max_length=10, default="print")
    sent_at = models.DateTimeField()
    sent_by = models.ForeignKey(
        "practices.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    reminder_sent_at = models.DateTimeField(null=True, blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-sent_at"]
        indexes = [
            # The reminder job: unanswered requests without a reminder.
            models.Index(
                fields=["answered_at", "reminder_sent_at", "sent_at"],
                name="clarification_reminders",
            ),
        ]

    def __str__(self) -> str:
        return f"Clarification for {self.referral}"

    def get_absolute_url(self) -> str:
        return reverse("referrals:clarification", args=[self.referral.uuid, self.uuid])
