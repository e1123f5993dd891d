"""One template for the letter on screen and in its PDF (WeasyPrint)."""

import segno
from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.text import slugify

from careloop.measures.summary import client_measures_context
from careloop.therapy.entitlements import evaluate_client
from careloop.web.pdf import html_to_pdf

from .feedback import format_short_code, short_code_for, token_for


def letter_context(letter, *, feedback_url: str = "", feedback_short: dict | None = None) -> dict:
    client, practice = letter.client, letter.practice
    context = {
        "letter": letter,
        "practice": practice,
        "client": client,
        "doctor": letter.doctor,
        "kind": letter.kind_info,
        # Only the person who signed is named: a letter the practice sent by itself
        # (automatic acknowledgements) must not look signed by the treating clinician.
        "clinician": letter.signed_by,
        "profile": getattr(letter.signed_by, "clinician_profile", None),
        "sections": [
            (section, letter.sections.get(section.code, ""))
            for section in letter.kind_info.sections
        ],
        "feedback_url": feedback_url,
        "feedback_short": feedback_short,
        "doctor_address": _postal_address(letter),
    }
    if letter.kind_info.includes_measures:
        measures = client_measures_context(client)
        context["measure_sections"] = [s for s in measures["measure_sections"] if s["results"]]
    if letter.referral_id:
        entitlement = evaluate_client(client)
        context["course"] = next(
            (r for r in entitlement.referral_rows() if r["referral"].pk == letter.referral_id),
            None,
        )
        context["new_referral_needed"] = any(
            a["code"] == "new_referral_needed" for a in entitlement.result["actions"]
        )
    return context


def _postal_address(letter) -> list[str]:
    """The doctor's postal address block, from their first practice on file. Always
    printed: the same PDF may be posted, faxed or sent, and a window envelope or fax
    cover needs it."""
    doctor = letter.doctor
    practices = list(doctor.medical_practices.all())
    if not practices:
        return []
    return practices[0].postal_lines


def site_url(request=None) -> str:
    """Links in a letter made during a page view point where that page was opened;
    background jobs, with no request, use SITE_URL."""
    if request is not None:
        return request.build_absolute_uri("/").rstrip("/")
    return settings.SITE_URL


def feedback_url(letter, *, request=None) -> str:
    return site_url(request) + reverse("letters:feedback", args=[token_for(letter)])


def _feedback_short(letter, *, request=None) -> dict | None:
    """The feedback link as printed: a short address to type and a QR code to scan.
    Only a signed letter gets one; a draft is not sent, and its preview saves nothing."""
    if not letter.signed_at:
        return None
    code = short_code_for(letter)
    url = site_url(request) + reverse("letters:feedback", args=[format_short_code(code)])
    qr = segno.make(url, error="m")
    return {
        "url": url,
        "display": url.split("://", 1)[-1],
        # Inline SVG: WeasyPrint draws it as vectors, sharp on any printer or fax.
        "qr_svg": mark_safe(qr.svg_inline(scale=2, border=0)),  # noqa: S308 - segno's own SVG, no user text
    }


def render_html(letter, *, request=None) -> str:
    return render_to_string(
        "letters/letter_document.html",
        letter_context(
            letter,
            feedback_url=feedback_url(letter, request=request),
            feedback_short=_feedback_short(letter, request=request),
        ),
    )


def generate_pdf(letter, *, request=None) -> tuple[str, str, bytes]:
    """(filename, mimetype, bytes): the renderer interface every channel uses."""
    pdf = html_to_pdf(render_html(letter, request=request))
    # The file name goes into e-mail and HTTP headers: built from a cleaned name, so a
    # stored line break or quote cannot break (or be injected into) them.
    family = slugify(letter.client.family_name) or "client"
    name = f"{letter.kind}-{family}-{letter.uuid.hex[:8]}.pdf"
    return name, "application/pdf", pdf
