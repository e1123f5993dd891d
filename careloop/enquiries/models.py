from django.conf import settings
from django.db import models
from django.urls import reverse

from careloop.practices.scoping import PracticeOwned


class EnquiryStatus(models.TextChoices):
    NEW = "new", "New"
    CONVERTED = "converted", "Became a client"
    CLOSED = "closed", "Closed"


class Enquiry(PracticeOwned):
    """A prospective client's message from the contact form of the practice's website.

    It holds only what the person chose to tell us, so staff can reply; it becomes a
    client record (linked here) only when staff convert it."""

    name = models.CharField(max_length=120)
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=30, blank=True)
    looking_for = models.TextField("what they are looking for")
    preferred_clinician = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    preferred_niche = models.ForeignKey(
        "practices.Niche",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="preferred area of practice",
    )
    # The form refuses an enquiry without the tick: the time is when it was given.
    consent_given_at = models.DateTimeField("agreed to be contacted at")
    status = models.CharField(max_length=12, choices=EnquiryStatus.choices, default="new")
    client = models.ForeignKey(
        "clients.Client",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="enquiries",
    )
    handled_at = models.DateTimeField(null=True, blank=True)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name_plural = "enquiries"
        ordering = ["-created_at"]
        indexes = [
            # The enquiry list: one practice's, newest first, often by status.
            models.Index(fields=["practice", "status", "-created_at"], name="enquiry_by_status"),
            models.Index(fields=["practice", "-created_at"], name="enquiry_newest_first"),
        ]

    def __str__(self) -> str:
        return f"Enquiry from {self.name}"

    def get_absolute_url(self) -> str:
        return reverse("enquiries:detail", args=[self.uuid])

    @property
    def preference(self) -> str:
        if self.preferred_clinician_id:
            return str(self.preferred_clinician)
        if self.preferred_niche_id:
            return str(self.preferred_niche)
        return ""
