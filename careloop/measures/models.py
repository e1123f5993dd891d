from django.db import models
from django.urls import reverse

from careloop.practices.scoping import PracticeOwned

from .scoring import definitions, scoring_note


def measure_choices():
    return [(code, m.short_name) for code, m in definitions().items()]


# Reverse relations from practice-owned models: see PracticeOwned.objects.
class MeasureResult(PracticeOwned):  # type: ignore[django-manager-missing]
    """One completed questionnaire: the raw answers, and the scores as computed then,
    with the band set and scoring version used (a later rule change never rewrites
    what a letter already reported)."""

    client = models.ForeignKey(
        "clients.Client", on_delete=models.CASCADE, related_name="measure_results"
    )
    measure = models.CharField(max_length=20, choices=measure_choices)
    administered_on = models.DateField()
    answers = models.JSONField(help_text="Item number → answer value; null if unanswered.")
    extra_answers = models.JSONField(default=dict, blank=True)
    scores = models.JSONField()
    flags = models.JSONField(default=list, blank=True)
    band_set = models.CharField(max_length=20)
    scoring_version = models.CharField(max_length=20)
    entered_by = models.ForeignKey(
        "practices.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    completed_by_client = models.BooleanField(default=False)

    @property
    def scoring_note(self) -> str:
        """The scoring version ("2026.11") as staff read it."""
        return scoring_note(self.scoring_version)

    class Meta:
        ordering = ["administered_on", "created_at"]
        indexes = [
            # A client's results of one measure in date order (trend chart, letters).
            models.Index(
                fields=["practice", "client", "measure", "administered_on"],
                name="measure_result_trend",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_measure_display()} on {self.administered_on:%d/%m/%Y}"

    def get_absolute_url(self) -> str:
        return reverse("measures:result", args=[self.client.uuid, self.uuid])

    @property
    def band_set_label(self) -> str:
        """The name of the grouping behind the result's bands (e.g. ABS or CRUfAD/GPcare
        for the K10), which a reader needs to interpret a band such as "High"."""
        band_set = definitions()[self.measure].band_sets.get(self.band_set)
        return band_set["label"] if band_set else self.band_set

    @property
    def has_safety_flag(self) -> bool:
        return any(flag["code"] == "self_harm" for flag in self.flags)


class MeasureInvitation(PracticeOwned):
    """A link a client uses, without an account, to complete one questionnaire."""

    client = models.ForeignKey(
        "clients.Client", on_delete=models.CASCADE, related_name="measure_invitations"
    )
    measure = models.CharField(max_length=20, choices=measure_choices)
    expires_at = models.DateTimeField()
    completed_at = models.DateTimeField(null=True, blank=True)
    result = models.OneToOneField(
        MeasureResult, on_delete=models.SET_NULL, null=True, blank=True, related_name="invitation"
    )
    created_by = models.ForeignKey(
        "practices.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.get_measure_display()} link for {self.client}"


class RiskAlert(PracticeOwned):
    """A risk answer (e.g. PHQ-9 item 9) that a person must see and act on. It stays on
    the treating clinician's and the owners' dashboards until a clinician records the
    follow-up; nothing here is ever deleted."""

    client = models.ForeignKey("clients.Client", on_delete=models.PROTECT, related_name="alerts")
    result = models.ForeignKey(MeasureResult, on_delete=models.PROTECT, related_name="alerts")
    flag_code = models.CharField(max_length=40)
    label = models.CharField(max_length=300)
    certain = models.BooleanField(
        default=True, help_text="False when the item was left unanswered: the risk is unknown."
    )
    clinician = models.ForeignKey(
        "practices.User",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="The treating clinician when the alert was raised.",
    )
    notified_at = models.DateTimeField(null=True, blank=True)
    followed_up_at = models.DateTimeField(null=True, blank=True)
    followed_up_by = models.ForeignKey(
        "practices.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    follow_up = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            # Dashboards: a practice's alerts still waiting for follow-up, oldest first.
            models.Index(
                fields=["practice", "followed_up_at", "created_at"], name="risk_alert_open"
            ),
        ]

    def __str__(self) -> str:
        return f"Safety alert for {self.client}: {self.result}"

    def get_absolute_url(self) -> str:
        return self.client.get_absolute_url() + f"#alert-{self.uuid}"
