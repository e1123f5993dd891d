"""What the outreach app does when something happens in a lower app. Every
subscription of this app is listed in `connect()`."""

from careloop import events
from careloop.referrals.events import ReferralReceived
from careloop.referrals.models import Referral

from . import actions


def log_referral(event: ReferralReceived) -> None:
    referral = Referral.objects.select_related("client").filter(pk=event.referral_id).first()
    if referral is not None:
        actions.log_referral_received(referral)


def connect() -> None:
    events.subscribe(ReferralReceived, log_referral)
