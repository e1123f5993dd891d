from django.db import models
from django.urls import reverse

from careloop.lib.search import compact_key
from careloop.practices.models import STATE_CHOICES
from careloop.practices.scoping import SearchKeyedPracticeOwned

from . import search


# Reverse relations from practice-owned models: see PracticeOwned.objects.
class Client(SearchKeyedPracticeOwned):  # type: ignore[django-manager-missing]
    """A person the practice treats (a patient, in the doctor's words)."""

    given_name = models.CharField(max_length=80)
    family_name = models.CharField(max_length=80)
    preferred_name = models.CharField(max_length=80, blank=True)
    date_of_birth = models.DateField()
    medicare_number = models.CharField("Medicare card number", max_length=10, blank=True)
    medicare_irn = models.PositiveSmallIntegerField(
        "IRN", null=True, blank=True, help_text="The person's number (1-9) on the card."
    )
    email = models.EmailField(blank=True)
    phone = models.CharField("mobile or phone", max_length=30, blank=True)
    street = models.CharField("street address", max_length=200, blank=True)
    suburb = models.CharField(max_length=80, blank=True)
    state = models.CharField(max_length=3, choices=STATE_CHOICES, blank=True)
    postcode = models.CharField(max_length=4, blank=True)
    emergency_contact_name = models.CharField(max_length=120, blank=True)
    emergency_contact_relationship = models.CharField("relationship", max_length=60, blank=True)
    emergency_contact_phone = models.CharField(max_length=30, blank=True)
    possible_duplicate_of = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="possible_duplicates",
        help_text="Set by an import that found a client with the same name and date of "
        "birth but could not be sure; staff confirm or dismiss.",
    )
    usual_gp = models.ForeignKey(
        "directory.Doctor",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="usual_gp_of",
        verbose_name="usual GP",
    )

    # Names as typed in a search: see lib/search.py. Kept by save() and bulk writes.
    search_family = models.CharField(max_length=80, blank=True, editable=False, default="")
    search_given = models.CharField(max_length=80, blank=True, editable=False, default="")
    # The words the client list's search finds them by, indexed for a word inside a
    # word (web/textsearch.py): names, Medicare number, phone digits, e-mail.
    search_text = models.TextField(blank=True, editable=False, default="")
    SEARCHED_FIELDS = (
        "given_name",
        "preferred_name",
        "family_name",
        "medicare_number",
        "phone",
        "email",
    )
    # A search of one or two letters looks at the start of the names (textsearch).
    PREFIX_FIELDS = ("search_family", "search_given")

    class Meta:
        ordering = ["family_name", "given_name"]
        indexes = [
            # The client list, by surname within one practice.
            models.Index(fields=["practice", "family_name", "given_name"], name="client_by_name"),
            # The pickers' type-ahead: a prefix of either name, or a date of birth. With
            # the key (PostgreSQL), a list searched by a client's name reads the clients'
            # ids from these indexes alone (textsearch.matching_ids).
            models.Index(
                fields=["practice", "search_family"], include=["id"], name="client_search_family"
            ),
            models.Index(
                fields=["practice", "search_given"], include=["id"], name="client_search_given"
            ),
            models.Index(fields=["practice", "date_of_birth"], name="client_by_birth_date"),
            # Matching an incoming referral's patient by Medicare number.
            models.Index(fields=["practice", "medicare_number"], name="client_by_medicare"),
        ]

    def __str__(self) -> str:
        return self.full_name

    SEARCH_KEY_FIELDS = ("search_family", "search_given")

    def refresh_search_keys(self) -> None:
        self.search_family = compact_key(self.family_name)
        self.search_given = compact_key(f"{self.given_name} {self.preferred_name}")[:80]
        self.search_text = search.text_of(self)

    # What a choice list needs to label a client (see PracticeModelForm).
    CHOICE_LABEL_FIELDS = ("given_name", "family_name")

    def get_absolute_url(self) -> str:
        return reverse("clients:detail", args=[self.uuid])

    @property
    def full_name(self) -> str:
        return f"{self.given_name} {self.family_name}"
