from datetime import date, timedelta

import pytest

from careloop.lib.business_days import add_business_days
from careloop.outreach.cadence import Rules, due_for
from careloop.outreach.models import TaskSource
from careloop.outreach.stages import Contacts, StageFacts, stage_of

TODAY = date(2026, 11, 30)  # a Monday
DEFAULT_RULES = Rules()


def days(n: int) -> date:
    return TODAY - timedelta(days=n)


def contacts(*rows: tuple[int, str]) -> Contacts:
    found = Contacts()
    for ago, kind in rows:
        found.add(days(ago), kind, None)
    return found


def run(referrals=(), contact_rows=(), rules=DEFAULT_RULES, update_every=None, dnc=False):
    got = contacts(*contact_rows)
    first = got.first
    verdict = stage_of(
        StageFacts(
            TODAY,
            tuple(sorted(days(d) for d in referrals)),
            first_contact=first[0] if first else None,
            do_not_contact=dnc,
        )
    )
    return [
        (d.source, d.due_on)
        for d in due_for(
            rules,
            today=TODAY,
            verdict=verdict,
            referral_dates=[days(d) for d in referrals],
            contacts=got,
            update_every_days=update_every,
            add_business_days=lambda day, n: add_business_days(day, n, "NSW"),
        )
    ]


MONTHLY_LAPSED = [130 + 30 * i for i in range(8)]
STEADY = [5 + 20 * i for i in range(8)]


@pytest.mark.parametrize(
    ("case", "expected"),
    [
        # A first referral last Friday: thank them within 2 business days.
        ({"referrals": [3]}, [(TaskSource.CADENCE_THANK_YOU, date(2026, 12, 1))]),
        # Already thanked (a call since the referral): nothing.
        ({"referrals": [3], "contact_rows": [(1, "phone_call")]}, []),
        # A steady referrer last heard from 100 days ago: overdue keep-in-touch.
        (
            {"referrals": STEADY, "contact_rows": [(100, "email")]},
            [(TaskSource.CADENCE_KEEP_IN_TOUCH, days(10))],
        ),
        # Heard from 30 days ago: not due within the week.
        ({"referrals": STEADY, "contact_rows": [(30, "email")]}, []),
        # ...unless they asked to hear every 30 days.
        (
            {"referrals": STEADY, "contact_rows": [(30, "email")], "update_every": 30},
            [(TaskSource.CADENCE_KEEP_IN_TOUCH, TODAY)],
        ),
        # Lapsed and not called since: a call, due now.
        ({"referrals": MONTHLY_LAPSED}, [(TaskSource.CADENCE_CALL_LAPSED, TODAY)]),
        # Lapsed, called after the lapse began: nothing more.
        ({"referrals": MONTHLY_LAPSED, "contact_rows": [(10, "phone_call")]}, []),
        # The practice does not call lapsed referrers.
        ({"referrals": MONTHLY_LAPSED, "rules": Rules(call_lapsed_referrers=False)}, []),
        # Introduced 31 days ago, nothing since: follow up (due yesterday).
        ({"contact_rows": [(31, "visit")]}, [(TaskSource.CADENCE_FOLLOW_UP, days(1))]),
        # Introduced 10 days ago: not yet.
        ({"contact_rows": [(10, "visit")]}, []),
        # Followed up already: one follow-up only.
        ({"contact_rows": [(60, "visit"), (25, "phone_call")]}, []),
        # Never contacted, never referred: the ranking's business, not the routine's.
        ({}, []),
        # Do not contact: never a task.
        ({"referrals": MONTHLY_LAPSED, "dnc": True}, []),
    ],
)
def test_the_routine(case, expected):
    assert run(**case) == expected
