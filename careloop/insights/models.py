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
    status = models.CharField(max_length=20)
    end_reason = models.CharField(max_length=200, blank=True)

    received_at = models.DateTimeField()
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    contacted_at = models.DateTimeField(null=True, blank=True)
    offered_at = models.DateTimeField(null=True, blank=True)
    first_seen_at = models.DateTimeField(null=True, blank=True)
    course_ended_at = models.DateTimeField(null=True, blank=True)
    report_sent_at = models.DateTimeField(null=True, blank=True)

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
            # Attribution: one doctor's referrals over time.
            models.Index(fields=["practice", "doctor", "received_at"], name="insight_fact_doctor"),
        ]

    def __str__(self) -> str:
        return f"Insight row of referral {self.referral_id}"


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
