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

    # The clinician too is typed, never chosen from a list of every clinician.
    testing.make_user(alice_practice, Role.CLINICIAN, full_name="Dr Kylie Wattle")
    clinicians = page.get_by_role("combobox", name="Clinician")
    clinicians.focus()
    page.keyboard.type("kym")
    page.get_by_role("listbox", name="Matching clinicians").get_by_role(
        "option", name=clinician.full_name
    ).wait_for()
    assert (
        page.get_by_role("listbox", name="Matching clinicians").get_by_role("option").count() == 1
    )
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    assert clinicians.input_value() == clinician.full_name
    assert page.locator("input[name=clinician]").input_value() == str(clinician.uuid)

    page.get_by_label("Date and time").fill("15/12/2026 10:00")
    page.get_by_label("Date and time").press("Enter")
    page.wait_for_url(lambda url: "/sessions/new/" not in url)
    session = TherapySession.objects.get()
    assert session.client == wanted and session.clinician == clinician
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


def test_the_sessions_list_is_filtered_by_a_clinician_chosen_by_typing(
    page, live_server, alice_practice, owner
):
    """Typing in a list's picker does not refresh the list; choosing does, and the
    address keeps the choice, so a reload shows the clinician's name again."""
    kym = testing.make_user(alice_practice, Role.CLINICIAN, full_name="Kym Waratah")
    other = testing.make_user(alice_practice, Role.CLINICIAN, full_name="Lee Other")
    mine = testing.make_client(alice_practice, given_name="Marlowe", family_name="Quennell")
    theirs = testing.make_client(alice_practice, given_name="Otto", family_name="Zeller")
    testing.make_session(alice_practice, client=mine, clinician=kym)
    testing.make_session(alice_practice, client=theirs, clinician=other)
    problems = PageProblems(page)
    sign_in(page, live_server, owner.email)
    page.goto(f"{live_server.url}/sessions/?q=")
    refreshes: list[str] = []  # the list's own htmx requests
    page.on(
        "request",
        lambda request: (
            refreshes.append(request.url)
            if "/sessions/?" in request.url and request.headers.get("hx-request")
            else None
        ),
    )
    results = page.locator("#results")
    results.get_by_text("Otto Zeller").wait_for()

    box = page.get_by_role("combobox", name="Clinician")
    box.focus()
    page.keyboard.type("waratah")
    page.get_by_role("option", name="Kym Waratah").wait_for()
    assert "/pick/" not in page.url  # the search for a name is not the page's address
    assert results.get_by_text("Otto Zeller").is_visible()  # half a choice filters nothing
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    results.get_by_text("Otto Zeller").wait_for(state="detached")
    assert results.get_by_text("Marlowe Quennell").is_visible()
    page.wait_for_url(lambda url: f"clinician={kym.uuid}" in url)
    assert refreshes and all(f"clinician={kym.uuid}" in url for url in refreshes)

    page.reload()
    assert page.get_by_role("combobox", name="Clinician").input_value() == "Kym Waratah"
    assert not results.get_by_text("Otto Zeller").count()

    # Emptying the box shows everyone's sessions again.
    box = page.get_by_role("combobox", name="Clinician")
    box.fill("")
    results.get_by_text("Otto Zeller").wait_for()
    problems.assert_none()
