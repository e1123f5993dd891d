"""The referral's triage status as a state machine, and its response clock.

    new ──► contacting ──► offered ──► booked ──► active (seen)
     │  └────────┴──────────┴─► booked    │
     └───────┴──────────┴─────────┴──► declined | unable_to_contact ──► contacting (reopened)

Every allowed move is listed here and nowhere else; actions refuse the rest.
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from careloop.lib.business_days import deadline

from .models import TriageStatus as S

TRANSITIONS: dict[str, frozenset[str]] = {
    S.NEW: frozenset(
        {S.CONTACTING, S.OFFERED, S.BOOKED, S.ACTIVE, S.DECLINED, S.UNABLE_TO_CONTACT}
    ),
    # A session can be attended before anyone updated the referral: "seen" is
    # reachable from every open state.
    S.CONTACTING: frozenset({S.OFFERED, S.BOOKED, S.ACTIVE, S.DECLINED, S.UNABLE_TO_CONTACT}),
    S.OFFERED: frozenset({S.CONTACTING, S.BOOKED, S.ACTIVE, S.DECLINED, S.UNABLE_TO_CONTACT}),
    S.BOOKED: frozenset({S.ACTIVE, S.OFFERED, S.DECLINED, S.UNABLE_TO_CONTACT}),
    S.ACTIVE: frozenset({S.DISCHARGED}),
    S.DISCHARGED: frozenset({S.ACTIVE}),
    S.DECLINED: frozenset({S.CONTACTING}),
    S.UNABLE_TO_CONTACT: frozenset({S.CONTACTING}),
}
NEEDS_REASON = frozenset({S.DECLINED, S.UNABLE_TO_CONTACT, S.DISCHARGED})


class InvalidTransition(ValueError):
    pass


def check_transition(
    current: str,
    target: str,
    reason: str = "",
    *,
    has_booked_session: bool = False,
    has_attended_session: bool = False,
) -> None:
    """Refuse a move the table does not allow, or whose facts are missing: "booked"
    needs a booked session and "seen" an attended one (a status is a fact about the
    sessions, not a label anyone may set)."""
    if target not in TRANSITIONS[current]:
        raise InvalidTransition(
            f"A referral that is “{S(current).label}” cannot become “{S(target).label}”."
        )
    if target in NEEDS_REASON and not reason.strip():
        raise InvalidTransition(f"Say why the referral is “{S(target).label.lower()}”.")
    if target == S.BOOKED and not has_booked_session:
        raise InvalidTransition(
            "Book the first session: the referral becomes “First session booked” when a "
            "session is booked under it."
        )
    if target == S.ACTIVE and not has_attended_session:
        raise InvalidTransition(
            "Record an attended session: the referral becomes “Seen” when one is recorded."
        )


@dataclass(frozen=True)
class ClockFacts:
    status: str
    received_at: datetime
    acknowledged_at: datetime | None
    first_contacted_at: datetime | None
    offered_at: datetime | None
    first_session_at: datetime | None
    has_referrer: bool
    # Whether a current consent lets us write to the referrer; None when the caller did
    # not look (the stored clock), so no step is suggested either way.
    consent_recorded: bool | None = None


@dataclass(frozen=True)
class Targets:
    acknowledge_days: int
    contact_days: int
    state: str
    zone: ZoneInfo


@dataclass(frozen=True)
class NextStep:
    label: str
    due_at: datetime | None
    is_deadline: bool = True  # a target's end of day, not an appointment time

    @property
    def due_day(self) -> date | None:
        """The last day to do it: a deadline is midnight at the end of that day."""
        if self.due_at is None:
            return None
        return (
            (self.due_at - timedelta(microseconds=1)).date()
            if self.is_deadline
            else self.due_at.date()
        )


def deadlines(facts: ClockFacts, targets: Targets) -> dict[str, datetime]:
    return {
        "acknowledge": deadline(
            facts.received_at, targets.acknowledge_days, targets.state, targets.zone
        ),
        "contact": deadline(facts.received_at, targets.contact_days, targets.state, targets.zone),
    }


def untyped_letter_step(arrived_at: datetime, targets: Targets) -> NextStep:
    """A letter waiting to be typed is a referral whose acknowledgement clock already
    runs: typing it is due by the same deadline."""
    return NextStep(
        "Type the referral",
        deadline(arrived_at, targets.acknowledge_days, targets.state, targets.zone),
    )


def next_steps(facts: ClockFacts, targets: Targets) -> list[NextStep]:
    """What the practice still owes, soonest deadline first."""
    if facts.status not in (S.NEW, S.CONTACTING, S.OFFERED, S.BOOKED):
        return []
    due = deadlines(facts, targets)
    steps = []
    if facts.has_referrer and facts.acknowledged_at is None:
        steps.append(NextStep("Acknowledge the referral to the doctor", due["acknowledge"]))
    if facts.has_referrer and facts.consent_recorded is False:
        # Without it no letter can go to the doctor, the acknowledgement included.
        steps.append(NextStep("Record the client's consent to write to the doctor", None))
    if facts.first_contacted_at is None and facts.status in (S.NEW, S.CONTACTING):
        steps.append(NextStep("Contact the client", due["contact"]))
    elif facts.status in (S.NEW, S.CONTACTING):
        steps.append(NextStep("Offer an appointment", None))
    elif facts.status == S.OFFERED:
        steps.append(NextStep("Book the first session", None))
    elif facts.status == S.BOOKED and facts.first_session_at:
        steps.append(NextStep("First session", facts.first_session_at, is_deadline=False))
    elif facts.status == S.BOOKED:
        steps.append(NextStep("The booked session has passed: record it, or book again", None))

    return sorted(steps, key=lambda s: (s.due_at is None, s.due_at or facts.received_at))


def next_due_at(facts: ClockFacts, targets: Targets) -> datetime | None:
    """The earliest unmet target: what the inbox sorts by."""
    timed = [
        s.due_at
        for s in next_steps(facts, targets)
        if s.due_at is not None and s.label != "First session"
    ]
    return min(timed) if timed else None
