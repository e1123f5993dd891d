from django.db import models
from django.urls import reverse

from careloop.practices.scoping import PracticeOwned


class SessionType(models.TextChoices):
    INDIVIDUAL = "individual", "Individual"
    GROUP = "group", "Group"
    FAMILY_CARER = "family_carer", "Family or carer"


class Modality(models.TextChoices):
    IN_ROOMS = "in_rooms", "In person, in rooms"
    OUT_OF_ROOMS = "out_of_rooms", "In person, out of rooms (home, school)"
    VIDEO = "video", "Video"
    PHONE = "phone", "Phone"


class SessionStatus(models.TextChoices):
    BOOKED = "booked", "Booked"
    ATTENDED = "attended", "Attended"
    CANCELLED = "cancelled", "Cancelled"
    NO_SHOW = "no_show", "Did not attend"


class TherapySession(PracticeOwned):
    """One appointment of a client with a clinician."""

    client = models.ForeignKey("clients.Client", on_delete=models.PROTECT, related_name="sessions")
    clinician = models.ForeignKey(
        "practices.User", on_delete=models.PROTECT, related_name="therapy_sessions"
    )
    referral = models.ForeignKey(
        "referrals.Referral",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="sessions",
    )
    starts_at = models.DateTimeField("date and time")
    duration_minutes = models.PositiveSmallIntegerField("duration (minutes)", default=50)
    session_type = models.CharField(
        "type", max_length=12, choices=SessionType.choices, default=SessionType.INDIVIDUAL
    )
    modality = models.CharField(max_length=12, choices=Modality.choices, default=Modality.IN_ROOMS)

    status = models.CharField(
        max_length=10, choices=SessionStatus.choices, default=SessionStatus.BOOKED
    )

    class Meta:
        ordering = ["-starts_at"]
        verbose_name = "session"
        indexes = [
            # The session list and dashboard: one practice's sessions by time.
            models.Index(fields=["practice", "-starts_at"], name="session_recent"),
            # The session list filtered by status ("attended"), newest first: without it
            # the list reads past every booked session to come before the first match.
            models.Index(fields=["practice", "status", "-starts_at"], name="session_by_status"),
            # A client's sessions in date order (entitlement counting, client page).
            models.Index(fields=["practice", "client", "starts_at"], name="session_by_client"),
            # A clinician's sessions by time: their day, and the dashboard's courses
            # (the clients they saw lately), without reading the practice's history.
            models.Index(
                fields=["practice", "clinician", "starts_at"], name="session_by_clinician"
            ),
        ]

    def __str__(self) -> str:
        return f"Session with {self.client}"

    def get_absolute_url(self) -> str:
        return reverse("therapy:detail", args=[self.uuid])


class ClinicalNote(PracticeOwned):  # type: ignore[django-manager-missing]  # see PracticeOwned
    """The treating clinician's private note of a session. Clinicians only (never
    administration staff), every view audited, and never part of any disclosure:
    letters are built from fixed sections that have no way to include it."""

    session = models.OneToOneField(
        TherapySession, on_delete=models.CASCADE, related_name="clinical_note"
    )
    text = models.TextField()
    author = models.ForeignKey("practices.User", on_delete=models.PROTECT, related_name="+")

    def __str__(self) -> str:
        return f"Clinical note of {self.session}"


class ClinicalNoteVersion(PracticeOwned):
    """Every text a clinical note has held, with who wrote it and when: a note can be
    rewritten, never erased. Append-only; the note holds the latest text."""

    note = models.ForeignKey(ClinicalNote, on_delete=models.CASCADE, related_name="versions")
    text = models.TextField()
    author = models.ForeignKey("practices.User", on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"Version of {self.note}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValueError("A clinical note's earlier version cannot be changed.")
        super().save(*args, **kwargs)
