from django.db import models
from django.urls import reverse

from careloop.practices.scoping import PracticeOwned


class ReferralBasis(models.TextChoices):
    MHTP = "mhtp", "GP Mental Health Treatment Plan"
    PSYCHIATRIST_PLAN = "pamp", "Psychiatrist assessment and management plan"
    PSYCHIATRIST = "psychiatrist", "Psychiatrist referral"
    PAEDIATRICIAN = "paediatrician", "Paediatrician referral"
    SELF = "self", "Self-referral (no Medicare rebate)"
    OTHER = "other", "Other"


class Referral(PracticeOwned):
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
        "referral basis", max_length=14, choices=ReferralBasis.choices, default=ReferralBasis.MHTP
    )
    sessions_referred = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        help_text="The course of treatment. Medicare allows up to 6 per referral; "
        "leave empty if the referral does not say.",
    )
    reason = models.TextField("symptoms or diagnosis", blank=True)
    received_at = models.DateTimeField()

    class Meta:
        ordering = ["-referral_date", "-id"]
        indexes = [
            # The referral list, newest first within one practice.
            models.Index(fields=["practice", "-referral_date"], name="referral_recent"),
        ]

    def __str__(self) -> str:
        return f"Referral of {self.client} on {self.referral_date:%d/%m/%Y}"

    def get_absolute_url(self) -> str:
        return reverse("referrals:detail", args=[self.uuid])


def referral_document_path(instance, filename: str) -> str:
    # Files live under the practice's own folder and an unguessable name.
    return f"practices/{instance.practice.uuid}/referrals/{instance.uuid}.bin"


class ReferralDocument(PracticeOwned):
    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="documents")
    file = models.FileField(upload_to=referral_document_path)
    original_name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    uploaded_by = models.ForeignKey(
        "practices.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["created_at"]

    def __str__(self) -> str:
        return self.original_name

    def get_absolute_url(self) -> str:
        return reverse("referrals:document", args=[self.referral.uuid, self.uuid])
