"""Writes to the public website: drafts, images, publishing. Each is audited."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.text import slugify

from careloop.audit.actions import Via, record
from careloop.audit.models import AuditAction
from careloop.practices.permissions import may_publish_website
from careloop.web.public_cache import invalidate_public_site

from . import images, markup, theme
from .models import Article, ClinicianPage, PublicSite, SiteImage

if TYPE_CHECKING:
    from careloop.practices.models import Practice, User

WEBSITE = "website"
MARKDOWN_FIELDS = ("home", "about", "doctors")


def default_site_draft(practice: Practice) -> dict[str, Any]:
    place = practice.suburb or practice.get_state_display()
    home_md = (
        f"{practice.name} offers psychology and counselling in {place}. We see adults, young "
        "people and families, in person and by video.\n\nTalk to your GP about a Mental Health "
        "Treatment Plan, or get in touch with us directly."
    )
    doctors_md = (
        "Send your referral through our secure online form, by secure messaging, or by fax. "
        "We let you know when it arrives and when your patient is booked."
    )
    return {
        "tagline": f"Psychology and counselling in {place}",
        "description": f"{practice.name}: psychology and counselling in {place}.",
        "home_md": home_md,
        "home_html": markup.markdown_to_html(home_md),
        "about_md": "",
        "about_html": "",
        "doctors_md": doctors_md,
        "doctors_html": markup.markdown_to_html(doctors_md),
        "secure_messaging": "",
        "services": {},
        "brand_colour": theme.DEFAULT_BRAND,
        "accent_colour": theme.DEFAULT_ACCENT,
        "logo": "",
    }


def site_of(practice: Practice) -> PublicSite:
    """The practice's site, made with a starting draft the first time it is asked for."""
    site = PublicSite.objects.for_practice(practice).first()
    if site is None:
        site = PublicSite(practice=practice, draft=default_site_draft(practice))
        site.save()
    return site


def store_image(practice: Practice, uploaded: UploadedFile[bytes]) -> SiteImage:
    """Keep an upload and its WebP variants. Raises images.ImageError for a bad file."""
    uploaded.seek(0)
    data = uploaded.read()
    (width, height), made = images.variants(data)
    image = SiteImage(practice=practice, width=width, height=height)
    image.original.save(f"{image.uuid}.orig", ContentFile(data), save=False)
    stored = []
    for variant in made:
        path = default_storage.save(
            f"site-images/{practice.pk}/{image.uuid}-{variant.width}.webp",
            ContentFile(variant.data),
        )
        stored.append([variant.width, variant.height, path])
    image.variants = stored
    image.save()
    return image


def _audit(
    obj: PublicSite | ClinicianPage | Article,
    *,
    created: bool,
    label: str,
    by: User | None,
    via: Via,
    changed_fields: Sequence[str] = (),
) -> None:
    record(
        obj,
        by=by,
        via=via,
        action=AuditAction.CREATE if created else AuditAction.UPDATE,
        object_type=WEBSITE,
        label=label,
        changed_fields=changed_fields,
    )


def save_site_draft(
    site: PublicSite,
    values: dict[str, Any],
    *,
    logo_upload: UploadedFile[bytes] | None = None,
    domain: str | None = None,
    by: User | None,
    via: Via,
) -> PublicSite:
    """Change the draft of the site's pages and theme. `values` holds tagline,
    description, home_md, about_md, doctors_md, secure_messaging, brand_colour,
    accent_colour, services ({niche code: markdown}); Markdown is sanitised here."""
    draft = dict(site.draft)
    for key in ("tagline", "description", "secure_messaging"):
        if key in values:
            draft[key] = values[key].strip()
    for key in MARKDOWN_FIELDS:
        if f"{key}_md" in values:
            draft[f"{key}_md"] = values[f"{key}_md"]
            draft[f"{key}_html"] = markup.markdown_to_html(values[f"{key}_md"])
    for key in ("brand_colour", "accent_colour"):
        if values.get(key):
            draft[key] = theme.check_brand_colour(values[key])
    if "services" in values:
        draft["services"] = {
            code: {"md": text, "html": markup.markdown_to_html(text)}
            for code, text in values["services"].items()
            if text.strip()
        }
    with transaction.atomic():
        if logo_upload is not None:
            draft["logo"] = str(store_image(site.practice, logo_upload).uuid)
        changed = sorted(k for k in draft if draft.get(k) != site.draft.get(k))
        site.draft = draft
        if domain is not None:
            if (site.domain or "") != domain:
                changed.append("domain")
            site.domain = domain or None
        site.save()
        _audit(
            site,
            created=False,
            label="website pages (draft)",
            by=by,
            via=via,
            changed_fields=changed,
        )
    return site


def _unique_slug(model: type[ClinicianPage | Article], practice: Practice, wanted: str) -> str:
    base = slugify(wanted)[:70] or "page"
    slug, n = base, 2
    taken = model.objects.for_practice(practice)
    while taken.filter(slug=slug).exists():
        slug, n = f"{base}-{n}", n + 1
    return slug


def page_of(user: User) -> ClinicianPage:
    """The clinician's public page, made (as an unpublished draft) if they have none."""
    practice = user.practice
    assert practice is not None, "only a practice's members have a public page"
    page = ClinicianPage.objects.for_practice(practice).filter(user=user).first()
    if page is None:
        page = ClinicianPage(
            practice=practice,
            user=user,
            slug=_unique_slug(ClinicianPage, practice, user.full_name),
            draft={
                "bio_md": "",
                "bio_html": "",
                "languages": ["English"],
                "photo": "",
                "public": False,
            },
        )
        page.save()
    return page


def save_clinician_draft(
    page: ClinicianPage,
    values: dict[str, Any],
    *,
    photo_upload: UploadedFile[bytes] | None = None,
    remove_photo: bool = False,
    by: User | None,
    via: Via,
) -> ClinicianPage:
    draft = dict(page.draft)
    draft["bio_md"] = values.get("bio_md", draft.get("bio_md", ""))
    draft["bio_html"] = markup.markdown_to_html(draft["bio_md"])
    draft["languages"] = [x.strip() for x in values.get("languages", []) if x.strip()]
    draft["public"] = bool(values.get("public"))
    with transaction.atomic():
        if photo_upload is not None:
            draft["photo"] = str(store_image(page.practice, photo_upload).uuid)
        elif remove_photo:
            draft["photo"] = ""
        changed = sorted(k for k in draft if draft.get(k) != page.draft.get(k))
        page.draft = draft
        page.save()
        _audit(page, created=False, label=f"{page} (draft)", by=by, via=via, changed_fields=changed)
    return page


def save_article_draft(
    article: Article | None,
    values: dict[str, Any],
    *,
    practice: Practice,
    by: User | None,
    via: Via,
) -> Article:
    created = article is None
    if article is None:
        article = Article(practice=practice, slug=_unique_slug(Article, practice, values["title"]))
    draft = dict(article.draft)
    draft["title"] = values["title"].strip()
    draft["summary"] = values.get("summary", "").strip() or markup.plain_summary(values["body_md"])
    draft["body_md"] = values["body_md"]
    draft["body_html"] = markup.markdown_to_html(values["body_md"])
    changed = sorted(k for k in draft if draft.get(k) != article.draft.get(k))
    with transaction.atomic():
        article.draft = draft
        article.save()
        _audit(
            article,
            created=created,
            label=f"article “{draft['title']}” (draft)",
            by=by,
            via=via,
            changed_fields=() if created else changed,
        )
    return article


def _show_at_once(practice: Practice) -> None:
    """Published changes show at once: the cached pages are dropped now and again when
    this commits, so a page cached from the old rows in between does not linger."""
    invalidate_public_site(practice)
    transaction.on_commit(lambda: invalidate_public_site(practice), robust=True)


def publish(obj: PublicSite | ClinicianPage | Article, *, by: User, via: Via) -> None:
    """Copy the draft to what the public reads, at once. Owners only."""
    if not may_publish_website(by):
        raise PermissionDenied("Only the practice owner can publish the website.")
    with transaction.atomic():
        obj.published = dict(obj.draft)
        obj.published_at = timezone.now()
        if isinstance(obj, Article) and obj.first_published_on is None:
            obj.first_published_on = obj.practice.today()
        obj.save()
        site_of(obj.practice)  # make sure there is a site to count the revision on
        PublicSite.objects.for_practice(obj.practice_id).update(revision=F("revision") + 1)
        _show_at_once(obj.practice)
        _audit(
            obj,
            created=False,
            label=f"{obj}: published",
            by=by,
            via=via,
            changed_fields=["published"],
        )


def unpublish(obj: ClinicianPage | Article, *, by: User, via: Via) -> None:
    """Take a profile or an article off the public site (its draft stays)."""
    if not may_publish_website(by):
        raise PermissionDenied("Only the practice owner can publish the website.")
    with transaction.atomic():
        obj.published = None
        obj.published_at = None
        obj.save()
        PublicSite.objects.for_practice(obj.practice_id).update(revision=F("revision") + 1)
        _show_at_once(obj.practice)
        _audit(
            obj,
            created=False,
            label=f"{obj}: taken off the website",
            by=by,
            via=via,
            changed_fields=["published"],
        )


def publish_everything(practice: Practice, *, by: User, via: Via) -> int:
    """Publish every draft that differs from its published version; return how many."""
    if not may_publish_website(by):
        raise PermissionDenied("Only the practice owner can publish the website.")
    site_of(practice)  # a practice that never edited its pages publishes the starting text
    count = 0
    for model in (PublicSite, ClinicianPage, Article):
        for obj in model.objects.for_practice(practice):
            if obj.has_unpublished_changes:
                publish(obj, by=by, via=via)
                count += 1
    return count
