"""What the entitlements app does when something happens elsewhere. Every subscription
of this app is listed in `connect()`."""

from careloop import events
from careloop.clients.events import ClientsMerged

from .models import ElsewhereClaims


def move_merged_client_claims(event: ClientsMerged) -> None:
    """Services claimed elsewhere move to the kept record. Where both records have a
    year, the larger count of each kind is kept: the same person's services entered
    twice must not count twice against the caps, and the notes of both are kept."""
    kept = {
        claims.year: claims
        for claims in ElsewhereClaims.objects.filter(
            practice_id=event.practice_id, client_id=event.kept_id
        )
    }
    for claims in ElsewhereClaims.objects.filter(
        practice_id=event.practice_id, client_id=event.duplicate_id
    ):
        into = kept.get(claims.year)
        if into is None:
            claims.client_id = event.kept_id
            claims.save(update_fields=["client"])
            continue
        for kind in ("individual", "group", "family_carer"):
            setattr(into, kind, max(getattr(into, kind), getattr(claims, kind)))
        into.note = " ".join(filter(None, [into.note, claims.note]))[:200]
        into.save()
        claims.delete()


def connect() -> None:
    events.subscribe(ClientsMerged, move_merged_client_claims)
