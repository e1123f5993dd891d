"""The pure rules of insights, table-driven where it reads better."""

from datetime import date

import pytest
from scipy.stats import beta

from careloop.insights import attribution, funnel, loop, outcomes, periods
from careloop.lib.business_days import add_business_days

TARGETS = loop.LoopTargets(acknowledge_days=1, report_days=10, state="NSW")
# Monday 2 March 2026; no NSW public holiday in the weeks that follow until Good Friday.
MONDAY = date(2026, 3, 2)


def evaluate(**facts):
    facts.setdefault("received_on", MONDAY)
    facts.setdefault("has_referrer", True)
    return loop.evaluate(loop.LoopFacts(**facts), TARGETS, today=date(2026, 6, 1))


def test_it_closes_a_loop_whose_promises_were_all_kept():
    result = evaluate(
        acknowledged_on=date(2026, 3, 3),
        first_seen_on=date(2026, 3, 10),
        course_ended_on=date(2026, 4, 1),
        report_sent_on=add_business_days(date(2026, 4, 1), 10, "NSW"),
    )
    assert result.state == loop.CLOSED
    assert result.acknowledged_on_time is True


def test_it_breaks_the_loop_of_a_referral_acknowledged_late():
    result = evaluate(
        acknowledged_on=date(2026, 3, 5),  # Thursday: 3 business days after Monday
        first_seen_on=date(2026, 3, 10),
        course_ended_on=date(2026, 4, 1),
        report_sent_on=date(2026, 4, 2),
    )
    assert result.state == loop.BROKEN
    assert result.acknowledged_on_time is False
    assert result.reasons == ["Acknowledged 3 business days after it arrived (target 1)"]


def test_it_breaks_the_loop_of_a_report_sent_12_business_days_after_the_course():
    ended = date(2026, 3, 16)
    sent = add_business_days(ended, 12, "NSW")
    result = evaluate(
        acknowledged_on=MONDAY,
        first_seen_on=date(2026, 3, 9),
        course_ended_on=ended,
        report_sent_on=sent,
    )
    assert result.state == loop.BROKEN
    assert result.reasons == ["Report sent 12 business days after the course ended (target 10)"]


@pytest.mark.parametrize(
    ("facts", "state"),
    [
        ({"has_referrer": False}, loop.NOT_APPLICABLE),
        # Not yet acknowledged, not yet due.
        ({"received_on": date(2026, 5, 29)}, loop.OPEN),
        ({}, loop.BROKEN),  # never acknowledged, long past due
        # Seen, course still running.
        ({"acknowledged_on": MONDAY, "first_seen_on": date(2026, 3, 9)}, loop.OPEN),
        # Ended without a session, doctor told in time.
        (
            {
                "acknowledged_on": MONDAY,
                "ended_without_session_on": date(2026, 3, 20),
                "told_why_not_on": date(2026, 3, 23),
            },
            loop.CLOSED,
        ),
        # Ended without a session, doctor never told.
        (
            {"acknowledged_on": MONDAY, "ended_without_session_on": date(2026, 3, 20)},
            loop.BROKEN,
        ),
    ],
)
def test_it_decides_each_kind_of_loop(facts, state):
    assert evaluate(**facts).state == state


def test_the_closure_rate_leaves_open_loops_out():
    assert loop.closure_rate([loop.CLOSED, loop.CLOSED, loop.BROKEN, loop.OPEN]) == (2, 3, 2 / 3)
    assert loop.closure_rate([loop.OPEN]) == (0, 0, None)


def test_the_rate_ratio_of_a_doctor_who_went_from_2_to_5_a_month():
    # 2 a month for the 6 months (180 days) before the visit, 5 a month for the 3 after.
    result = attribution.rate_ratio(15, 90, 12, 180)
    assert result.enough
    assert result.ratio == pytest.approx(2.5)
    assert result.gained == pytest.approx(9)
    # Clopper-Pearson for p = 15/27 straight from the beta distribution, turned into
    # the rate ratio: the library's exact interval must agree to 3 decimals.
    p_low = beta.ppf(0.025, 15, 27 - 15 + 1)
    p_high = beta.ppf(0.975, 15 + 1, 27 - 15)
    expected_low = p_low / (1 - p_low) * 180 / 90
    expected_high = p_high / (1 - p_high) * 180 / 90
    assert round(result.low, 3) == round(expected_low, 3)
    assert round(result.high, 3) == round(expected_high, 3)
    assert round(result.low, 3) == 1.092
    assert round(result.high, 3) == 5.849


def test_it_claims_nothing_from_too_few_events():
    result = attribution.rate_ratio(4, 90, 3, 180)
    assert not result.enough
    assert result.low is None and result.high is None


def test_it_claims_nothing_too_soon_after_the_activity():
    assert not attribution.rate_ratio(20, 10, 30, 180).enough


def test_an_activity_logged_today_has_no_rate_yet():
    result = attribution.rate_ratio(0, 0, 12, 180)
    assert (result.enough, result.ratio) == (False, None)


def test_it_ranks_kinds_by_referrals_gained_per_hour():
    big = attribution.rate_ratio(15, 90, 12, 180)  # gained 9
    none = attribution.rate_ratio(6, 90, 12, 180)  # gained 0
    ranks = attribution.rank_kinds(
        [("visit", 60, big), ("training", 180, big), ("email", 10, none), ("talk", None, big)]
    )
    assert [(r.kind, r.per_hour) for r in ranks] == [
        ("visit", 9.0),
        ("training", 3.0),
        ("email", 0.0),
    ]


def test_top_movers_compare_the_last_three_months_with_the_three_before():
    rows = {"up": [1, 1, 1, 3, 3, 3], "down": [4, 4, 4, 0, 1, 0], "flat": [2] * 6}
    ups, downs = periods.top_movers(rows)
    assert [(m.key, m.before, m.after) for m in ups] == [("up", 3, 9)]
    assert [(m.key, m.change) for m in downs] == [("down", -11)]


def test_months_roll_up_into_quarters():
    months = periods.last_months(date(2026, 5, 17), 5)
    assert months[0] == date(2026, 1, 1) and months[-1] == date(2026, 5, 1)
    assert periods.quarters(months) == ["Q1 2026", "Q2 2026"]
    assert periods.by_quarter([1, 2, 3, 4, 5], months) == [6, 9]


def test_a_cell_of_four_clients_is_suppressed_and_one_of_five_is_not():
    changes = [outcomes.ClientChange(i, "Small", 30, 20) for i in range(4)] + [
        outcomes.ClientChange(10 + i, "Big", 30, 30 - i) for i in range(5)
    ]
    big, small = outcomes.cells(changes)
    assert small.suppressed and small.clients is None and small.mean_change is None
    assert (big.clients, big.mean_change, big.share_improved) == (5, -2.0, 0.8)


def test_the_funnel_counts_later_steps_as_reaching_earlier_ones():
    from datetime import datetime, timedelta

    t = datetime(2026, 3, 2, 9)
    rows = [
        {
            "received_at": t,
            "contacted_at": t + timedelta(days=1),
            "offered_at": t + timedelta(days=3),
        },
        {"received_at": t, "contacted_at": t + timedelta(days=2)},
        {"received_at": t, "first_seen_at": t + timedelta(days=7)},  # booked straight away
    ]
    steps = funnel.funnel(rows)
    assert [s.reached for s in steps] == [3, 3, 2, 1, 0, 0]
    assert steps[1].median_days == 1.5
    assert steps[2].conversion == pytest.approx(2 / 3)
