"""What the referrals app does when something happens elsewhere. Every subscription of
this app is listed in `connect()`."""

from careloop import events
from careloop.clients.events import ClientsMerged

from .models import Referral


def move_merged_client_rows(event: ClientsMerged) -> None:
    Referral.objects.filter(practice_id=event.practice_id, client_id=event.duplicate_id).update(
        client_id=event.kept_id
    )


def connect() -> None:
    events.subscribe(ClientsMerged, move_merged_client_rows)
