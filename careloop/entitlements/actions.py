"""Writes of the entitlements app: services a client had with other providers."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import transaction

from careloop.audit.actions import Via, record_change

from .models import ElsewhereClaims

if TYPE_CHECKING:
    from careloop.clients.models import Client
    from careloop.practices.models import User


def save_elsewhere_claims(
    client: Client, data: dict[str, Any], *, by: User | None, via: Via
) -> ElsewhereClaims:
    with transaction.atomic():
        claims, created = ElsewhereClaims.objects.update_or_create(
            client=client,
            year=data["year"],
            defaults={
                "practice": client.practice,
                "individual": data["individual"],
                "group": data["group"],
                "family_carer": data["family_carer"],
                "note": data.get("note", ""),
            },
        )
        record_change(
            claims,
            by=by,
            via=via,
            client=client,
            created=created,
            changed_fields=["individual", "group", "family_carer"],
        )
    return claims
