"""Staying top of mind: which relationship needs a touch, and by when (no ORM here).

The practice's rules (OutreachSettings), with the defaults of the routine:

- a referring doctor hears from us at least every 90 days (sooner if they asked for
  updates more often);
- a new referrer is thanked within 2 business days of their first referral;
- a lapsed referrer gets a phone call (once per lapse);
- a doctor introduced but not yet referring gets one follow-up 30 days after the
  first contact.

A task is raised once it falls due within the coming week (DUE_AHEAD_DAYS), so the
week's list is known on Monday. Do-not-contact doctors never get one.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from .models import ActivityKind, Stage, TaskSource
from .stages import Contacts, Verdict

DUE_AHEAD_DAYS = 7
# A first referral older than this is no longer "new": keeping in touch takes over.
NEW_REFERRER_DAYS = 30
# Contacts that count as a call to a lapsed referrer: a call or a visit in person.
CALL_KINDS = (ActivityKind.PHONE_CALL, ActivityKind.VISIT)


@dataclass(frozen=True)
class Rules:
    referrer_contact_every_days: int = 90
    thank_you_within_business_days: int = 2
    introduced_follow_up_after_days: int = 30
    call_lapsed_referrers: bool = True


@dataclass(frozen=True)
class Due:
    source: TaskSource
    due_on: date
    why: str


def _dated(day: date) -> str:
    return f"{day:%d/%m/%Y}"


def due_for(
    rules: Rules,
    *,
    today: date,
    verdict: Verdict,
    referral_dates: Sequence[date],
    contacts: Contacts,
    update_every_days: int | None,
    add_business_days: Callable[[date, int], date],
) -> list[Due]:
    """The cadence tasks one doctor needs now (at most one per rule)."""
    stage = verdict.stage
    if stage in (Stage.DO_NOT_CONTACT, Stage.NOT_CONTACTED):
        return []
    horizon = today + timedelta(days=DUE_AHEAD_DAYS)
    found: list[Due] = []
    last_contact = contacts.last[0] if contacts.last else None
    if referral_dates:
        first_referral = min(referral_dates)
        if (today - first_referral).days <= NEW_REFERRER_DAYS and not contacts.since(
            first_referral
        ):
            found.append(
                Due(
                    TaskSource.CADENCE_THANK_YOU,
                    add_business_days(first_referral, rules.thank_you_within_business_days),
                    f"First referral on {_dated(first_referral)}: say thank you.",
                )
            )
    if stage == Stage.REFERRING and not found:
        every = rules.referrer_contact_every_days
        if update_every_days:
            every = min(every, update_every_days)
        since = last_contact or min(referral_dates)
        due_on = since + timedelta(days=every)
        if due_on <= horizon:
            heard = (
                f"last contact on {_dated(last_contact)}"
                if last_contact
                else "no contact on record since their first referral"
            )
            found.append(
                Due(
                    TaskSource.CADENCE_KEEP_IN_TOUCH,
                    due_on,
                    f"A referrer hears from us at least every {every} days; {heard}.",
                )
            )
    if stage == Stage.LAPSED and rules.call_lapsed_referrers:
        lapsed_since = verdict.lapsed_since or today
        last_call = contacts.last_of(CALL_KINDS)
        if last_call is None or last_call < lapsed_since:
            found.append(
                Due(
                    TaskSource.CADENCE_CALL_LAPSED,
                    max(lapsed_since, today),
                    f"Lapsed: {verdict.reason}. Call to ask how we can help.",
                )
            )
    if stage == Stage.INTRODUCED and contacts.first is not None:
        first_day = contacts.first[0]
        if last_contact == first_day or len(contacts.dates_and_kinds) == 1:
            due_on = first_day + timedelta(days=rules.introduced_follow_up_after_days)
            if due_on <= horizon:
                found.append(
                    Due(
                        TaskSource.CADENCE_FOLLOW_UP,
                        due_on,
                        f"Introduced on {_dated(first_day)} and no referral yet: follow up.",
                    )
                )
    return found
