"""The receptionist books a session for a client by typing three letters of the
surname, with the keyboard alone; the picker passes axe while its list is open."""

import pytest

from careloop import testing
from careloop.browser_testing import PageProblems, axe_violations
from careloop.practices.models import Role
from careloop.therapy.models import TherapySession

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_in(page, live_server, email):
    page.goto(f"{live_server.url}/account/sign-in/")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(testing.PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/dashboard/")


def test_a_client_is_booked_by_typing_three_letters_with_the_keyboard_alone(
    page, live_server, alice_practice
):
    testing.make_user(alice_practice, Role.ADMIN, email="front@alice.test")
    clinician = testing.make_user(alice_practice, Role.CLINICIAN, full_name="Dr Kym Waratah")
    wanted = testing.make_client(alice_practice, given_name="Marlowe", family_name="Quennell")
    testing.make_client(alice_practice, given_name="Other", family_name="Quenby")
    referral = testing.make_referral(alice_practice, client=wanted)
    problems = PageProblems(page)
    sign_in(page, live_server, "front@alice.test")
    page.goto(f"{live_server.url}/sessions/new/")

    box = page.get_by_role("combobox", name="Client")
    box.focus()
    page.keyboard.type("que")
    listbox = page.get_by_role("listbox", name="Matching clients")
    listbox.get_by_role("option", name="Marlowe Quennell").wait_for()
    assert listbox.get_by_role("option").count() == 2
    assert axe_violations(page) == []

    # Down to the client wanted, whatever order the two came in, and Enter.
    page.keyboard.press("ArrowDown")
    if "Marlowe" not in page.locator("[role=option][aria-selected=true]").inner_text():
        page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    assert box.input_value() == "Marlowe Quennell"
    assert not listbox.is_visible()
    # Choosing the client refreshed the referral choice to that client's referrals.
    page.locator(f"#id_referral option[value='{referral.uuid}']").wait_for(state="attached")

    page.get_by_label("Clinician").select_option(label=clinician.full_name)
    page.get_by_label("Date and time").fill("15/12/2026 10:00")
    page.get_by_label("Date and time").press("Enter")
    page.wait_for_url(lambda url: "/sessions/new/" not in url)
    assert TherapySession.objects.get().client == wanted
    problems.assert_none()


def test_escape_closes_the_list_and_typing_again_clears_the_choice(
    page, live_server, alice_practice, owner
):
    testing.make_client(alice_practice, given_name="Marlowe", family_name="Quennell")
    sign_in(page, live_server, owner.email)
    page.goto(f"{live_server.url}/sessions/new/")
    box = page.get_by_role("combobox", name="Client")
    box.focus()
    page.keyboard.type("quen")
    listbox = page.get_by_role("listbox", name="Matching clients")
    listbox.get_by_role("option", name="Marlowe Quennell").wait_for()
    page.keyboard.press("Escape")
    assert not listbox.is_visible()
    assert box.get_attribute("aria-expanded") == "false"
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    assert page.locator("input[name=client]").input_value() != ""
    page.keyboard.type("x")
    assert page.locator("input[name=client]").input_value() == ""


def test_on_a_phone_a_tap_on_a_match_chooses_it(browser, live_server, alice_practice, owner):
    """A tap moves the focus out of the text box before its click arrives; the list must
    still be there for the click to choose."""
    wanted = testing.make_client(alice_practice, given_name="Marlowe", family_name="Quennell")
    context = browser.new_context(
        viewport={"width": 390, "height": 800}, is_mobile=True, has_touch=True, locale="en-AU"
    )
    page = context.new_page()
    page.set_default_timeout(10_000)
    try:
        sign_in(page, live_server, owner.email)
        page.goto(f"{live_server.url}/sessions/new/")
        box = page.get_by_role("combobox", name="Client")
        box.tap()
        page.keyboard.type("quen")
        option = page.get_by_role("option", name="Marlowe Quennell")
        option.tap()
        assert box.input_value() == "Marlowe Quennell"
        assert page.locator("input[name=client]").input_value() == str(wanted.uuid)
    finally:
        context.close()
