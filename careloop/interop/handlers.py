"""What the interop app does when something happens in a lower app. Every subscription
of this app is listed in `connect()`."""

from django.db import transaction

from careloop import events
from careloop.referrals.events import ReferralAccepted, ReferralBooked, ReferralDeclined

from .actions import send_application_ack


def acknowledge_booked(event: ReferralBooked) -> None:
    # ReferralBooked is handled inside the booking's transaction: the file is written
    # only once the booking is committed, and a failure to write it never undoes it.
    transaction.on_commit(
        lambda: send_application_ack(event.referral_id, accepted=True), robust=True
    )


def acknowledge_accepted(event: ReferralAccepted) -> None:
    send_application_ack(event.referral_id, accepted=True)


def acknowledge_declined(event: ReferralDeclined) -> None:
    send_application_ack(event.referral_id, accepted=False)


def connect() -> None:
    events.subscribe(ReferralBooked, acknowledge_booked)
    events.subscribe(ReferralAccepted, acknowledge_accepted)
    events.subscribe(ReferralDeclined, acknowledge_declined)
