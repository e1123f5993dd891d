"""The diary in a real browser, on a phone: it fits, it is accessible, and one tap (or
one key) marks a session, with htmx and without."""

from datetime import timedelta

import pytest
from django.utils import timezone

from careloop import testing
from careloop.browser_testing import PageProblems, axe_violations, horizontal_overflow
from careloop.practices.models import Role
from careloop.therapy.diary import start_of
from careloop.therapy.models import TherapySession

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def day_of_sessions(alice_practice):
    clinician = testing.make_user(
        alice_practice,
        Role.CLINICIAN,
        email="diary@alice.test",
        full_name="Dr Maximiliana Featherstonehaugh-Worthington",
    )
    # Two hours ago in the practice's zone, so that every session below has started even
    # just after midnight.
    day = timezone.localtime(timezone.now() - timedelta(hours=2), alice_practice.zoneinfo).date()
    midnight = start_of(day, alice_practice.zoneinfo)
    sessions = []
    for minutes, family in ((0, "Papadopoulos-Nguyen"), (20, "Short")):
        person = testing.make_client(alice_practice, given_name="Alexandrina", family_name=family)
        sessions.append(
            testing.make_session(
                alice_practice,
                client=person,
                clinician=clinician,
                starts_at=midnight + timedelta(minutes=minutes),
            )
        )
    return {"clinician": clinician, "day": day, "sessions": sessions}


def sign_in(page, live_server, email):
    page.goto(f"{live_server.url}/account/sign-in/")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(testing.PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/dashboard/")


@pytest.fixture
def phone(browser):
    context = browser.new_context(
        viewport={"width": 375, "height": 740}, locale="en-AU", timezone_id="Australia/Sydney"
    )
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


def test_the_diary_fits_a_phone_and_is_accessible(phone, live_server, day_of_sessions):
    problems = PageProblems(phone)
    sign_in(phone, live_server, "diary@alice.test")
    day = day_of_sessions["day"].isoformat()
    for view in ("day", "week"):
        phone.goto(f"{live_server.url}/sessions/diary/?view={view}&day={day}")
        assert phone.locator(".diary-entry").count() == 2
        assert horizontal_overflow(phone) is None, view
        assert axe_violations(phone) == [], view
        # The day's heading is a real heading, under the page's one h1.
        assert phone.get_by_role("heading", level=1).count() == 1
        assert phone.get_by_role("heading", level=2).count() == (1 if view == "day" else 7)
        box = phone.locator(".diary-actions button").first.bounding_box()
        assert box["height"] >= 44  # a tap target
    problems.assert_none()


def test_one_key_marks_a_session_and_focus_follows(phone, live_server, day_of_sessions):
    problems = PageProblems(phone)
    sign_in(phone, live_server, "diary@alice.test")
    first, second = day_of_sessions["sessions"]
    phone.goto(f"{live_server.url}/sessions/diary/?day={day_of_sessions['day'].isoformat()}")
    entry = phone.locator(f"#entry-{first.uuid}")
    entry.get_by_role("button", name="Attended").focus()
    phone.keyboard.press("Enter")
    said = entry.locator(".diary-said")
    said.wait_for()
    assert "attended." in said.inner_text()
    assert said.evaluate("el => el === document.activeElement")  # not lost on <body>
    assert TherapySession.objects.get(pk=first.pk).status == "attended"
    assert phone.url.endswith(f"day={day_of_sessions['day'].isoformat()}")  # no page load

    entry.get_by_role("button", name="Undo").click()
    entry.locator(".diary-said").filter(has_text="back to booked").wait_for()
    assert TherapySession.objects.get(pk=first.pk).status == "booked"

    # The other entry is untouched, and the page still passes the accessibility check.
    assert TherapySession.objects.get(pk=second.pk).status == "booked"
    assert axe_violations(phone) == []
    problems.assert_none()


def test_without_javascript_a_tap_reloads_the_diary(browser, live_server, day_of_sessions):
    context = browser.new_context(viewport={"width": 375, "height": 740}, java_script_enabled=False)
    page = context.new_page()
    sign_in(page, live_server, "diary@alice.test")
    _, second = day_of_sessions["sessions"]
    address = f"{live_server.url}/sessions/diary/?view=day&day={day_of_sessions['day'].isoformat()}"
    page.goto(address)
    page.locator(f"#entry-{second.uuid}").get_by_role("button", name="Did not attend").click()
    page.wait_for_load_state()
    assert TherapySession.objects.get(pk=second.pk).status == "no_show"
    assert "did not attend." in page.locator(".messages").inner_text()
    assert f"day={day_of_sessions['day'].isoformat()}" in page.url  # the same day again
    context.close()
