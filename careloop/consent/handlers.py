"""What the consent app does when something happens elsewhere. Every subscription of
this app is listed in `connect()`."""

from careloop import events
from careloop.clients.events import ClientsMerged

from .models import Consent, ConsentRequest, Disclosure


def move_merged_client_rows(event: ClientsMerged) -> None:
    Consent.objects.filter(practice_id=event.practice_id, client_id=event.duplicate_id).update(
        client_id=event.kept_id
    )
    Disclosure.objects.filter(practice_id=event.practice_id, client_id=event.duplicate_id).update(
        client_id=event.kept_id
    )
    ConsentRequest.objects.filter(
        practice_id=event.practice_id, client_id=event.duplicate_id
    ).update(client_id=event.kept_id)


def connect() -> None:
    events.subscribe(ClientsMerged, move_merged_client_rows)
