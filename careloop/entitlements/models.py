from django.db import models

from careloop.practices.scoping import PracticeOwned


class MbsItem(models.Model):
    """One row of the Better Access item table: which MBS item a session is, by
    profession, type, setting and length, for a period. National data, loaded from
    CSV (`careloop load_mbs_items`) whenever the schedule changes."""

    item = models.CharField(max_length=8)
    profession = models.CharField(max_length=30)
    session_type = models.CharField(max_length=14)
    # in_rooms, out_of_rooms, video, phone; group items use in_person or video.
    setting = models.CharField(max_length=14)
    min_minutes = models.PositiveSmallIntegerField()
    max_minutes = models.PositiveSmallIntegerField(null=True, blank=True)
    valid_from = models.DateField(null=True, blank=True)
    valid_to = models.DateField(null=True, blank=True)
    confidence = models.CharField(
        max_length=2,
        blank=True,
        help_text="V verified, S secondary source, I inferred, U unverified",
    )
    source = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["item", "valid_from"]
        indexes = [
            models.Index(fields=["profession", "session_type", "setting"], name="mbs_item_lookup")
        ]

    def __str__(self) -> str:
        return self.item


class MbsFee(models.Model):
    """The schedule fee of an item for a period, where the practice has loaded it."""

    item = models.CharField(max_length=8)
    fee = models.DecimalField(max_digits=8, decimal_places=2)
    valid_from = models.DateField()
    valid_to = models.DateField(null=True, blank=True)
    source = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["item", "valid_from"]
        constraints = [
            models.UniqueConstraint(fields=["item", "valid_from"], name="mbs_fee_once_per_start")
        ]

    def __str__(self) -> str:
        return f"{self.item} ${self.fee} from {self.valid_from}"


class ElsewhereClaims(PracticeOwned):
    """Better Access services a client had with other providers in a calendar year
    (from the HPOS MBS items checker or the client), so caps are counted right."""

    client = models.ForeignKey(
        "clients.Client", on_delete=models.CASCADE, related_name="elsewhere_claims"
    )
    year = models.PositiveSmallIntegerField()
    individual = models.PositiveSmallIntegerField(default=0)
    group = models.PositiveSmallIntegerField(default=0)
    family_carer = models.PositiveSmallIntegerField("family or carer", default=0)
    note = models.CharField(
        max_length=200,
        blank=True,
        help_text="Where the numbers came from, e.g. “HPOS check 12/03”.",
    )

    class Meta:
        ordering = ["-year"]
        verbose_name_plural = "services claimed elsewhere"
        constraints = [
            models.UniqueConstraint(
                fields=["practice", "client", "year"], name="elsewhere_once_per_year"
            )
        ]

    def __str__(self) -> str:
        return f"Claimed elsewhere in {self.year}"
