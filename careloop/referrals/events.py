"""What happens to a referral that higher apps (letters, outreach) react to."""

from dataclasses import dataclass

from careloop.events import Event


@dataclass(frozen=True)
class ReferralReceived(Event):
    """A referral came in, by whatever channel (see `intake.take_in`): the outreach
    app logs it on the referring doctor's relationship."""

    referral_id: int


@dataclass(frozen=True)
class ReferralBooked(Event):
    """The referral's first session was booked: the referrer is owed an acknowledgement.
    Handled inside the booking's transaction, so that the person booking is told at once
    what was drafted (and a failed booking drafts nothing)."""

    in_transaction = True

    referral_id: int
    by_id: int | None


@dataclass(frozen=True)
class ReferralDischarged(Event):
    """The client was discharged: the referrer is owed a discharge summary."""

    referral_id: int
    reason: str
    by_id: int | None


@dataclass(frozen=True)
class ReferralAccepted(Event):
    """The practice took the referral on without a booking yet (an appointment was
    offered). A first booking publishes ReferralBooked instead."""

    referral_id: int


@dataclass(frozen=True)
class ReferralDeclined(Event):
    """The practice will not take the referral on: declined, or the client could not be
    contacted."""

    referral_id: int
    status: str


@dataclass(frozen=True)
class ReferralAcknowledged(Event):
    """The referrer has been told the referral arrived (a letter, a call, a fax)."""

    referral_id: int
    method: str
