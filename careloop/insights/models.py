"""Summary tables for the insight pages: one row per referral with everything the
pages group by and every step of its clock, and the loop-closure verdict computed by
`loop.py`. Kept current by the referral events (handlers.py) and an hourly job, so a
page reads one narrow table instead of joining the whole history on every view."""

from django.db import models

from careloop.practices.scoping import PracticeOwned


class InsightSettings(PracticeOwned):
    """What a practice sets for its insights. Absent means the defaults."""

    report_within_days = models.PositiveSmallIntegerField(
        "send end-of-course reports within (business days)",
        default=10,
        help_text="A loop is closed only if the report goes out this soon after the course ends.",
    )
    email_monthly_report = models.BooleanField(
        "e-mail the monthly report to owners",
        default=True,
    )

    class Meta:
        verbose_name_plural = "insight settings"
        constraints = [
            models.UniqueConstraint(fields=["practice"], name="one_insight_settings_per_practice")
        ]

    def __str__(self) -> str:
        return "Insight settings"


class LoopState(models.TextChoices):
    CLOSED = "closed", "Closed"
    BROKEN = "broken", "Broken"
    OPEN = "open", "Still open"
    NOT_APPLICABLE = "n/a", "Self-referral"


class ReferralFact(PracticeOwned):
    referral = models.OneToOneField(
        "referrals.Referral", on_delete=models.CASCADE, related_name="insight_fact"
    )
    month = models.DateField(help_text="First day of the month it was received (local).")
    doctor = models.ForeignKey(
        "directory.Doctor", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    medical_practice = models.ForeignKey(
        "directory.MedicalPractice",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    channel = models.CharField(max_length=8)
    basis = models.CharField(max_length=14)
    niche = models.ForeignKey(
        "practices.Niche", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    suburb = models.CharField(max_length=80, blank=True)
    clinician = models.ForeignKey(
        "practices.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # SET_NULL: the row goes with its referral, not with a client record merged away.
    client = models.ForeignKey(
        "clients.Client", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(max_length=20)
    end_reason = models.CharField(max_length=200, blank=True)
    sessions_attended = models.PositiveIntegerField(default=0)

    received_at = models.DateTimeField()
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    contacted_at = models.DateTimeField(null=True, blank=True)
    offered_at = models.DateTimeField(null=True, blank=True)
    first_seen_at = models.DateTimeField(null=True, blank=True)
    course_ended_at = models.DateTimeField(null=True, blank=True)
    report_sent_at = models.DateTimeField(null=True, blank=True)

    # The funnel: the last step reached (an index into funnel.STEPS), and each step's
    # time from the step before in tenths of a day, when both happened in that order.
    furthest_step = models.PositiveSmallIntegerField(default=0)
    tenths_to_contacted = models.PositiveIntegerField(null=True, blank=True)
    tenths_to_offered = models.PositiveIntegerField(null=True, blank=True)
    tenths_to_first_seen = models.PositiveIntegerField(null=True, blank=True)
    tenths_to_course_ended = models.PositiveIntegerField(null=True, blank=True)
    tenths_to_report_sent = models.PositiveIntegerField(null=True, blank=True)

    acknowledged_on_time = models.BooleanField(null=True)
    contacted_on_time = models.BooleanField(null=True)
    loop = models.CharField(max_length=6, choices=LoopState.choices)
    loop_reasons = models.TextField(blank=True)
    refreshed_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [
            # Every insight page: one practice's referrals by month received.
            models.Index(fields=["practice", "month"], name="insight_fact_by_month"),
            # The broken loops list and the dashboard's rate.
            models.Index(fields=["practice", "loop", "month"], name="insight_fact_by_loop"),
            # The broken loops list, newest first.
            models.Index(
                fields=["practice", "loop", "-received_at"], name="insight_fact_loop_newest"
            ),
            # Attribution: one doctor's referrals over time.
            models.Index(fields=["practice", "doctor", "received_at"], name="insight_fact_doctor"),
            # The funnel of the busiest clinicians.
            models.Index(fields=["practice", "clinician", "month"], name="insight_fact_clinician"),
            # Outcomes by source: each client's latest referral.
            models.Index(fields=["practice", "client", "received_at"], name="insight_fact_client"),
        ]

    def __str__(self) -> str:
        return f"Insight row of referral {self.referral_id}"


class Dimension(models.TextChoices):
    """What the referrals of a month are counted by (ReferralMonth)."""

    ALL = "all", "Every referral"
    DOCTOR = "doctor", "Doctor"
    MEDICAL_PRACTICE = "medical-practice", "Medical practice"
    CHANNEL = "channel", "Channel"
    BASIS = "basis", "Basis"
    NICHE = "niche", "Area of practice asked for"
    SUBURB = "suburb", "Client's suburb"
    CLINICIAN = "clinician", "Clinician"


class ReferralMonth(PracticeOwned):
    """The referrals received in one month that share one value of one dimension (one
    doctor, one channel...; `key` is "" for none), counted every way a page needs:
    the sources, promises and funnel pages and the monthly report add these up instead
    of reading a year of ReferralFact rows. Rebuilt from ReferralFact (summaries.py)
    for the months a refresh touched."""

    month = models.DateField()
    dimension = models.CharField(max_length=20, choices=Dimension.choices)
    key = models.CharField(max_length=80, blank=True)
    referrals = models.PositiveIntegerField(default=0)
    # Promises: self-referrals have no doctor to keep a promise to and are left out.
    from_doctors = models.PositiveIntegerField(default=0)
    acknowledged_on_time = models.PositiveIntegerField(default=0)
    acknowledged_known = models.PositiveIntegerField(default=0)
    contacted_on_time = models.PositiveIntegerField(default=0)
    contacted_known = models.PositiveIntegerField(default=0)
    loops_closed = models.PositiveIntegerField(default=0)
    loops_broken = models.PositiveIntegerField(default=0)
    loops_open = models.PositiveIntegerField(default=0)
    # The funnel: how many got at least as far as each step after "received".
    reached_contacted = models.PositiveIntegerField(default=0)
    reached_offered = models.PositiveIntegerField(default=0)
    reached_first_seen = models.PositiveIntegerField(default=0)
    reached_course_ended = models.PositiveIntegerField(default=0)
    reached_report_sent = models.PositiveIntegerField(default=0)
    declined_unseen = models.PositiveIntegerField(default=0)
    unable_to_contact_unseen = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["practice", "dimension", "month", "key"], name="one_referral_month"
            )
        ]

    def __str__(self) -> str:
        return f"Referrals of {self.month:%B %Y} by {self.dimension} {self.key!r}"


class SourceTotal(PracticeOwned):
    """One source's referrals (one doctor's, one suburb's...) over the `months` months
    through `through`, and over the 3 full months before the last 3 and those last 3:
    the sources page ranks a year's thousands of doctors by reading the top of an index
    rather than adding up their monthly rows on every view. Rebuilt with the monthly
    summaries; a page whose month has moved on from `through` adds them up itself."""

    through = models.DateField(help_text="The last month counted (the current one when built).")
    months = models.PositiveSmallIntegerField()
    dimension = models.CharField(max_length=20, choices=Dimension.choices)
    key = models.CharField(max_length=80, blank=True)
    referrals = models.PositiveIntegerField()
    before = models.PositiveIntegerField()
    after = models.PositiveIntegerField()
    change = models.IntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["practice", "dimension", "months", "key"], name="one_source_total"
            )
        ]
        indexes = [
            models.Index(
                fields=["practice", "dimension", "months", "referrals"],
                name="source_total_busiest",
            ),
            models.Index(
                fields=["practice", "dimension", "months", "change"],
                name="source_total_movers",
            ),
        ]

    def __str__(self) -> str:
        return (
            f"{self.referrals} referrals by {self.dimension} {self.key!r} in {self.months} months"
        )


class StepDuration(PracticeOwned):
    """How many referrals of one month and channel took a given time (in tenths of a
    day) from one funnel step to the next: the funnel's medians, exact to the tenth of
    a day, read from a few hundred rows a month."""

    month = models.DateField()
    channel = models.CharField(max_length=8)
    step = models.PositiveSmallIntegerField(help_text="Index into funnel.STEPS, from 1.")
    tenths = models.PositiveIntegerField()
    referrals = models.PositiveIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["practice", "month", "channel", "step", "tenths"],
                name="one_step_duration",
            )
        ]

    def __str__(self) -> str:
        return f"Step {self.step} of {self.month:%B %Y} in {self.tenths / 10:g} days"


class ScoreChange(PracticeOwned):
    """A client's first and last score of one measure (its first scale), for clients
    scored twice or more, with the source of their latest referral: outcomes by source
    and the yearly letters read these instead of every score ever recorded."""

    client = models.ForeignKey("clients.Client", on_delete=models.CASCADE, related_name="+")
    measure = models.CharField(max_length=20)
    first_score = models.FloatField()
    last_score = models.FloatField()
    results = models.PositiveIntegerField()
    medical_practice = models.ForeignKey(
        "directory.MedicalPractice",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    niche = models.ForeignKey(
        "practices.Niche", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["practice", "client", "measure"], name="one_score_change"
            )
        ]
        indexes = [
            # Outcomes by source: each measure's changes added up by source, read from
            # the index alone.
            models.Index(
                fields=["practice", "measure", "medical_practice", "first_score", "last_score"],
                name="score_change_by_practice",
            ),
            models.Index(
                fields=["practice", "measure", "niche", "first_score", "last_score"],
                name="score_change_by_niche",
            ),
        ]

    def __str__(self) -> str:
        change = f"{self.first_score:g} to {self.last_score:g}"
        return f"{self.measure} of client {self.client_id}: {change}"


class DoctorYear(PracticeOwned):
    """A referring doctor's patients first seen from `since` (a year before the day it
    was counted) and their sessions: the yearly letters list thousands of doctors a page
    at a time from these, kept by the hourly rebuild and by each referral's refresh."""

    doctor = models.ForeignKey("directory.Doctor", on_delete=models.CASCADE, related_name="+")
    since = models.DateField()
    patients = models.PositiveIntegerField()
    sessions = models.PositiveIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["practice", "doctor"], name="one_doctor_year")
        ]
        indexes = [
            models.Index(fields=["practice", "since", "patients"], name="doctor_year_by_patients")
        ]

    def __str__(self) -> str:
        return f"{self.patients} patients of doctor {self.doctor_id} since {self.since}"


class MonthlyReport(PracticeOwned):
    """A monthly report e-mailed to the owners: remembered so it goes once."""

    month = models.DateField(help_text="First day of the month reported on.")
    sent_at = models.DateTimeField()
    recipients = models.PositiveSmallIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["practice", "month"], name="one_monthly_report")
        ]

    def __str__(self) -> str:
        return f"Monthly report for {self.month:%B %Y}"
