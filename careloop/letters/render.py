"""One template for the letter on screen and in its PDF (WeasyPrint)."""

from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.text import slugify

from careloop.measures.summary import client_measures_context
from careloop.therapy.entitlements import evaluate_client

from .feedback import token_for


def letter_context(letter, *, feedback_url: str = "") -> dict:
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


def feedback_url(letter) -> str:

    return settings.SITE_URL + reverse("letters:feedback", args=[token_for(letter)])


def render_html(letter) -> str:
    return render_to_string(
        "letters/letter_document.html", letter_context(letter, feedback_url=feedback_url(letter))
    )


def generate_pdf(letter) -> tuple[str, str, bytes]:
    """(filename, mimetype, bytes): the renderer interface every channel uses."""
    import weasyprint

    html = render_html(letter)
    pdf = weasyprint.HTML(string=html, base_url=str(settings.PACKAGE_DIR)).write_pdf()
    # The file name goes into e-mail and HTTP headers: built from a cleaned name, so a
    # stored line break or quote cannot break (or be injected into) them.
    family = slugify(letter.client.family_name) or "client"
    name = f"{letter.kind}-{family}-{letter.uuid.hex[:8]}.pdf"
    return name, "application/pdf", pdf
