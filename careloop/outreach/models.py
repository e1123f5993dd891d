"""Doctor relationships and outreach: what the practice did to become known to doctors,
what it means to do next, and how each doctor wants to hear from it.

A relationship's stage (not contacted, introduced, referring, lapsed) is computed from
these activities and the referrals; only "do not contact" is stored, because only a
person may set it.
"""

import secrets

from django.conf import settings
from django.db import models
from django.db.models.functions import Coalesce

from careloop.practices.models import Niche
from careloop.practices.scoping import PracticeOwned


class Stage(models.TextChoices):
    NOT_CONTACTED = "not_contacted", "Not contacted"
    INTRODUCED = "introduced", "Introduced"
    REFERRING = "referring", "Referring"
    LAPSED = "lapsed", "Lapsed"
    DO_NOT_CONTACT = "do_not_contact", "Do not contact"


class ActivityKind(models.TextChoices):
    VISIT = "visit", "Introductory visit"
    PHONE_CALL = "phone_call", "Phone call"
    EMAIL = "email", "E-mail"
    LETTER = "letter", "Letter"
    TRAINING = "training", "Lunch-and-learn or staff training"
    EVENT = "event", "Conference or event"
    FEEDBACK = "feedback", "Feedback received"
    REFERRAL = "referral", "Referral received"
    OPENINGS_UPDATE = "openings_update", "Openings update"


# Kinds a person logs; a referral received is logged by Careloop itself.
LOGGABLE_KINDS = [kind for kind in ActivityKind if kind != ActivityKind.REFERRAL]


class TrainingStatus(models.TextChoices):
    OFFERED = "offered", "Offered"
    DELIVERED = "delivered", "Delivered"


class DetailLevel(models.TextChoices):
    BRIEF = "brief", "Brief: the headline only"
    STANDARD = "standard", "Standard"
    DETAILED = "detailed", "Detailed"


class TalkStatus(models.TextChoices):
    NONE = "", "No talk"
    PROPOSED = "proposed", "Proposed"
    ACCEPTED = "accepted", "Accepted"
    DELIVERED = "delivered", "Delivered"
    DECLINED = "declined", "Not accepted"


class OutreachEvent(PracticeOwned):  # type: ignore[django-manager-missing]
    """A conference, talk or community event where the practice meets doctors."""

    name = models.CharField(max_length=160)
    audience_focus = models.CharField(
        max_length=160, blank=True, help_text="Who attends, e.g. GPs in the inner west."
    )
    starts_on = models.DateField()
    ends_on = models.DateField(null=True, blank=True)
    location = models.CharField(max_length=200, blank=True)
    talk_title = models.CharField(max_length=200, blank=True)
    talk_status = models.CharField(
        max_length=10, choices=TalkStatus.choices, blank=True, default=TalkStatus.NONE
    )
    niches = models.ManyToManyField(Niche, blank=True, related_name="+")
    notes = models.TextField(blank=True)

    class Meta:
        indexes = [models.Index(fields=["practice", "starts_on"], name="outreach_event_by_date")]

    def __str__(self) -> str:
        return self.name


class Activity(PracticeOwned):  # type: ignore[django-manager-missing]
    """One contact with a doctor, a medical practice, or both."""

    kind = models.CharField(max_length=20, choices=ActivityKind.choices)
    occurred_on = models.DateField()
    doctor = models.ForeignKey(
        "directory.Doctor",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="outreach_activities",
    )
    medical_practice = models.ForeignKey(
        "directory.MedicalPractice",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="outreach_activities",
    )
    event = models.ForeignKey(
        OutreachEvent, null=True, blank=True, on_delete=models.SET_NULL, related_name="activities"
    )
    referral = models.ForeignKey(
        "referrals.Referral",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        help_text="The referral this activity records, for kind 'referral'.",
    )
    # Who from the practice went or made contact.
    staff = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="+")
    people_met = models.CharField(max_length=300, blank=True)
    niches_explained = models.ManyToManyField(Niche, blank=True, related_name="+")
    materials_left = models.CharField(max_length=300, blank=True)
    asked_for_referrals = models.BooleanField(default=False)
    topic = models.CharField(max_length=200, blank=True)
    attendees = models.CharField(max_length=300, blank=True)
    training_status = models.CharField(max_length=10, choices=TrainingStatus.choices, blank=True)
    duration_minutes = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="Time spent, including travel."
    )
    summary = models.TextField(blank=True)
    next_step = models.CharField(max_length=300, blank=True)
    next_step_due = models.DateField(null=True, blank=True)
    logged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name_plural = "activities"
        ordering = ["-occurred_on", "-id"]
        indexes = [
            models.Index(fields=["practice", "occurred_on"], name="activity_by_date"),
            models.Index(fields=["practice", "doctor", "occurred_on"], name="activity_by_doctor"),
            models.Index(
                fields=["practice", "medical_practice", "occurred_on"], name="activity_by_medprac"
            ),
            models.Index(fields=["practice", "kind", "occurred_on"], name="activity_by_kind"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(doctor__isnull=False) | models.Q(medical_practice__isnull=False),
                name="activity_has_a_doctor_or_medical_practice",
            ),
            # A referral is logged once, however often its events are replayed.
            models.UniqueConstraint(
                fields=["referral"],
                condition=models.Q(referral__isnull=False),
                name="one_activity_per_referral",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} on {self.occurred_on}"


class ContactPreference(PracticeOwned):
    """What a doctor and a medical practice both say about being contacted: "do not
    contact", set only by a person, with a reason (actions.set_do_not_contact)."""

    do_not_contact = models.BooleanField(default=False)
    do_not_contact_reason = models.CharField(max_length=200, blank=True)
    do_not_contact_set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    do_not_contact_set_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        abstract = True


class DoctorPreference(ContactPreference):
    """How one doctor wants to hear from the practice. The letters channel stays on
    Doctor.preferred_channel, where the outbox reads it."""

    doctor = models.OneToOneField(
        "directory.Doctor", on_delete=models.CASCADE, related_name="outreach_preference"
    )
    detail_level = models.CharField(
        max_length=10, choices=DetailLevel.choices, default=DetailLevel.STANDARD
    )
    update_every_days = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        help_text="How often they want to hear from us. Empty: no preference.",
    )
    notes = models.TextField(blank=True)


class MedicalPracticePreference(ContactPreference):
    medical_practice = models.OneToOneField(
        "directory.MedicalPractice", on_delete=models.CASCADE, related_name="outreach_preference"
    )
    notes = models.TextField(blank=True)


class OutreachSettings(PracticeOwned):
    """A practice's cadence rules and search radii. Defaults follow the issue's routine."""

    referrer_contact_every_days = models.PositiveSmallIntegerField(default=90)
    thank_you_within_business_days = models.PositiveSmallIntegerField(default=2)
    introduced_follow_up_after_days = models.PositiveSmallIntegerField(default=30)
    call_lapsed_referrers = models.BooleanField(default=True)
    # No doctor gets more than one outreach message within this many days.
    frequency_cap_days = models.PositiveSmallIntegerField(default=14)
    general_radius_km = models.PositiveSmallIntegerField(
        default=10, help_text="How far to look for doctors for the practice's general services."
    )
    # What the leave-behind for doctors says about the practice as a whole.
    ideal_clients = models.TextField(
        blank=True,
        help_text="Who you help best, in a few lines a GP can read at a glance.",
    )
    secure_messaging_address = models.CharField(
        max_length=120,
        blank=True,
        help_text="Where doctors send referrals by secure message, e.g. a HealthLink EDI.",
    )

    class Meta:
        verbose_name_plural = "outreach settings"
        constraints = [models.UniqueConstraint(fields=["practice"], name="one_outreach_settings")]


class NicheReach(PracticeOwned):
    """How far the practice looks for doctors for one niche: a niche looks further out."""

    niche = models.ForeignKey(Niche, on_delete=models.CASCADE, related_name="+")
    radius_km = models.PositiveSmallIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["practice", "niche"], name="one_reach_per_niche")
        ]


class TaskSource(models.TextChoices):
    CADENCE_KEEP_IN_TOUCH = "keep_in_touch", "Keep in touch with a referrer"
    CADENCE_THANK_YOU = "thank_you", "Thank a new referrer"
    CADENCE_CALL_LAPSED = "call_lapsed", "Call a lapsed referrer"
    CADENCE_FOLLOW_UP = "follow_up", "Follow up an introduction"
    NEXT_STEP = "next_step", "Next step from an activity"


class OutreachTask(PracticeOwned):
    """Something to do for a relationship, due on a date, for one person."""

    source = models.CharField(max_length=20, choices=TaskSource.choices)
    title = models.CharField(max_length=300)
    doctor = models.ForeignKey(
        "directory.Doctor", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    medical_practice = models.ForeignKey(
        "directory.MedicalPractice",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    from_activity = models.ForeignKey(
        Activity, null=True, blank=True, on_delete=models.CASCADE, related_name="tasks"
    )
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    due_on = models.DateField()
    done_at = models.DateTimeField(null=True, blank=True)
    done_by_activity = models.ForeignKey(
        Activity, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    snoozed_until = models.DateField(null=True, blank=True)
    snooze_reason = models.CharField(max_length=200, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["practice", "done_at", "due_on"], name="task_open_by_due"),
            models.Index(fields=["practice", "assigned_to", "due_on"], name="task_by_person"),
        ]
        constraints = [
            # Cadence jobs run again and again; one open task per rule and contact.
            models.UniqueConstraint(
                fields=["practice", "source", "doctor", "medical_practice"],
                condition=models.Q(done_at__isnull=True) & ~models.Q(source="next_step"),
                name="one_open_cadence_task",
                nulls_distinct=False,
            ),
            # The same rule where NULLs are distinct whatever nulls_distinct says (SQLite,
            # PostgreSQL before 15): empty keys compare as 0.
            models.UniqueConstraint(
                "practice",
                "source",
                Coalesce("doctor", 0),
                Coalesce("medical_practice", 0),
                condition=models.Q(done_at__isnull=True) & ~models.Q(source="next_step"),
                name="one_open_cadence_task_any_db",
            ),
        ]

    def __str__(self) -> str:
        return self.title


class VisitPlan(PracticeOwned):  # type: ignore[django-manager-missing]
    """A visit day: medical practices in driving order from the practice."""

    planned_for = models.DateField()
    planned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    notes = models.TextField(blank=True)

    class Meta:
        indexes = [models.Index(fields=["practice", "planned_for"], name="visitplan_by_date")]


class VisitStop(PracticeOwned):
    plan = models.ForeignKey(VisitPlan, on_delete=models.CASCADE, related_name="stops")
    position = models.PositiveSmallIntegerField()
    medical_practice = models.ForeignKey(
        "directory.MedicalPractice", on_delete=models.CASCADE, related_name="+"
    )
    distance_from_previous_km = models.DecimalField(max_digits=7, decimal_places=2, null=True)
    logged_activity = models.ForeignKey(
        Activity, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "position"], name="one_stop_per_position"),
            models.UniqueConstraint(fields=["plan", "medical_practice"], name="stop_once_per_plan"),
        ]


class TemplateKind(models.TextChoices):
    INTRODUCTION = "introduction", "Introduction"
    FIRST_REFERRAL_THANKS = "first_referral_thanks", "Thank-you for a first referral"
    OPENINGS_UPDATE = "openings_update", "Openings update"
    LUNCH_AND_LEARN = "lunch_and_learn", "Offer of a lunch-and-learn"
    # Written by insights from the doctor's own figures, not from an editable template.
    YEARLY_SUMMARY = "yearly_summary", "Yearly summary"


class OutreachTemplate(PracticeOwned):
    """A practice's own wording for one kind of outreach letter or e-mail. Without one,
    the shipped default is used."""

    kind = models.CharField(max_length=30, choices=TemplateKind.choices)
    subject = models.CharField(max_length=200)
    body = models.TextField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["practice", "kind"], name="one_template_per_kind")
        ]


class OutreachMessage(PracticeOwned):
    """One outreach message to one doctor: the unit that is sent once, however often a
    send is retried."""

    kind = models.CharField(max_length=30, choices=TemplateKind.choices)
    doctor = models.ForeignKey("directory.Doctor", on_delete=models.CASCADE, related_name="+")
    # The same batch key twice for one doctor is the same send (a retried request).
    batch_key = models.CharField(max_length=64)
    subject = models.CharField(max_length=200)
    body = models.TextField()
    channel = models.CharField(max_length=20)
    queued_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    activity = models.ForeignKey(
        Activity, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Retries: an e-mail the mail server did not take waits for the next run.
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(max_length=500, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["batch_key", "doctor"], name="outreach_sent_once")
        ]
        indexes = [
            models.Index(fields=["practice", "doctor", "queued_at"], name="outreach_by_doctor")
        ]


class ClinicianLeaveBehind(PracticeOwned):
    """What one clinician's leave-behind says beyond their profile: who they help best."""

    clinician = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="leave_behind"
    )
    ideal_clients = models.TextField(blank=True)


def new_feed_token() -> str:
    return secrets.token_urlsafe(32)


class CalendarFeed(PracticeOwned):
    """A personal iCalendar feed of due tasks and planned visits. The URL carries the
    token; revoking it stops the feed without touching the person's sign-in."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    token = models.CharField(max_length=64, unique=True, default=new_feed_token, editable=False)
    revoked_at = models.DateTimeField(null=True, blank=True)
