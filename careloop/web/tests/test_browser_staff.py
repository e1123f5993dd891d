"""The staff shell in a real browser: sign-in, keyboard use, forms, htmx, CSP, axe."""

import pytest

from careloop import testing
from careloop.browser_testing import PageProblems, axe_violations
from careloop.clients.models import Client
from careloop.practices.models import Role

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def practice_with_records(db):
    practice = testing.make_practice("harbour", name="Harbour Psychology")
    admin = testing.make_user(
        practice, Role.ADMIN, email="admin@harbour.test", full_name="Reception Desk"
    )
    owner = testing.make_user(
        practice, Role.OWNER, email="owner@harbour.test", full_name="Olive Owner"
    )
    medical_practice = testing.make_medical_practice(practice)
    gp = testing.make_doctor(
        practice,
        given_name="Grace",
        family_name="Hopper",
        doctor_type="gp",
        medical_practices=[medical_practice],
    )
    referral = testing.make_referral(practice, doctor=gp)
    testing.make_session(practice, client=referral.client, referral=referral)
    return {
        "practice": practice,
        "admin": admin,
        "owner": owner,
        "gp": gp,
        "referral": referral,
        "medical_practice": medical_practice,
    }


def sign_in(page, live_server, email):
    page.goto(f"{live_server.url}/account/sign-in/")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(testing.PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/dashboard/")


def test_reception_adds_a_client_and_finds_them_again(page, live_server, practice_with_records):
    problems = PageProblems(page)
    sign_in(page, live_server, "admin@harbour.test")

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Clients").click()
    page.get_by_role("link", name="Add a client").click()
    page.get_by_label("Given name").fill("Matilda")
    page.get_by_label("Family name").fill("Wattlebird")
    page.get_by_label("Date of birth").fill("31/02/1990")  # no such day
    page.get_by_label("Medicare card number").fill("3278 85119 5")
    page.get_by_label("IRN").fill("2")
    page.get_by_role("button", name="Save").click()

    summary = page.locator(".error-summary")
    assert "Date of birth" in summary.inner_text()
    assert summary.evaluate("el => el === document.activeElement")  # focus moved to it
    page.get_by_label("Date of birth").fill("28/02/1990")
    page.get_by_role("button", name="Save").click()
    page.wait_for_url("**/clients/*/")
    assert "Matilda Wattlebird" in page.get_by_role("heading", level=1).inner_text()
    assert "28/02/1990" in page.content()
    stored = Client.objects.get(family_name="Wattlebird")
    assert stored.medicare_number == "3278851195"

    # htmx filters the list as you type, without a page load.
    page.goto(f"{live_server.url}/clients/")
    page.get_by_role("searchbox", name="Search").fill("wattle")
    page.wait_for_url("**q=wattle**")
    rows = page.locator("#results tbody tr")
    rows.first.wait_for()
    assert rows.count() == 1
    assert "Wattlebird, Matilda" in rows.first.inner_text()
    problems.assert_none(expected_statuses=[400])


def test_the_shell_works_from_the_keyboard(page, live_server, practice_with_records):
    sign_in(page, live_server, "admin@harbour.test")
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.textContent")
    assert focused.strip() == "Skip to main content"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
    # Focus is visible: the focused element gets an outline.
    page.keyboard.press("Shift+Tab")
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none"


STAFF_PAGES = [
    "/dashboard/",
    "/clients/",
    "/clients/new/",
    "/referrals/",
    "/referrals/new/",
    "/sessions/",
    "/sessions/new/",
    "/doctors/",
    "/doctors/new/",
    "/doctors/import/",
    "/medical-practices/",
    "/audit/",
    "/practice/",
    "/practice/retention/",
    "/practice/website/",
    "/practice/website/pages/",
    "/practice/website/articles/new/",
    "/account/",
    "/account/password/",
    "/account/two-factor/setup/",
    "/outreach/tasks/",
    "/outreach/events/",
    "/outreach/events/new/",
    "/outreach/openings/",
    "/outreach/settings/",
    "/outreach/calendar/",
]


def test_staff_pages_have_no_accessibility_violations_or_csp_errors(
    page, live_server, practice_with_records
):
    problems = PageProblems(page)
    sign_in(page, live_server, "owner@harbour.test")
    referral = practice_with_records["referral"]
    detail_pages = [
        f"/clients/{referral.client.uuid}/",
        f"/clients/{referral.client.uuid}/access/",
        f"/referrals/{referral.uuid}/",
        f"/doctors/{practice_with_records['gp'].uuid}/",
        f"/outreach/doctors/{practice_with_records['gp'].uuid}/",
        f"/outreach/doctors/{practice_with_records['gp'].uuid}/log/?kind=visit",
        f"/outreach/doctors/{practice_with_records['gp'].uuid}/preferences/",
        f"/outreach/doctors/{practice_with_records['gp'].uuid}/do-not-contact/",
        f"/outreach/medical-practices/{practice_with_records['medical_practice'].uuid}/",
    ]
    found = {}
    for path in STAFF_PAGES + detail_pages:
        page.goto(live_server.url + path)
        violations = axe_violations(page)
        if violations:
            found[path] = violations
    assert found == {}
    problems.assert_none()


def test_the_sign_in_page_is_accessible_and_works_on_a_phone(browser, live_server, db):
    context = browser.new_context(viewport={"width": 375, "height": 740}, is_mobile=True)
    page = context.new_page()
    problems = PageProblems(page)
    page.goto(f"{live_server.url}/account/sign-in/")
    assert axe_violations(page) == []
    # Nothing is wider than the screen.
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    problems.assert_none()
    context.close()


def test_the_accessibility_check_catches_a_real_violation(page):
    # Guards the check above: axe must report a missing alt text and a missing label.
    page.set_content(
        '<html lang="en"><head><title>t</title></head><body><main>'
        '<img src="data:,"><input type="text"></main></body></html>'
    )
    ids = {v["id"] for v in axe_violations(page)}
    assert {"image-alt", "label"} <= ids
