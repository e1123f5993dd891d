"""Business days for response targets: weekdays that are not public holidays in the
practice's state (holidays from the maintained `holidays` package)."""

from datetime import date, datetime, time, timedelta
from functools import cache
from zoneinfo import ZoneInfo

import holidays


@cache
def _holidays(state: str, year: int) -> frozenset[date]:
    return frozenset(holidays.country_holidays("AU", subdiv=state, years=year))


def is_business_day(day: date, state: str) -> bool:
    return day.weekday() < 5 and day not in _holidays(state, day.year)


def add_business_days(start: date, days: int, state: str) -> date:
    """The `days`-th business day after `start` (start itself never counts)."""
    day = start
    counted = 0
    while counted < days:
        day += timedelta(days=1)
        if is_business_day(day, state):
            counted += 1
    return day


def business_days_between(start: date, end: date, state: str) -> int:
    """Business days after `start` up to and including `end` (0 if end <= start)."""
    count, day = 0, start
    while day < end:
        day += timedelta(days=1)
        if is_business_day(day, state):
            count += 1
    return count


def deadline(received: datetime, days: int, state: str, zone: ZoneInfo) -> datetime:
    """The end of the `days`-th business day after the day something arrived, in the
    practice's zone: "within 1 business day" of a Friday referral means by Monday night."""
    local_day = received.astimezone(zone).date()
    last_day = add_business_days(local_day, days, state)
    return datetime.combine(last_day + timedelta(days=1), time.min, tzinfo=zone)
