"""The summary rows the insight pages read: kept current one referral at a time, they
must say exactly what a rebuild from scratch says, and the pages must read the same
figures from them as from the referrals one by one."""

from datetime import timedelta

import pytest
import time_machine

from careloop import testing
from careloop.insights import facts, funnel, queries, summaries, yearly
from careloop.insights.models import (
    DoctorYear,
    ReferralFact,
    ReferralMonth,
    ScoreChange,
    SourceTotal,
    StepDuration,
)
from careloop.measures.models import MeasureResult
from careloop.referrals.models import ReferralSource

from . import history

pytestmark = pytest.mark.django_db


@pytest.fixture
def known(alice_practice, owner):
    with time_machine.travel(history.NOW, tick=False):
        made = history.build(alice_practice, owner)
        facts.refresh(alice_practice)
        yield made


def _state(practice):
    """Every summary row, as comparable values."""

    def rows(model, *fields):
        return sorted(model.objects.filter(practice=practice).values_list(*fields))

    return {
        "months": rows(
            ReferralMonth,
            "month",
            "dimension",
            "key",
            "referrals",
            "from_doctors",
            "acknowledged_on_time",
            "loops_closed",
            "loops_broken",
            "reached_first_seen",
            "declined_unseen",
        ),
        "steps": rows(StepDuration, "month", "channel", "step", "tenths", "referrals"),
        "sources": rows(
            SourceTotal, "through", "months", "dimension", "key", "referrals", "before", "after"
        ),
        "scores": rows(ScoreChange, "client_id", "measure", "first_score", "last_score"),
        "doctor_years": rows(DoctorYear, "doctor_id", "since", "patients", "sessions"),
    }


def test_referrals_refreshed_one_at_a_time_leave_what_a_rebuild_leaves(
    known, alice_practice, owner
):
    newcomer = testing.make_doctor(alice_practice, given_name="Nora", family_name="New")
    added = history.referral(
        alice_practice,
        newcomer,
        history.NOW - timedelta(days=3),
        first_seen_at=history.NOW - timedelta(days=1),
    )
    moved = known["late"]
    moved.referring_doctor = newcomer
    moved.source = ReferralSource.HL7
    moved.save(update_fields=["referring_doctor", "source"])
    # What the events' jobs do: refresh the referrals that changed. (A referral deleted
    # takes its row with it; the hourly rebuild recounts its month.)
    facts.refresh(alice_practice, [added.pk, moved.pk])
    one_at_a_time = _state(alice_practice)

    facts.refresh(alice_practice)
    assert one_at_a_time == _state(alice_practice)
    nora = SourceTotal.objects.get(
        practice=alice_practice, months=12, dimension="doctor", key=str(newcomer.pk)
    )
    assert nora.referrals == 2
    steady = SourceTotal.objects.get(
        practice=alice_practice, months=12, dimension="doctor", key=str(known["steady"].pk)
    )
    assert (steady.referrals, steady.before, steady.after, steady.change) == (27, 6, 15, 9)


def test_a_month_gone_by_counts_the_sources_again(known, alice_practice):
    with time_machine.travel(history.NOW + timedelta(days=31), tick=False):
        newcomer = testing.make_doctor(alice_practice)
        made = history.referral(alice_practice, newcomer, history.NOW + timedelta(days=30))
        facts.refresh(alice_practice, [made.pk])
        throughs = set(
            SourceTotal.objects.filter(practice=alice_practice).values_list("through", flat=True)
        )
        assert throughs == {history.NOW.date().replace(day=1, month=10)}
        before = _state(alice_practice)
        facts.refresh(alice_practice)
        assert _state(alice_practice) == before


def test_the_sources_page_reads_the_same_from_kept_totals_as_from_the_months(
    known, alice_practice, owner_client
):
    def tables(path):
        response = owner_client.get(path)
        return [(t.slug, t.rows) for t in response.context["tables"]]

    with time_machine.travel(history.NOW, tick=False):
        for period in ("6", "12", "24"):
            kept = tables(f"/insights/sources/?months={period}")
            SourceTotal.objects.filter(practice=alice_practice).delete()
            assert tables(f"/insights/sources/?months={period}") == kept
            summaries.rebuild_source_totals(alice_practice, history.NOW.date().replace(day=1))
        grace = next(
            row
            for slug, rows in tables("/insights/sources/")
            if slug == "doctor"
            for row in rows
            if row[0] == "Dr Grace Visited"
        )
        assert grace[-1] == 27


def test_the_funnel_from_the_summaries_matches_the_referrals_one_by_one(known, alice_practice):
    with time_machine.travel(history.NOW, tick=False):
        doctor = testing.make_doctor(alice_practice)
        at = history.NOW - timedelta(days=40)
        for days, hours in ((1, 0), (2, 6), (4, 0)):
            history.referral(
                alice_practice,
                doctor,
                at,
                first_contacted_at=at + timedelta(days=days),
                offered_at=at + timedelta(days=days, hours=hours + 3),
            )
        facts.refresh(alice_practice)
        months = queries.periods.last_months(alice_practice.today(), 12)
        rows = list(
            queries.facts_for(alice_practice, months).values(*(name for name, _ in funnel.STEPS))
        )
        expected = funnel.funnel(rows)
        table = queries.funnel_page(alice_practice, months)["tables"][0]
    assert [row[1] for row in table.rows] == [step.reached for step in expected]
    medians = [f"{s.median_days:g}" if s.median_days is not None else "—" for s in expected]
    assert [row[3] for row in table.rows] == medians
    assert expected[1].median_days is not None and expected[2].median_days is not None


def test_median_days_of_a_histogram():
    assert funnel.median_days({}) is None
    assert funnel.median_days({10: 1, 30: 1}) == 2.0
    assert funnel.median_days({10: 2, 30: 1}) == 1.0
    assert funnel.median_days({5: 1, 6: 1}) == 0.6  # 0.55 days: a half rounds up
    assert funnel.median_days({10: 1, 11: 1}) == 1.1
    assert funnel.median_days({10: 1, 11: 0, 12: 1}) == 1.1
    assert funnel.median_days({3: 4, 100: 1}) == 0.3


def test_a_score_recorded_updates_the_client_s_change(known, alice_practice):
    client = known["slow"].client
    for on, total in (("2026-07-01", 30), ("2026-08-01", 22)):
        MeasureResult.objects.create(
            practice=alice_practice,
            client=client,
            measure="k10",
            administered_on=on,
            answers={},
            scores=[{"code": "total", "label": "Total", "score": total, "band": ""}],
            band_set="default",
            scoring_version="test",
        )
    facts.refresh_scores(alice_practice, [client.pk])
    change = ScoreChange.objects.get(practice=alice_practice, client=client, measure="k10")
    assert (change.first_score, change.last_score, change.results) == (30, 22, 2)


def test_the_yearly_letters_list_a_page_at_a_time(alice_practice, owner, owner_client, monkeypatch):
    with time_machine.travel(history.NOW, tick=False):
        for _ in range(3):
            clinic = testing.make_medical_practice(alice_practice)
            history.scores(alice_practice, owner, clinic, 5)
        facts.refresh(alice_practice)
        monkeypatch.setattr(yearly, "PAGE_SIZE", 2)
        first = owner_client.get("/insights/doctors/")
        second = owner_client.get("/insights/doctors/?page=2")
    assert len(first.context["summaries"]) == 2 and len(second.context["summaries"]) == 1
    assert first.context["doctors_count"] == 3 and first.context["ready"] == 3
    page = first.content.decode()
    assert "Page 1 of 2" in page and 'href="?page=2"' in page
    shown = {s.doctor.pk for s in first.context["summaries"]} | {
        s.doctor.pk for s in second.context["summaries"]
    }
    assert len(shown) == 3


def test_the_yearly_letters_read_the_same_from_kept_counts_as_live(
    alice_practice, owner, owner_client
):
    with time_machine.travel(history.NOW, tick=False):
        for count in (5, 6, 2):
            history.scores(
                alice_practice, owner, testing.make_medical_practice(alice_practice), count
            )
        facts.refresh(alice_practice)
        assert DoctorYear.objects.filter(practice=alice_practice).count() == 3

        def listed():
            page = yearly.page(alice_practice, alice_practice.today(), page_number=1)
            return (
                [
                    (s.doctor.pk, s.patients_seen, s.mean_sessions, s.blocked)
                    for s in page["summaries"]
                ],
                page["doctors_count"],
                page["ready"],
            )

        kept = listed()
        DoctorYear.objects.filter(practice=alice_practice).delete()
        assert listed() == kept
    assert [row[1] for row in kept[0]] == [6, 5, 2] and kept[1:] == (3, 2)


def test_merging_two_clients_keeps_their_referrals_counted(known, alice_practice, owner):
    from careloop.audit.actions import COMMAND
    from careloop.clients.actions import confirm_same_person

    kept = known["late"].client
    duplicate = testing.make_client(alice_practice)
    duplicate.possible_duplicate_of = kept
    duplicate.save(update_fields=["possible_duplicate_of"])
    theirs = history.referral(
        alice_practice, known["steady"], history.NOW - timedelta(days=2), client=duplicate
    )
    facts.refresh(alice_practice, [theirs.pk])
    counted = _state(alice_practice)
    confirm_same_person(duplicate, by=owner, via=COMMAND)
    row = ReferralFact.objects.get(referral=theirs)
    assert row.client_id == kept.pk
    assert _state(alice_practice)["months"] == counted["months"]
