"""What the enquiries app does when something happens in a lower app. Every
subscription of this app is listed in `connect()`."""

from careloop import events
from careloop.clients.events import ClientsMerged

from .models import Enquiry


def move_merged_client_enquiries(event: ClientsMerged) -> None:
    Enquiry.objects.filter(practice_id=event.practice_id, client_id=event.duplicate_id).update(
        client_id=event.kept_id
    )


def connect() -> None:
    events.subscribe(ClientsMerged, move_merged_client_enquiries)
