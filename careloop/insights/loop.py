"""Whether a referral's loop closed: the promises a practice makes to a referring doctor.

A loop is closed when
1. the acknowledgement went out within the practice's target (business days after the
   referral arrived),
2. the client was seen, or the doctor was told why not (a letter signed after the
   referral ended without a session), and
3. the end-of-course report went out within N business days of the course ending (the
   practice sets N; a referral that ended without a session owes no report).

A loop is broken as soon as one promise is missed, and open while one is still pending.
Self-referrals have no doctor to close a loop with and are left out.
"""

from dataclasses import dataclass, field
from datetime import date

from careloop.lib.business_days import add_business_days, business_days_between

CLOSED, BROKEN, OPEN, NOT_APPLICABLE = "closed", "broken", "open", "n/a"


@dataclass(frozen=True)
class LoopFacts:
    received_on: date
    has_referrer: bool
    acknowledged_on: date | None = None
    first_seen_on: date | None = None
    ended_without_session_on: date | None = None
    told_why_not_on: date | None = None
    course_ended_on: date | None = None
    report_sent_on: date | None = None


@dataclass(frozen=True)
class LoopTargets:
    acknowledge_days: int
    report_days: int
    state: str


@dataclass(frozen=True)
class LoopResult:
    state: str
    reasons: list[str] = field(default_factory=list)
    acknowledged_on_time: bool | None = None


def _late(start: date, done: date, state: str) -> int:
    return business_days_between(start, done, state)


def evaluate(facts: LoopFacts, targets: LoopTargets, *, today: date) -> LoopResult:
    if not facts.has_referrer:
        return LoopResult(NOT_APPLICABLE)
    reasons: list[str] = []
    pending = False
    state = targets.state

    ack_due = add_business_days(facts.received_on, targets.acknowledge_days, state)
    ack_on_time: bool | None = None
    if facts.acknowledged_on is not None:
        ack_on_time = facts.acknowledged_on <= ack_due
        if not ack_on_time:
            days = _late(facts.received_on, facts.acknowledged_on, state)
            reasons.append(
                f"Acknowledged {days} business days after it arrived "
                f"(target {targets.acknowledge_days})"
            )
    elif today > ack_due:
        ack_on_time = False
        reasons.append("Never acknowledged")
    else:
        pending = True

    if facts.first_seen_on is None:
        ended = facts.ended_without_session_on
        if ended is None:
            pending = True
        else:
            told_due = add_business_days(ended, targets.report_days, state)
            if facts.told_why_not_on is not None and facts.told_why_not_on <= told_due:
                pass
            elif facts.told_why_not_on is not None or today > told_due:
                reasons.append("Ended without a session and the doctor was not told why in time")
            else:
                pending = True
    elif facts.course_ended_on is None:
        pending = True
    else:
        report_due = add_business_days(facts.course_ended_on, targets.report_days, state)
        if facts.report_sent_on is not None:
            if facts.report_sent_on > report_due:
                days = _late(facts.course_ended_on, facts.report_sent_on, state)
                reasons.append(
                    f"Report sent {days} business days after the course ended "
                    f"(target {targets.report_days})"
                )
        elif today > report_due:
            reasons.append("End-of-course report not sent")
        else:
            pending = True

    if reasons:
        return LoopResult(BROKEN, reasons, ack_on_time)
    return LoopResult(OPEN if pending else CLOSED, [], ack_on_time)


def closure_rate(states: list[str]) -> tuple[int, int, float | None]:
    """(closed, decided, share): open loops are not counted either way yet."""
    closed = states.count(CLOSED)
    decided = closed + states.count(BROKEN)
    return closed, decided, (closed / decided if decided else None)
