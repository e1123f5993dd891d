from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone

from careloop.audit.actions import Via, record_change

from .models import Consent

if TYPE_CHECKING:
    from careloop.clients.models import Client
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
