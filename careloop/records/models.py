from django.db import models

from careloop.practices.scoping import PracticeOwned

from .retention import RetentionRule


class RetentionSettings(PracticeOwned):
    """The practice's retention rule, chosen by the owner for the practice's state.
    A practice without a row uses the NSW and Victorian rule (see retention.py)."""

    adult_years = models.PositiveSmallIntegerField(
        "keep adults' records for (years after the last contact)",
        default=7,
    )
    minor_until_age = models.PositiveSmallIntegerField(
        "keep records of clients first seen as minors until they turn",
        null=True,
        blank=True,
        default=25,
        help_text="Leave empty if your state has no separate rule for minors.",
    )
    source = models.CharField(
        "where the rule comes from",
        max_length=200,
        blank=True,
        default="NSW HRIP Act 2002 s 25; Vic Health Records Act 2001 HPP 4.2",
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["practice"], name="one_retention_rule_per_practice")
        ]

    def __str__(self) -> str:
        return "Retention rule"

    @property
    def rule(self) -> RetentionRule:
        return RetentionRule(adult_years=self.adult_years, minor_until_age=self.minor_until_age)


class AccessReportStatus(models.TextChoices):
    PREPARING = "preparing", "Being prepared"
    READY = "ready", "Ready"
    FAILED = "failed", "Could not be prepared"


class AccessReport(PracticeOwned):
    """A copy of everything held about one client, produced at their request
    (Australian Privacy Principle 12): one PDF to read and one JSON file for software.
    Kept so the practice can show what it gave; disposed of with the client."""

    client = models.ForeignKey(
        "clients.Client", on_delete=models.CASCADE, related_name="access_reports"
    )
    requested_by = models.ForeignKey("practices.User", on_delete=models.PROTECT, related_name="+")
    include_clinical_notes = models.BooleanField(default=False)
    notes_withheld_reason = models.CharField(
        "why clinical notes are withheld",
        max_length=300,
        blank=True,
        help_text="APP 12.3 lists the grounds on which access may be refused.",
    )
    status = models.CharField(
        max_length=10, choices=AccessReportStatus.choices, default=AccessReportStatus.PREPARING
    )
    pdf = models.FileField(upload_to="access-reports/%Y/", blank=True)
    data = models.FileField(upload_to="access-reports/%Y/", blank=True)
    produced_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            # The client's access reports, newest first, on the access page.
            models.Index(fields=["practice", "client", "-created_at"], name="access_report_client"),
        ]

    def __str__(self) -> str:
        return (
            f"Access report of {self.created_at:%d/%m/%Y}" if self.created_at else "Access report"
        )


class DisposalRecord(PracticeOwned):
    """A client record disposed of after its retention period: who, when and which
    record, and nothing of what it held (no name, no date of birth, no health detail).
    The client's uuid matches the audit log's rows about them."""

    client_uuid = models.UUIDField()
    disposed_by = models.ForeignKey("practices.User", on_delete=models.PROTECT, related_name="+")
    disposed_by_label = models.CharField(
        max_length=160, help_text="The owner's name and e-mail as they were at the time."
    )
    disposed_at = models.DateTimeField()
    retention_ended_on = models.DateField()
    rule = models.CharField(max_length=200, help_text="The retention rule applied.")

    class Meta:
        ordering = ["-disposed_at"]

    def __str__(self) -> str:
        return f"Disposed record {str(self.client_uuid)[:8]}"
