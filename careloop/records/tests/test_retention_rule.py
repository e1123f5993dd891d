from datetime import date

import pytest

from careloop.records.retention import RetentionRule, add_years, retention_ends, seen_as_minor


@pytest.mark.parametrize(
    ("born", "first", "last", "rule", "ends"),
    [
        # Seen as a minor (born 2010, seen 2020): kept until they turn 25.
        (date(2010, 5, 1), date(2020, 3, 1), date(2020, 9, 1), RetentionRule(), date(2035, 5, 1)),
        # An adult: 7 years after the last contact.
        (date(1980, 5, 1), date(2015, 3, 1), date(2018, 9, 1), RetentionRule(), date(2025, 9, 1)),
        # A minor seen until late: 7 years after the last contact is later than 25.
        (date(2003, 1, 1), date(2019, 1, 1), date(2024, 6, 30), RetentionRule(), date(2031, 6, 30)),
        # First seen at 17, last seen at 30: age at first contact decides "seen as a minor".
        (date(1990, 6, 1), date(2007, 5, 1), date(2020, 1, 1), RetentionRule(), date(2027, 1, 1)),
        # A state with no rule for minors.
        (
            date(2010, 5, 1),
            date(2020, 3, 1),
            date(2020, 9, 1),
            RetentionRule(adult_years=7, minor_until_age=None),
            date(2027, 9, 1),
        ),
        # Another period chosen by the owner.
        (
            date(1980, 5, 1),
            date(2015, 3, 1),
            date(2018, 9, 1),
            RetentionRule(adult_years=10),
            date(2028, 9, 1),
        ),
    ],
)
def test_it_computes_the_end_of_retention(born, first, last, rule, ends):
    assert (
        retention_ends(last_contact=last, first_contact=first, date_of_birth=born, rule=rule)
        == ends
    )


def test_a_client_turning_18_on_the_day_of_first_contact_is_an_adult():
    assert not seen_as_minor(date(2000, 3, 1), date(2018, 3, 1))
    assert seen_as_minor(date(2000, 3, 1), date(2018, 2, 28))


def test_29_february_keeps_the_record_to_28_february():
    assert add_years(date(2024, 2, 29), 7) == date(2031, 2, 28)
