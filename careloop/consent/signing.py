"""Consent forms signed by the client on a tablet or at a link, kept as a PDF."""

from datetime import timedelta

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from careloop.lib import tokens

from .models import Consent, ConsentRequest, Method, Scope

LINK_DAYS = 7
_SALT = "careloop.consent-form"


def create_request(client, data: dict, *, by) -> tuple[ConsentRequest, str]:
    request = ConsentRequest.objects.create(
        practice=client.practice,
        client=client,
        doctor=data.get("doctor"),
        referral=data.get("referral"),
        scopes=list(data["scopes"]),
        created_by=by,
        expires_at=timezone.now() + timedelta(days=LINK_DAYS),
    )
    return request, tokens.make(str(request.uuid), salt=_SALT)


def open_request(token: str) -> ConsentRequest | None:
    public_id = tokens.read(token, salt=_SALT, max_age_days=LINK_DAYS)
    if public_id is None:
        return None
    return (
        ConsentRequest.objects.select_related(
            "client__practice", "doctor", "referral__referring_doctor", "created_by"
        )
        .filter(uuid=public_id, consent__isnull=True, expires_at__gt=timezone.now())
        .first()
    )


def recipient_of(request: ConsentRequest):
    return request.doctor or (request.referral and request.referral.referring_doctor)


def form_context(request: ConsentRequest, signed_name: str = "", signed_at=None) -> dict:
    return {
        "request": request,
        "client": request.client,
        "practice": request.client.practice,
        "doctor": recipient_of(request),
        "scopes": [Scope(s).label for s in request.scopes],
        "signed_name": signed_name,
        "signed_at": signed_at,
    }


def sign(request: ConsentRequest, signed_name: str) -> Consent:
    """Record the consent and keep the signed form as a PDF. Once per request."""
    import weasyprint

    with transaction.atomic():
        locked = ConsentRequest.objects.select_for_update().get(pk=request.pk)
        if locked.consent is not None:
            return locked.consent
        now = timezone.now()
        consent = Consent.objects.create(
            practice=request.practice,
            client=request.client,
            doctor=request.doctor,
            referral=request.referral,
            scopes=request.scopes,
            method=Method.SIGNED_ONLINE,
            obtained_on=timezone.localtime(now, request.practice.zoneinfo).date(),
            recorded_by=request.created_by,
            signed_name=signed_name,
        )
        html = render_to_string(
            "consent/consent_document.html", form_context(request, signed_name, now)
        )
        pdf = weasyprint.HTML(string=html, base_url=str(settings.PACKAGE_DIR)).write_pdf()
        consent.signed_copy.save(f"consent-{consent.uuid}.pdf", ContentFile(pdf), save=True)
        locked.consent = consent
        locked.save(update_fields=["consent", "updated_at"])
    return consent
