"""Keep the insight rows current as referrals move: each event refreshes its referral's
row after the commit; the hourly job catches everything else (a referral typed in, a
letter signed, a day passing a deadline)."""

from django.db import transaction

from careloop import events
from careloop.clients.events import ClientsMerged
from careloop.measures.events import ScoresRecorded
from careloop.referrals.events import (
    ReferralAccepted,
    ReferralAcknowledged,
    ReferralBooked,
    ReferralDeclined,
    ReferralDischarged,
)
from careloop.therapy.events import SessionAttended

from . import tasks
from .models import ReferralFact, ScoreChange


def refresh_referral(event) -> None:
    referral_id = event.referral_id
    transaction.on_commit(lambda: tasks.refresh_referral(referral_id), robust=True)


def refresh_client(event: SessionAttended) -> None:
    client_id = event.client_id
    transaction.on_commit(lambda: tasks.refresh_client(client_id), robust=True)


def refresh_scores(event: ScoresRecorded) -> None:
    client_id = event.client_id
    transaction.on_commit(lambda: tasks.refresh_scores(client_id), robust=True)


def move_merged_client_rows(event: ClientsMerged) -> None:
    """Inside the merge: the duplicate's summary rows become the kept client's (deleting
    the duplicate would otherwise take its referrals' rows with it), and after it the
    kept client's scores are counted again as one history."""
    ReferralFact.objects.filter(practice_id=event.practice_id, client_id=event.duplicate_id).update(
        client_id=event.kept_id
    )
    ScoreChange.objects.filter(practice_id=event.practice_id, client_id=event.duplicate_id).delete()
    kept_id = event.kept_id
    transaction.on_commit(lambda: tasks.refresh_client(kept_id), robust=True)


def connect() -> None:
    for event_type in (
        ReferralAccepted,
        ReferralAcknowledged,
        ReferralDeclined,
        ReferralDischarged,
    ):
        events.subscribe(event_type, refresh_referral)
    # Booked is delivered inside the booking's transaction; the job is enqueued on commit.
    events.subscribe(ReferralBooked, refresh_referral)
    events.subscribe(SessionAttended, refresh_client)
    events.subscribe(ScoresRecorded, refresh_scores)
    events.subscribe(ClientsMerged, move_merged_client_rows)
