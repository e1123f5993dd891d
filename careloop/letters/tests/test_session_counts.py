"""One count of a referral's sessions everywhere: the entitlement engine's allocation.

The engine draws each attended session from the earliest referral with sessions left,
so a session booked under a later referral can count toward an earlier one's course.
The letter, the referral page, the session page, the client page and the dashboard must
all give the engine's count, and say where a session was drawn from another referral."""

from datetime import date

import pytest
import time_machine
from django.utils import timezone

from careloop import testing
from careloop.entitlements.models import ElsewhereClaims
from careloop.letters import actions as letter_actions
from careloop.letters.render import render_html

TODAY = testing.aware(2026, 6, 30)


@pytest.fixture(autouse=True)
def _frozen():
    # Every session in one calendar year, whatever day the suite runs.
    with time_machine.travel(TODAY, tick=False):
        yield


@pytest.fixture
def two_referrals(alice_practice, clinician):
    """Referral A (6 sessions) has 4 sessions booked under it; the clinician books the
    next 3 under referral B, but the engine draws the first 2 of those from A."""
    doctor = testing.make_doctor(alice_practice, given_name="Robin", family_name="Xu")
    person = testing.make_client(alice_practice, given_name="Mia", family_name="Nguyen")
    first = testing.make_referral(
        alice_practice, client=person, doctor=doctor, referral_date=date(2026, 3, 2)
    )
    second = testing.make_referral(
        alice_practice, client=person, doctor=doctor, referral_date=date(2026, 3, 20)
    )
    days = [(3, 3), (3, 10), (3, 17), (3, 24), (4, 7), (4, 14), (4, 21)]
    sessions = [
        testing.make_session(
            alice_practice,
            client=person,
            clinician=clinician,
            referral=first if i < 4 else second,
            status="attended",
            starts_at=testing.aware(2026, month, day),
        )
        for i, (month, day) in enumerate(days)
    ]
    return {"client": person, "first": first, "second": second, "sessions": sessions}


def test_the_reports_treatment_section_counts_the_engines_course(two_referrals):
    [letter] = letter_actions.create_due_drafts(two_referrals["client"].practice)
    assert letter.referral == two_referrals["first"]
    # Not the 4 booked under the referral: the 6 the engine drew from its course.
    assert letter.sections["treatment"] == "6 sessions from 03/03/2026 to 14/04/2026."
    html = render_html(letter)
    assert "6 of the 6 sessions of this course have been used." in html
    assert "6 sessions from 03/03/2026 to 14/04/2026." in html


def test_the_later_referrals_course_holds_only_what_the_engine_drew_from_it(two_referrals):
    letter = letter_actions.draft(
        "end_of_course",
        client=two_referrals["client"],
        doctor=two_referrals["second"].referring_doctor,
        referral=two_referrals["second"],
    )
    assert letter.sections["treatment"] == "1 session from 21/04/2026 to 21/04/2026."


def test_the_pages_and_dashboard_give_the_same_count(owner_client, two_referrals, clinician):
    first, second = two_referrals["first"], two_referrals["second"]

    page = owner_client.get(first.get_absolute_url())
    assert page.context["course"]["used"] == 6
    html = page.content.decode()
    assert "6 of 6 used, 0 left" in html
    assert "Drawn from this referral's course, booked under another" in html
    assert "booked under the referral of 20/03/2026 (Dr Robin Xu)" in html
    assert html.count("booked under the referral of 20/03/2026") == 2

    page = owner_client.get(second.get_absolute_url()).content.decode()
    assert "1 of 6 used, 5 left" in page
    assert page.count("Drawn from the referral of 02/03/2026 (Dr Robin Xu)") == 2

    drawn, own = two_referrals["sessions"][4], two_referrals["sessions"][6]
    page = owner_client.get(drawn.get_absolute_url()).content.decode()
    assert "Drawn from the referral of 02/03/2026 (Dr Robin Xu)" in page
    page = owner_client.get(own.get_absolute_url()).content.decode()
    assert "Drawn from the referral of" not in page

    page = owner_client.get(two_referrals["client"].get_absolute_url()).content.decode()
    assert "6 of 6 used, 0 left" in page and "1 of 6 used, 5 left" in page
    assert page.count("Drawn from the referral of 02/03/2026") == 2

    owner_client.force_login(clinician)
    [row] = owner_client.get("/dashboard/").context["courses"]
    assert (row["referral"], row["used"], row["sessions"]) == (first, 6, 6)


def test_sessions_past_the_annual_cap_are_reported_apart_from_the_course(alice_practice, clinician):
    person = testing.make_client(alice_practice)
    referral = testing.make_referral(alice_practice, client=person, referral_date=date(2026, 3, 2))
    # 8 of the year's 10 individual sessions were claimed with another provider.
    ElsewhereClaims.objects.create(practice=alice_practice, client=person, year=2026, individual=8)
    for day in (3, 10, 17, 24):
        testing.make_session(
            alice_practice,
            client=person,
            clinician=clinician,
            referral=referral,
            status="attended",
            starts_at=testing.aware(2026, 3, day),
        )
    letter = letter_actions.draft(
        "end_of_course", client=person, doctor=referral.referring_doctor, referral=referral
    )
    assert letter.sections["treatment"] == (
        "2 sessions from 03/03/2026 to 10/03/2026. "
        "2 further sessions were not Medicare-rebated (annual cap reached)."
    )
    assert "2 of the 6 sessions of this course have been used." in render_html(letter)


def test_a_self_referrals_sessions_are_all_private(alice_practice, clinician):
    person = testing.make_client(alice_practice)
    referral = testing.make_referral(alice_practice, client=person, basis="self")
    testing.make_session(
        alice_practice,
        client=person,
        clinician=clinician,
        referral=referral,
        status="attended",
        starts_at=timezone.now(),
    )
    letter = letter_actions.draft(
        "discharge", client=person, doctor=referral.referring_doctor, referral=referral
    )
    assert letter.sections["summary"] == "1 session from 30/06/2026 to 30/06/2026."
