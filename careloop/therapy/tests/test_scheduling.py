"""The diary's rules over plain data: clashes, one-tap changes, the days a page shows."""

from datetime import UTC, date, datetime, timedelta

import pytest

from careloop.therapy import scheduling
from careloop.therapy.scheduling import Slot

NINE = datetime(2026, 5, 12, 9, 0, tzinfo=UTC)


def at(minutes_after_nine: int, minutes: int = 50, key: str = "other") -> Slot[str]:
    return Slot(NINE + timedelta(minutes=minutes_after_nine), minutes, key)


@pytest.mark.parametrize(
    ("other", "clash"),
    [
        (at(0), True),  # the same time
        (at(30), True),  # starts during it
        (at(-30), True),  # ends during it
        (at(10, minutes=10), True),  # inside it
        (at(-60, minutes=180), True),  # around it
        (at(50), False),  # back to back, after
        (at(-50), False),  # back to back, before
        (at(-240, minutes=240), False),  # the longest session, ending as it starts
        (at(120), False),  # later that day
    ],
)
def test_it_finds_a_clash_by_start_and_duration(other, clash):
    assert bool(scheduling.clashes(at(0, key="new"), [other])) is clash


def test_clashes_come_earliest_first():
    found = scheduling.clashes(at(0, minutes=90), [at(60, key="b"), at(-20, key="a"), at(200)])
    assert [slot.key for slot in found] == ["a", "b"]


def test_it_flags_every_session_that_overlaps_another():
    day = [at(0, key="a"), at(30, key="b"), at(50, key="c"), at(200, key="d")]
    assert scheduling.double_booked(day) == {"a", "b", "c"}
    assert scheduling.double_booked([at(0, key="a"), at(50, key="b")]) == set()


@pytest.mark.parametrize(
    ("current", "target", "starts_in", "refused"),
    [
        ("booked", "attended", -10, False),
        ("booked", "no_show", -10, False),
        ("booked", "cancelled", -10, False),
        ("booked", "cancelled", 60 * 24, False),  # cancelling ahead is the usual case
        ("booked", "attended", 60, True),  # not yet
        ("booked", "no_show", 60, True),
        ("attended", "booked", -10, False),  # undo
        ("no_show", "booked", -10, False),
        ("cancelled", "booked", 60, False),
        ("attended", "cancelled", -10, True),  # undo first: one step at a time
        ("cancelled", "attended", -10, True),
        ("attended", "attended", -10, False),  # a second tap: nothing to do
    ],
)
def test_one_tap_changes(current, target, starts_in, refused):
    now = NINE
    starts_at = now + timedelta(minutes=starts_in)
    refusal = scheduling.one_tap_refusal(current, target, starts_at=starts_at, now=now)
    assert bool(refusal) is refused


def test_an_entry_offers_only_what_it_may_become():
    past, future = NINE - timedelta(hours=1), NINE + timedelta(hours=1)
    assert scheduling.one_tap_choices("booked", starts_at=past, now=NINE) == [
        "attended",
        "no_show",
        "cancelled",
    ]
    assert scheduling.one_tap_choices("booked", starts_at=future, now=NINE) == ["cancelled"]
    assert scheduling.one_tap_choices("cancelled", starts_at=future, now=NINE) == ["booked"]


def test_a_week_runs_monday_to_sunday():
    sunday = date(2026, 5, 17)
    days = scheduling.view_days(sunday, "week")
    assert days[0] == date(2026, 5, 11) and days[-1] == sunday and len(days) == 7
    assert scheduling.view_days(sunday, "day") == [sunday]
    assert scheduling.step(sunday, "week", -1) == date(2026, 5, 10)
    assert scheduling.step(sunday, "day", +1) == date(2026, 5, 18)
