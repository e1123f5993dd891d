from datetime import date, timedelta

import pytest

from careloop.outreach.models import Stage
from careloop.outreach.stages import StageFacts, every_words, rhythm_of, span_words, stage_of

TODAY = date(2026, 11, 30)


def every(days: int, count: int, *, last: date) -> tuple[date, ...]:
    return tuple(last - timedelta(days=days * i) for i in reversed(range(count)))


MONTHLY_STOPPED_4_MONTHS_AGO = every(30, 12, last=TODAY - timedelta(days=122))
TWICE_A_YEAR_LAST_4_MONTHS_AGO = every(182, 5, last=TODAY - timedelta(days=122))


@pytest.mark.parametrize(
    ("facts", "stage", "reason"),
    [
        (
            StageFacts(TODAY, MONTHLY_STOPPED_4_MONTHS_AGO),
            Stage.LAPSED,
            "usually refers every 4 weeks; nothing for 17 weeks",
        ),
        (
            StageFacts(TODAY, TWICE_A_YEAR_LAST_4_MONTHS_AGO),
            Stage.REFERRING,
            "usually refers every 6 months; nothing for 17 weeks",
        ),
        (
            StageFacts(TODAY, every(35, 6, last=TODAY - timedelta(days=133))),
            Stage.LAPSED,
            "usually refers every 5 weeks; nothing for 19 weeks",
        ),
        (
            StageFacts(TODAY, every(35, 6, last=TODAY - timedelta(days=21))),
            Stage.REFERRING,
            "usually refers every 5 weeks; nothing for 3 weeks",
        ),
        # A weekly referrer quiet for a month is on holiday, not lapsed.
        (
            StageFacts(TODAY, every(7, 20, last=TODAY - timedelta(days=30))),
            Stage.REFERRING,
            "usually refers every week; nothing for 4 weeks",
        ),
        (
            StageFacts(TODAY, (TODAY,)),
            Stage.REFERRING,
            "one referral, on 30/11/2026; referred today",
        ),
        (
            StageFacts(TODAY, (TODAY - timedelta(days=400),)),
            Stage.LAPSED,
            "one referral, on 26/10/2025; nothing for 13 months, and too few referrals "
            "to know their usual rhythm",
        ),
        (
            StageFacts(TODAY, first_contact=date(2026, 10, 1), first_contact_kind="Phone call"),
            Stage.INTRODUCED,
            "first contact on 01/10/2026 (phone call); no referral yet",
        ),
        (StageFacts(TODAY), Stage.NOT_CONTACTED, "no contact and no referral on record"),
        (
            StageFacts(
                TODAY,
                MONTHLY_STOPPED_4_MONTHS_AGO,
                do_not_contact=True,
                do_not_contact_reason="Asked us to stop",
                do_not_contact_set_on=date(2026, 9, 1),
                do_not_contact_set_by="Ada Lovelace",
            ),
            Stage.DO_NOT_CONTACT,
            "Ada Lovelace asked that they not be contacted on 01/09/2026: Asked us to stop",
        ),
    ],
)
def test_the_stage_follows_the_facts(facts, stage, reason):
    verdict = stage_of(facts)
    assert verdict.stage == stage
    assert verdict.reason == reason


def test_the_usual_interval_is_the_median_so_one_long_gap_does_not_set_it():
    dates = [date(2026, 1, 1), date(2026, 2, 1), date(2026, 3, 1), date(2026, 9, 1)]
    assert rhythm_of(dates).usual_interval_days == 31


def test_referrals_on_the_same_day_say_nothing_of_the_rhythm():
    dates = [date(2026, 1, 1), date(2026, 1, 1), date(2026, 3, 1)]
    assert rhythm_of(dates).usual_interval_days is None


def test_a_lapse_starts_when_the_silence_passes_three_usual_intervals():
    verdict = stage_of(StageFacts(TODAY, MONTHLY_STOPPED_4_MONTHS_AGO))
    assert verdict.lapsed_since == MONTHLY_STOPPED_4_MONTHS_AGO[-1] + timedelta(days=90)


@pytest.mark.parametrize(
    ("days", "words", "rhythm"),
    [
        (1, "1 day", "every day"),
        (10, "10 days", "every 10 days"),
        (7 * 5, "5 weeks", "every 5 weeks"),
        (182, "6 months", "every 6 months"),
        (365, "12 months", "every 12 months"),
        (800, "2 years", "every 2 years"),
    ],
)
def test_spans_in_words(days, words, rhythm):
    assert span_words(days) == words
    assert every_words(days) == rhythm
