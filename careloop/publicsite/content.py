"""What the public pages show: the published content (or, in the staff preview, the
drafts), gathered in a few queries per page."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING

from django.http import Http404

from careloop.practices.models import ClinicianProfile, Niche, Profession

from . import theme
from .models import Article, ClinicianPage, PublicSite, SiteImage

if TYPE_CHECKING:
    from careloop.practices.models import Practice


@dataclass(frozen=True)
class Picture:
    uuid: str
    width: int
    height: int
    widths: tuple[int, ...]

    @property
    def largest(self) -> int:
        return self.widths[-1]

    @property
    def smallest(self) -> int:
        return self.widths[0]

    def variant(self, width: int) -> str:
        """The name of a variant in the image's address."""
        return f"{self.uuid}-{width}"

    @property
    def largest_variant(self) -> str:
        return self.variant(self.largest)


@dataclass
class Clinician:
    name: str
    slug: str
    profession: str
    niches: list[Niche]
    languages: list[str]
    accepting: bool
    bio_html: str
    photo: Picture | None
    wait_days: int | None
    urgent_slots: int
    medicare: bool

    @property
    def initials(self) -> str:
        return "".join(part[0] for part in self.name.split()[:2]).upper()


@dataclass
class Post:
    title: str
    slug: str
    summary: str
    body_html: str
    published_on: object
    updated_at: object


@dataclass
class SiteView:
    """One practice's site as one visitor (or a previewing member) sees it."""

    practice: Practice
    preview: bool = False
    _images: dict[str, Picture] = field(default_factory=dict)

    @cached_property
    def record(self) -> PublicSite | None:
        return PublicSite.objects.for_practice(self.practice).first()

    @cached_property
    def texts(self) -> dict:
        from .actions import default_site_draft

        stored = self.record.content(preview=self.preview) if self.record else None
        return stored or default_site_draft(self.practice)

    @property
    def brand_colour(self) -> str:
        return self.texts.get("brand_colour") or theme.DEFAULT_BRAND

    @property
    def accent_colour(self) -> str:
        return self.texts.get("accent_colour") or theme.DEFAULT_ACCENT

    @property
    def revision(self) -> int:
        return self.record.revision if self.record else 0

    @cached_property
    def niches(self) -> list[Niche]:
        return list(self.practice.niches.all())

    @cached_property
    def service_codes(self) -> set[str]:
        """The niches with a page of their own: the practice's, not every clinician's."""
        return {niche.code for niche in self.niches}

    def niche(self, code: str) -> Niche:
        for niche in self.niches:
            if niche.code == code:
                return niche
        raise Http404

    def service_html(self, code: str) -> str:
        return (self.texts.get("services") or {}).get(code, {}).get("html", "")

    def _pictures(self, uuids: set[str]) -> dict[str, Picture]:
        wanted = {u for u in uuids if u and u not in self._images}
        if wanted:
            for image in SiteImage.objects.for_practice(self.practice).filter(uuid__in=wanted):
                self._images[str(image.uuid)] = Picture(
                    str(image.uuid),
                    image.width,
                    image.height,
                    tuple(v[0] for v in image.variants),
                )
        return {u: self._images[u] for u in uuids if u in self._images}

    @cached_property
    def logo(self) -> Picture | None:
        uuid = self.texts.get("logo") or ""
        return self._pictures({uuid}).get(uuid) if uuid else None

    @cached_property
    def clinicians(self) -> list[Clinician]:
        """Public profiles, by name. Wait times are live: they come from the openings
        the clinicians keep up to date, not from the published page."""
        pages = list(
            ClinicianPage.objects.for_practice(self.practice)
            .filter(user__is_active=True)
            .select_related("user__clinician_profile")
            .prefetch_related("user__clinician_profile__niches")
            .order_by("user__full_name")
        )
        shown = []
        for page in pages:
            data = page.content(preview=self.preview)
            profile: ClinicianProfile | None = getattr(page.user, "clinician_profile", None)
            if not data or not data.get("public") or profile is None:
                continue
            shown.append((page, data, profile))
        pictures = self._pictures({data.get("photo", "") for _, data, _ in shown})
        return [
            Clinician(
                name=page.user.full_name,
                slug=page.slug,
                profession=profile.get_profession_display(),
                niches=list(profile.niches.all()),
                languages=data.get("languages") or [],
                accepting=profile.accepting_referrals,
                bio_html=data.get("bio_html", ""),
                photo=pictures.get(data.get("photo", "")),
                wait_days=profile.current_wait_days,
                urgent_slots=profile.urgent_slots_this_week,
                medicare=profile.profession != Profession.COUNSELLOR,
            )
            for page, data, profile in shown
        ]

    def clinician(self, slug: str) -> Clinician:
        for clinician in self.clinicians:
            if clinician.slug == slug:
                return clinician
        raise Http404

    def clinicians_for(self, niche: Niche) -> list[Clinician]:
        return [c for c in self.clinicians if niche in c.niches]

    @property
    def shortest_wait(self) -> int | None:
        waits = [c.wait_days for c in self.clinicians if c.accepting and c.wait_days is not None]
        return min(waits) if waits else None

    @property
    def urgent_slots(self) -> int:
        return sum(c.urgent_slots for c in self.clinicians if c.accepting)

    @cached_property
    def articles(self) -> list[Post]:
        posts = []
        for article in Article.objects.for_practice(self.practice):
            data = article.content(preview=self.preview)
            if not data:
                continue
            posts.append(
                Post(
                    title=data.get("title", ""),
                    slug=article.slug,
                    summary=data.get("summary", ""),
                    body_html=data.get("body_html", ""),
                    published_on=article.first_published_on or self.practice.today(),
                    updated_at=article.published_at or article.updated_at,
                )
            )
        return posts

    def article(self, slug: str) -> Post:
        for post in self.articles:
            if post.slug == slug:
                return post
        raise Http404
