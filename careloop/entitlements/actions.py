"""Writes of the entitlements app: services a client had with other providers."""

from django.db import transaction

from careloop.audit.actions import record_change

from .models import ElsewhereClaims


def save_elsewhere_claims(client, data: dict, *, by, via) -> ElsewhereClaims:
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
