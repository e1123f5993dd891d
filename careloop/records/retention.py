"""How long a practice must keep a client's health record: a rule over plain dates.

The default is the rule of the two states with a health records statute that fixes it:

- NSW, Health Records and Information Privacy Act 2002, s 25 and HPP 5: a private
  health service provider keeps health information about an adult for 7 years from the
  last occasion a health service was provided, and information collected while the
  person was under 18 until they turn 25.
- Victoria, Health Records Act 2001, Schedule 1, HPP 4.2: the same 7 years, and for
  information collected while the person was a child, until they turn 25.

Other states and territories differ or rely on professional codes (for example the
Psychology Board's guidance, or a longer period an insurer asks for). The owner chooses
the practice's rule; Careloop never disposes of anything by itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

ADULT_AGE = 18


@dataclass(frozen=True)
class RetentionRule:
    adult_years: int = 7
    # None: the practice's state has no separate rule for people first seen as minors.
    minor_until_age: int | None = 25


DEFAULT_RULE = RetentionRule()


def add_years(day: date, years: int) -> date:
    """`years` after `day`; 29 February becomes 28 February in a common year (a record
    is never kept a day less than the law says: the 28th is before the 1st)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def age_on(date_of_birth: date, day: date) -> int:
    years = day.year - date_of_birth.year
    if (day.month, day.day) < (date_of_birth.month, date_of_birth.day):
        years -= 1
    return years


def seen_as_minor(date_of_birth: date, first_contact: date) -> bool:
    return age_on(date_of_birth, first_contact) < ADULT_AGE


def retention_ends(
    *,
    last_contact: date,
    first_contact: date,
    date_of_birth: date,
    rule: RetentionRule = DEFAULT_RULE,
) -> date:
    """The first day on which the record may be disposed of.

    For a client first seen as a minor, the later of the adult period and the day they
    turn `minor_until_age`: both statutes set a minimum, and keeping to the later date
    satisfies each reading of them."""
    ends = add_years(last_contact, rule.adult_years)
    if rule.minor_until_age is not None and seen_as_minor(date_of_birth, first_contact):
        ends = max(ends, add_years(date_of_birth, rule.minor_until_age))
    return ends


def is_past_retention(ends: date, today: date) -> bool:
    return today >= ends
