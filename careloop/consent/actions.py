from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from careloop.audit.actions import Via, record_change
from careloop.lib import tokens
from careloop.web.pdf import render_pdf

from . import tasks
from .models import Consent, ConsentRequest, Method, Scope

if TYPE_CHECKING:
    from careloop.clients.models import Client
    from careloop.directory.models import Doctor
    from careloop.practices.models import User


def record_consent(client: Client, data: dict[str, Any], *, by: User, via: Via) -> Consent:
    with transaction.atomic():
        consent = Consent.objects.create(
            practice=client.practice,
            client=client,
            doctor=data.get("doctor"),
            referral=data.get("referral"),
            scopes=list(data["scopes"]),
            method=data["method"],
            obtained_on=data["obtained_on"],
            expires_on=data.get("expires_on"),
            notes=data.get("notes", ""),
            recorded_by=by,
        )
        record_change(
            consent,
            by=by,
            via=via,
            client=client,
            created=True,
            changed_fields=list(data["scopes"]),
        )
    return consent


def withdraw_consent(consent: Consent, reason: str, *, by: User | None, via: Via) -> Consent:
    """Withdrawal takes effect at once: anything checked after this is refused."""
    if consent.withdrawn_at is not None:
        return consent
    with transaction.atomic():
        consent.withdrawn_at = timezone.now()
        consent.withdrawn_by = by
        consent.withdrawal_reason = reason
        consent.save(
            update_fields=["withdrawn_at", "withdrawn_by", "withdrawal_reason", "updated_at"]
        )
        record_change(
            consent,
            by=by,
            via=via,
            client=consent.client,
            created=False,
            changed_fields=["withdrawn"],
        )
    return consent


LINK_DAYS = 7
_SALT = "careloop.consent-form"


def create_request(
    client: Client,
    data: dict[str, Any],
    *,
    by: User,
    via: Via,
    email_client: bool = False,
    site: str = "",
) -> tuple[ConsentRequest, str]:
    """A consent form waiting for the client's signature, and its link's token; the link
    is e-mailed to the client (after commit, by a job) when asked."""
    with transaction.atomic():
        request = ConsentRequest.objects.create(
            practice=client.practice,
            client=client,
            doctor=data.get("doctor"),
            referral=data.get("referral"),
            scopes=list(data["scopes"]),
            created_by=by,
            expires_at=timezone.now() + timedelta(days=LINK_DAYS),
        )
        record_change(
            request,
            by=by,
            via=via,
            client=client,
            created=True,
            changed_fields=list(request.scopes),
        )
        if email_client:
            transaction.on_commit(
                lambda: tasks.email_consent_request(request.pk, site or settings.SITE_URL),
                robust=True,
            )
    return request, link_token(request)


def link_token(request: ConsentRequest) -> str:
    return tokens.make(str(request.uuid), salt=_SALT)


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


def recipient_of(request: ConsentRequest) -> Doctor | None:
    if request.doctor is not None:
        return request.doctor
    assert request.referral is not None, "a consent request names a doctor or a referral"
    return request.referral.referring_doctor


def form_context(
    request: ConsentRequest, signed_name: str = "", signed_at: datetime | None = None
) -> dict[str, Any]:
    return {
        "request": request,
        "client": request.client,
        "practice": request.client.practice,
        "doctor": recipient_of(request),
        "scopes": [Scope(s).label for s in request.scopes],
        "signed_name": signed_name,
        "signed_at": signed_at,
    }


def sign_request(request: ConsentRequest, signed_name: str, *, via: Via) -> Consent:
    """The client signed the form (on the tablet or at their link): record the consent
    and keep the signed form as a PDF. Once per request."""
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
        pdf = render_pdf("consent/consent_document.html", form_context(request, signed_name, now))
        consent.signed_copy.save(f"consent-{consent.uuid}.pdf", ContentFile(pdf), save=True)
        locked.consent = consent
        locked.save(update_fields=["consent", "updated_at"])
        record_change(
            consent,
            by=None,
            via=via,
            client=request.client,
            created=True,
            changed_fields=[f"signed by the client as {signed_name}"],
        )
    return consent
