"""A letter names the band set behind each K10 result: "High" on the ABS groupings and
on the CRUfAD/GPcare ones are different statements, and a GP cannot tell them apart
from the word alone."""

from datetime import date, timedelta

from django.utils import timezone

from careloop import testing
from careloop.letters import actions as letter_actions
from careloop.letters.render import render_html
from careloop.measures.actions import record_result

ABS = "ABS levels of psychological distress"
CRUFAD = "CRUfAD/GPcare likelihood of disorder (primary care)"


def letter_with_scores(practice, clinician):
    person = testing.make_client(practice)
    referral = testing.make_referral(
        practice, client=person, referral_date=timezone.localdate() - timedelta(days=60)
    )
    today = timezone.localdate()
    record_result(person, "k10", dict.fromkeys(range(1, 11), 3), on=today - timedelta(days=40))
    practice.k10_band_set = "crufad"
    practice.save()
    record_result(person, "k10", dict.fromkeys(range(1, 11), 2), on=today - timedelta(days=20))
    record_result(person, "gad7", dict.fromkeys(range(1, 8), 2), on=today - timedelta(days=40))
    record_result(person, "gad7", dict.fromkeys(range(1, 8), 1), on=today - timedelta(days=20))
    return letter_actions.draft(
        "end_of_course",
        client=person,
        doctor=referral.referring_doctor,
        referral=referral,
        author=clinician,
    )


def test_the_prefilled_outcomes_name_the_k10_band_set_of_each_result(alice_practice, clinician):
    letter = letter_with_scores(alice_practice, clinician)
    outcomes = letter.sections["outcomes"]
    assert f"total 30 (Very high; bands: {ABS}) on" in outcomes
    assert f"total 20 (Likely to have a mild mental disorder; bands: {CRUFAD}) on" in outcomes
    # A measure with one set of bands needs no name.
    assert "GAD-7: total 14 (Moderate) on" in outcomes
    assert outcomes.count("bands:") == 2


def test_results_on_one_band_set_name_it_once(alice_practice, clinician):
    person = testing.make_client(alice_practice)
    referral = testing.make_referral(alice_practice, client=person)
    first, last = date(2026, 9, 1), date(2026, 11, 1)
    record_result(person, "k10", dict.fromkeys(range(1, 11), 3), on=first)
    record_result(person, "k10", dict.fromkeys(range(1, 11), 1), on=last)
    report, plan = (
        letter_actions.draft(
            kind, client=person, doctor=referral.referring_doctor, referral=referral
        ).sections
        for kind in ("end_of_course", "assessment_plan")
    )
    assert report["outcomes"] == (
        f"K10: total 30 (Very high) on 01/09/2026, total 10 (Low) on 01/11/2026; bands: {ABS}."
    )
    assert plan["assessment"] == f"K10 on 01/09/2026: total 30 (Very high); bands: {ABS}."


def test_the_letters_score_table_names_the_k10_band_set(alice_practice, clinician):
    html = render_html(letter_with_scores(alice_practice, clinician))
    k10 = html.split("<h3>K10</h3>", 1)[1].split("<h3>", 1)[0]
    assert "Bands used" in k10 and ABS in k10 and CRUFAD in k10
    gad7 = html.split("<h3>GAD-7</h3>", 1)[1]
    assert "Bands used" not in gad7.split("</table>", 1)[0]
