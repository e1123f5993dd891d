"""The practice's public website: pages read from the published content (content.py).

Served under /p/<slug>/, at the root of the practice's own domain (hosts.py), and in
the staff preview with the drafts instead (staff_views.preview). No page here sets a
cookie: only the forms (the referral form, the contact form) carry a CSRF token.
"""

import functools
import json
import uuid
from datetime import date

from django.contrib.auth.decorators import login_not_required
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import NoReverseMatch
from django.utils.cache import patch_cache_control
from django.views.decorators.http import require_safe

from careloop.practices.models import Practice
from careloop.practices.scoping import in_scope_of
from careloop.referrals.validity import ReferralFacts, missing_items
from careloop.web.public_cache import public_page

from .content import SiteView
from .links import site_reverse
from .models import SiteImage


def _practice_of_slug(request, slug, **kwargs):
    return Practice.objects.filter(slug=slug).values_list("pk", flat=True).first()


def site_page(view=None, *, forms: bool = False):
    """A page of the practice's website: no account, the practice's scope, and a
    SiteView of the published content (or of the drafts in the staff preview). Only GET
    and HEAD, served from the page cache (careloop.web.public_cache.public_page), unless
    the page carries a form (`forms=True`)."""

    def decorate(view):
        @functools.wraps(view)
        def wrapper(request, slug, **kwargs):
            practice = get_object_or_404(Practice, slug=slug)
            site = SiteView(practice, preview=getattr(request, "site_preview", False))
            return view(request, site, **kwargs)

        wrapped = in_scope_of(_practice_of_slug)(wrapper)
        if not forms:
            # Served from the page cache: what is published changes only on publish,
            # which invalidates it (actions.publish).
            wrapped = require_safe(public_page()(wrapped))
        return login_not_required(wrapped)

    return decorate(view) if view is not None else decorate


def _absolute(request, site, name, *args) -> str:
    return request.build_absolute_uri(site_reverse(request, site.practice.slug, name, *args))


def _page(request, site, template, *, title, description, canonical, ld=None, **context):
    ld_items = [_practice_ld(request, site)] + ([ld] if ld else [])
    return render(
        request,
        template,
        {
            "practice": site.practice,
            "site": site,
            "page_title": title,
            "page_description": description,
            "canonical": canonical,
            "json_ld": json.dumps(
                {"@context": "https://schema.org", "@graph": ld_items}, default=str
            ),
            **context,
        },
    )


def render_site_page(
    request, practice, template, *, title, description, page_name, status=200, **context
):
    """A page of the practice's website rendered by another app (the contact form of
    careloop.enquiries): the site's title, description, canonical address, Open Graph
    and schema.org data, around that app's template."""
    site = SiteView(practice, preview=False)
    response = _page(
        request,
        site,
        template,
        title=title,
        description=description,
        canonical=_absolute(request, site, page_name),
        **context,
    )
    response.status_code = status
    return response


def _practice_ld(request, site) -> dict:
    practice = site.practice
    data = {
        "@type": "Psychologist",
        "@id": _absolute(request, site, "home") + "#practice",
        "name": practice.name,
        "url": _absolute(request, site, "home"),
        "description": site.texts.get("description", ""),
        "medicalSpecialty": "Psychiatric",
    }
    if practice.phone:
        data["telephone"] = practice.phone
    if practice.email:
        data["email"] = practice.email
    if practice.street:
        data["address"] = {
            "@type": "PostalAddress",
            "streetAddress": practice.street,
            "addressLocality": practice.suburb,
            "addressRegion": practice.state,
            "postalCode": practice.postcode,
            "addressCountry": "AU",
        }
    if practice.latitude is not None and practice.longitude is not None:
        data["geo"] = {
            "@type": "GeoCoordinates",
            "latitude": float(practice.latitude),
            "longitude": float(practice.longitude),
        }
    return data


def _person_ld(request, site, clinician) -> dict:
    data = {
        "@type": "Person",
        "name": clinician.name,
        "jobTitle": clinician.profession,
        "url": _absolute(request, site, "clinician", clinician.slug),
        "worksFor": {"@id": _absolute(request, site, "home") + "#practice"},
        "knowsLanguage": clinician.languages,
        "knowsAbout": [n.name for n in clinician.niches],
    }
    if clinician.photo:
        data["image"] = _absolute(request, site, "image", clinician.photo.largest_variant)
    return data


@site_page
def home(request, site):
    return _page(
        request,
        site,
        "publicsite/home.html",
        title=f"{site.practice.name}: {site.texts.get('tagline', '')}".rstrip(": "),
        description=site.texts.get("description", ""),
        canonical=_absolute(request, site, "home"),
    )


@site_page
def service(request, site, code):
    niche = site.niche(code)
    return _page(
        request,
        site,
        "publicsite/service.html",
        title=f"{niche.name} · {site.practice.name}",
        description=f"Help with {niche.name.lower()} at {site.practice.name}: who we see, "
        "how it works and how to start.",
        canonical=_absolute(request, site, "service", niche.code),
        niche=niche,
        service_html=site.service_html(niche.code),
        clinicians=site.clinicians_for(niche),
        ld={
            "@type": "MedicalTherapy",
            "name": niche.name,
            "url": _absolute(request, site, "service", niche.code),
            "provider": {"@id": _absolute(request, site, "home") + "#practice"},
        },
    )


@site_page
def clinicians(request, site):
    return _page(
        request,
        site,
        "publicsite/clinicians.html",
        title=f"Our clinicians · {site.practice.name}",
        description=f"Meet the psychologists and therapists of {site.practice.name}: "
        "what they help with, the languages they speak and who is taking new clients.",
        canonical=_absolute(request, site, "clinicians"),
    )


@site_page
def clinician(request, site, clinician):
    person = site.clinician(clinician)
    helps = ", ".join(n.name.lower() for n in person.niches[:4])
    return _page(
        request,
        site,
        "publicsite/clinician.html",
        title=f"{person.name}, {person.profession} · {site.practice.name}",
        description=f"{person.name} is a {person.profession.lower()} at "
        f"{site.practice.name}" + (f" who helps with {helps}." if helps else "."),
        canonical=_absolute(request, site, "clinician", person.slug),
        person=person,
        ld=_person_ld(request, site, person),
    )


def _leave_behind_url(request, site) -> str | None:
    try:
        return site_reverse(request, site.practice.slug, "leave_behind")
    except NoReverseMatch:
        return None


# Every item a Better Access referral needs, in the words the referral checks use
# with doctors (referrals/validity.py): an empty referral lacks all of them.
def referral_needs() -> list[str]:
    empty = ReferralFacts(
        client_name="",
        date_of_birth=None,
        client_address="",
        reason="",
        basis="",
        medications="",
        sessions_referred=None,
        signed=False,
        referral_date=None,
        referrer_name="",
        referrer_provider_number="",
    )
    return [item.label for item in missing_items(empty)]


@site_page
def for_doctors(request, site):
    return _page(
        request,
        site,
        "publicsite/for_doctors.html",
        title=f"For doctors: refer a patient · {site.practice.name}",
        description=f"Refer a patient to {site.practice.name}: online form, secure "
        "messaging, what a Better Access referral needs and current wait times.",
        canonical=_absolute(request, site, "for_doctors"),
        needs=referral_needs(),
        leave_behind_url=_leave_behind_url(request, site),
        accepting=[c for c in site.clinicians if c.accepting],
    )


@site_page(forms=True)
def contact(request, site):
    # The enquiry form goes in the template's "enquiry_form" block.
    return _page(
        request,
        site,
        "publicsite/contact.html",
        title=f"Contact us · {site.practice.name}",
        description=f"Contact {site.practice.name}: phone, e-mail, address and how to "
        "make a first appointment.",
        canonical=_absolute(request, site, "contact"),
    )


@site_page
def articles(request, site):
    return _page(
        request,
        site,
        "publicsite/articles.html",
        title=f"Articles · {site.practice.name}",
        description=f"Articles by the clinicians of {site.practice.name}.",
        canonical=_absolute(request, site, "articles"),
    )


@site_page
def article(request, site, article):
    post = site.article(article)
    url = _absolute(request, site, "article", post.slug)
    return _page(
        request,
        site,
        "publicsite/article.html",
        title=f"{post.title} · {site.practice.name}",
        description=post.summary,
        canonical=url,
        post=post,
        og_type="article",
        ld={
            "@type": "BlogPosting",
            "headline": post.title,
            "description": post.summary,
            "url": url,
            "datePublished": post.published_on,
            "dateModified": post.updated_at,
            "author": {"@id": _absolute(request, site, "home") + "#practice"},
            "publisher": {"@id": _absolute(request, site, "home") + "#practice"},
        },
    )


@site_page
def privacy(request, site):
    return _page(
        request,
        site,
        "publicsite/privacy.html",
        title=f"Privacy policy · {site.practice.name}",
        description=f"How {site.practice.name} collects, uses, protects and discloses "
        "personal information, under the Australian Privacy Principles.",
        canonical=_absolute(request, site, "privacy"),
        updated=(
            site.record.published_at.date()
            if site.record and site.record.published_at
            else date.today()
        ),
    )


@site_page
def sitemap(request, site):
    pages = [
        ("home", ()),
        ("clinicians", ()),
        ("for_doctors", ()),
        ("contact", ()),
        ("articles", ()),
        ("privacy", ()),
    ]
    pages += [("service", (n.code,)) for n in site.niches]
    pages += [("clinician", (c.slug,)) for c in site.clinicians]
    pages += [("article", (p.slug,)) for p in site.articles]
    urls = [_absolute(request, site, name, *args) for name, args in pages]
    return render(request, "publicsite/sitemap.xml", {"urls": urls}, content_type="application/xml")


@site_page
def robots_txt(request, site):
    body = f"User-agent: *\nAllow: /\n\nSitemap: {_absolute(request, site, 'sitemap')}\n"
    return HttpResponse(body, content_type="text/plain")


@site_page
def theme_css(request, site):
    """The practice's colours, as CSS variables the site's stylesheet uses (an inline
    style would break the Content Security Policy)."""
    body = f":root{{--brand:{site.brand_colour};--accent:{site.accent_colour}}}\n"
    response = HttpResponse(body, content_type="text/css")
    # The address carries the site's revision, so a publish gives a new address.
    if request.GET.get("v") and not site.preview:
        patch_cache_control(response, public=True, max_age=31536000, immutable=True)
    else:
        patch_cache_control(response, public=True, max_age=300)
    return response


@login_not_required
@require_safe
@in_scope_of(_practice_of_slug)
def image(request, slug, variant):
    image, _, size = variant.rpartition("-")
    try:
        width = int(size)
        found = (
            SiteImage.objects.for_practice(get_object_or_404(Practice, slug=slug))
            .filter(uuid=uuid.UUID(image))
            .first()
        )
    except ValueError as error:
        raise Http404 from error
    if found is None:
        raise Http404
    path = next((v[2] for v in found.variants if v[0] == width), None)
    if path is None or not default_storage.exists(path):
        raise Http404
    response = FileResponse(default_storage.open(path, "rb"), content_type="image/webp")
    # Each upload has its own id, so its address never shows another picture.
    patch_cache_control(response, public=True, max_age=31536000, immutable=True)
    return response
