"""The practice's public website: its pages, clinician profiles, articles and images.

Content is edited as a draft and goes live only when an owner publishes it:
publishing copies `draft` into `published`, and the public pages read `published`
alone (the staff preview reads `draft`). Each draft holds the Markdown staff typed
and the sanitised HTML made from it on save (markup.py), so nothing unsafe is stored
for publishing.
"""

from django.conf import settings
from django.db import models

from careloop.practices.scoping import PracticeOwned


class Publishable(PracticeOwned):
    draft = models.JSONField(default=dict, blank=True)
    published = models.JSONField(null=True, blank=True, editable=False)
    published_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        abstract = True

    @property
    def has_unpublished_changes(self) -> bool:
        return self.draft != (self.published or {})

    @property
    def is_published(self) -> bool:
        return self.published is not None

    def content(self, *, preview: bool) -> dict | None:
        return self.draft if preview else self.published


class SiteImage(PracticeOwned):
    """An uploaded picture and its WebP variants (images.py), served by the public site."""

    original = models.FileField(upload_to="site-images/")
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    # [[width, height, storage path], ...], narrowest first.
    variants = models.JSONField(default=list)

    class Meta:
        indexes = [models.Index(fields=["practice", "created_at"])]

    def __str__(self) -> str:
        return f"image {self.uuid}"


class PublicSite(Publishable):
    """The practice's site: its page texts, theme, and the domain it may be served on.

    Draft keys: tagline, description, home_md/home_html, about_md/about_html,
    doctors_md/doctors_html, secure_messaging, services {niche code: {md, html}},
    brand_colour, accent_colour, logo (SiteImage uuid or "").
    """

    domain = models.CharField(
        max_length=253,
        unique=True,
        null=True,
        blank=True,
        help_text="The practice's own web address, for example www.harbourpsychology.com.au. "
        "Leave empty to use the Careloop address only. The server's ALLOWED_HOSTS must "
        "include it.",
    )
    # Bumped on every publish of anything on the site: a cache of public pages keys on it.
    revision = models.PositiveIntegerField(default=0, editable=False)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["practice"], name="one_site_per_practice")]

    def __str__(self) -> str:
        return "website pages"


class ClinicianPage(Publishable):
    """A clinician's public profile. Draft keys: bio_md, bio_html, languages (list of
    str), photo (SiteImage uuid or ""), public (bool)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="public_page"
    )
    slug = models.SlugField(max_length=80)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["practice", "slug"], name="clinician_page_slug")
        ]

    def __str__(self) -> str:
        return f"profile of {self.user}"


class Article(Publishable):
    """A post on the practice's blog. Draft keys: title, summary, body_md, body_html."""

    slug = models.SlugField(max_length=100)
    first_published_on = models.DateField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-first_published_on", "-created_at"]
        constraints = [models.UniqueConstraint(fields=["practice", "slug"], name="article_slug")]
        indexes = [models.Index(fields=["practice", "first_published_on"])]

    def __str__(self) -> str:
        return self.draft.get("title") or "untitled article"
