from django.db import models
from django.urls import reverse

from careloop.practices.scoping import PracticeOwned

from .kinds import KINDS

# Letters a referral is owed once: drafted by Careloop when they fall due.
ONE_PER_REFERRAL = ("acknowledgement", "end_of_course", "discharge")


class LetterStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    SIGNED = "signed", "Signed"
    CANCELLED = "cancelled", "Cancelled"


# Reverse relations from practice-owned models: see PracticeOwned.objects.
class Letter(PracticeOwned):  # type: ignore[django-manager-missing]
    client = models.ForeignKey("clients.Client", on_delete=models.PROTECT, related_name="letters")
    referral = models.ForeignKey(
        "referrals.Referral",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="letters",
    )
    doctor = models.ForeignKey("directory.Doctor", on_delete=models.PROTECT, related_name="letters")
    author = models.ForeignKey(
        "practices.User", on_delete=models.PROTECT, null=True, blank=True, related_name="letters"
    )
    kind = models.CharField(max_length=20, choices=[(k, v.title) for k, v in KINDS.items()])
    sections = models.JSONField(default=dict, blank=True)
    # The automatic starting text of each section, as drafted: signing refuses a
    # section the clinician must write that still holds only this.
    prefilled = models.JSONField(default=dict, blank=True)
    status = models.CharField(
        max_length=10, choices=LetterStatus.choices, default=LetterStatus.DRAFT
    )
    due_reason = models.CharField(max_length=500, blank=True)

    signed_at = models.DateTimeField(null=True, blank=True)
    signed_by = models.ForeignKey(
        "practices.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            # "Letters due": one practice's drafts, oldest first.
            models.Index(fields=["practice", "status", "created_at"], name="letters_due"),
        ]
        constraints = [
            # Two outbox runs at once (two consumers, or a run and a session's job) must
            # not draft the same report twice: one live letter of each of these kinds
            # per referral. Cancelling one lets a new one be written.
            models.UniqueConstraint(
                fields=["referral", "kind"],
                condition=models.Q(kind__in=ONE_PER_REFERRAL) & ~models.Q(status="cancelled"),
                name="one_live_letter_per_referral_and_kind",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind_info.title} for {self.client} to {self.doctor}"

    def get_absolute_url(self) -> str:
        return reverse("letters:detail", args=[self.uuid])

    @property
    def kind_info(self):
        return KINDS[self.kind]


class LetterVersion(PracticeOwned):
    """A signed version of a letter, kept when it was withdrawn to amend before it went:
    what was signed, by whom, and who took it back and why."""

    letter = models.ForeignKey(Letter, on_delete=models.PROTECT, related_name="versions")
    sections = models.JSONField(default=dict)
    signed_at = models.DateTimeField()
    # Empty when it was approved for the practice rather than signed by a clinician.
    signed_by = models.ForeignKey(
        "practices.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    withdrawn_at = models.DateTimeField()
    withdrawn_by = models.ForeignKey(
        "practices.User", on_delete=models.PROTECT, null=True, related_name="+"
    )
    reason = models.CharField(max_length=500)

    class Meta:
        ordering = ["-withdrawn_at", "-pk"]

    def __str__(self) -> str:
        return f"Withdrawn version of {self.letter}"


class DeliveryStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    SENDING = "sending", "Sending"
    # Print and fax: the PDF waits for a person; it is "sent" (and disclosed) only when
    # staff confirm it went, never because Careloop rendered it.
    TO_PRINT = "to_print", "To print or fax"
    SENT = "sent", "Sent"
    DELIVERED = "delivered", "Delivered"
    FAILED = "failed", "Failed"
    REFUSED = "refused", "Refused: no consent"


class Channel(models.TextChoices):
    EMAIL = "email", "E-mail"
    HL7 = "hl7", "Secure message (HL7 v2)"
    FHIR = "fhir", "FHIR R4"
    PRINT = "print", "Print and post or fax"


class Delivery(PracticeOwned):
    """The outbox: a letter is stored here as queued before any attempt to send it,
    retried with back-off when the channel fails, and sent once. The one exception is
    flagged: when an attempt stopped after the message may have left, the retry can
    deliver a second copy, with the same Message-ID (`duplicate_possible`)."""

    letter = models.ForeignKey(Letter, on_delete=models.PROTECT, related_name="deliveries")
    channel = models.CharField(max_length=10, choices=Channel.choices)
    status = models.CharField(
        max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.QUEUED
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField()
    last_error = models.TextField(blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    output_path = models.CharField(max_length=400, blank=True)
    message_id = models.CharField(
        max_length=40,
        blank=True,
        db_index=True,
        help_text="The HL7 control id we sent, to match the recipient's acknowledgement.",
    )

    queued_by = models.ForeignKey(
        "practices.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # The lease of the worker sending it: a "sending" row whose claim is older than
    # outbox.LEASE belongs to a worker that died, and is taken back and tried again.
    claimed_at = models.DateTimeField(null=True, blank=True)
    # An attempt stopped after the message started to leave (a killed sender, or a
    # server that took the message but answered too late): the doctor may get two
    # copies. Both carry the same Message-ID, so most mail systems drop the second.
    duplicate_possible = models.BooleanField(default=False)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            # The outbox worker: due messages across practices.
            models.Index(fields=["status", "next_attempt_at"], name="delivery_due"),
        ]
        constraints = [
            # "Send" pressed twice at once, or two tabs: one letter waits or goes at
            # most once per channel. (Queuing again after it was sent is refused by
            # outbox.queue; failed and refused deliveries may be queued again.)
            models.UniqueConstraint(
                fields=["letter", "channel"],
                condition=models.Q(status__in=["queued", "sending", "to_print"]),
                name="one_pending_delivery_per_channel",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} of {self.letter}"


class FeedbackLink(models.Model):
    """The short code printed on a letter for its feedback page: short enough to type
    from paper, and stands for the long signed link (see feedback.py)."""

    code = models.CharField(max_length=12, unique=True)
    letter = models.OneToOneField(Letter, on_delete=models.CASCADE, related_name="feedback_link")
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.code


class Feedback(PracticeOwned):
    """A referring doctor's answer to a letter, from the link in it (no account)."""

    letter = models.OneToOneField(Letter, on_delete=models.PROTECT, related_name="feedback")
    doctor = models.ForeignKey(
        "directory.Doctor", on_delete=models.PROTECT, related_name="feedback"
    )
    usefulness = models.PositiveSmallIntegerField()
    refer_again = models.CharField(max_length=10)
    about_client = models.TextField(blank=True)
    comments = models.TextField(blank=True)

    def __str__(self) -> str:
        return f"Feedback from {self.doctor}"
