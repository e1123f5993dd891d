from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from careloop.lib.business_days import (
    add_business_days,
    business_days_between,
    deadline,
    is_business_day,
)

SYDNEY = ZoneInfo("Australia/Sydney")


@pytest.mark.parametrize(
    ("day", "state", "expected"),
    [
        (date(2026, 11, 27), "NSW", True),  # a Friday
        (date(2026, 11, 28), "NSW", False),  # Saturday
        (date(2026, 1, 26), "VIC", False),  # Australia Day, everywhere
        (date(2026, 10, 5), "NSW", False),  # Labour Day in NSW...
        (date(2026, 10, 5), "VIC", True),  # ...but an ordinary Monday in Victoria
        (date(2026, 5, 4), "QLD", False),  # Labour Day in Queensland
        (date(2026, 5, 4), "NSW", True),
        (date(2026, 12, 28), "NSW", False),  # Boxing Day observed
    ],
)
def test_public_holidays_depend_on_the_state(day, state, expected):
    assert is_business_day(day, state) is expected


def test_adding_business_days_skips_weekends_and_holidays():
    assert add_business_days(date(2026, 11, 27), 1, "NSW") == date(2026, 11, 30)  # Fri → Mon
    assert add_business_days(date(2026, 11, 28), 1, "NSW") == date(2026, 11, 30)  # Sat → Mon
    # Thu 24 Dec: Fri 25 and Mon 28 (Boxing Day observed) are holidays.
    assert add_business_days(date(2026, 12, 24), 2, "NSW") == date(2026, 12, 30)
    # Fri 2 Oct 2026: Monday 5 October is Labour Day in NSW, not in Victoria.
    assert add_business_days(date(2026, 10, 2), 1, "NSW") == date(2026, 10, 6)
    assert add_business_days(date(2026, 10, 2), 1, "VIC") == date(2026, 10, 5)


def test_counting_business_days_between_two_dates():
    assert business_days_between(date(2026, 11, 27), date(2026, 11, 30), "NSW") == 1
    assert business_days_between(date(2026, 11, 30), date(2026, 11, 30), "NSW") == 0
    assert business_days_between(date(2026, 12, 24), date(2026, 12, 31), "NSW") == 3


def test_a_deadline_is_the_end_of_the_last_business_day_in_the_practices_zone():
    friday_evening = datetime(2026, 11, 27, 17, 30, tzinfo=SYDNEY)
    assert deadline(friday_evening, 1, "NSW", SYDNEY) == datetime(2026, 12, 1, 0, 0, tzinfo=SYDNEY)
    # Received 23:30 UTC Sunday is 10:30 Monday in Sydney: that Monday's clock.
    from datetime import UTC

    monday_sydney = datetime(2026, 11, 29, 23, 30, tzinfo=UTC)
    assert deadline(monday_sydney, 2, "NSW", SYDNEY) == datetime(2026, 12, 3, tzinfo=SYDNEY)
