"""Issue 11's journey in a real browser: a prospective client sends the contact form of
the practice's website; reception finds the enquiry and makes them a client."""

import re

import pytest
from django.core.cache import cache

from careloop import testing
from careloop.browser_testing import PageProblems, axe_violations
from careloop.clients.models import Client
from careloop.enquiries.models import Enquiry
from careloop.lib import formguard
from careloop.practices.models import Role

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def harbour(db, monkeypatch):
    # People type slower than the spam check's minimum; a test script does not.
    monkeypatch.setattr(formguard, "MINIMUM_SECONDS", 0)
    cache.clear()
    practice = testing.make_practice(
        "harbour",
        name="Harbour Psychology",
        phone="(02) 9953 0000",
        email="hello@harbour.test",
    )
    testing.make_user(practice, Role.ADMIN, email="admin@harbour.test", full_name="Reception Desk")
    testing.make_user(
        practice, Role.CLINICIAN, email="clin@harbour.test", full_name="Clara Clinician"
    )
    return practice


def label_named(text):
    # Labels of required fields end with a visual "*" (hidden from screen readers).
    return re.compile(rf"^{re.escape(text)}( \*)?$")


def test_a_prospective_client_enquires_and_reception_makes_them_a_client(
    page, live_server, harbour
):
    problems = PageProblems(page)
    page.goto(f"{live_server.url}/p/harbour/contact/")
    assert "13 11 14" in page.content()
    assert page.context.cookies() == []  # the website sets no cookie

    # A first try without the consent tick comes back with the reason.
    page.get_by_label(label_named("Your name")).fill("Matilda Wattlebird")
    page.get_by_label(label_named("Your phone")).fill("0491 570 156")
    page.get_by_label(label_named("What are you looking for help with?")).fill(
        "Anxiety before exams"
    )
    page.get_by_label("Who would you like to see?").select_option(label="Clara Clinician")
    page.get_by_role("button", name="Send my enquiry").click()
    page.get_by_role("alert").wait_for()
    assert "Tick the box to let us contact you" in page.content()
    assert axe_violations(page) == []

    page.get_by_label("I agree to Harbour Psychology contacting me").check()
    page.get_by_role("button", name="Send my enquiry").click()
    page.wait_for_url("**/contact/thanks/")
    assert "What happens next" in page.content()
    assert axe_violations(page) == []
    assert page.context.cookies() == []
    assert Enquiry.objects.get().preferred_clinician.full_name == "Clara Clinician"

    # Reception signs in and finds it under Enquiries.
    page.goto(f"{live_server.url}/account/sign-in/")
    page.get_by_label("E-mail").fill("admin@harbour.test")
    page.get_by_label("Password").fill(testing.PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Enquiries").click()
    first_row = page.locator("#results tbody tr").first
    assert "Matilda Wattlebird" in first_row.inner_text()
    assert axe_violations(page) == []
    first_row.get_by_role("link", name="Matilda Wattlebird").click()
    assert "Anxiety before exams" in page.content()
    assert axe_violations(page) == []

    # They call her back, ask her date of birth, and make her a client.
    assert page.get_by_label(label_named("Given name")).input_value() == "Matilda"
    assert page.get_by_label(label_named("Family name")).input_value() == "Wattlebird"
    page.get_by_label(label_named("Date of birth")).fill("07/03/2006")
    page.get_by_role("button", name="Make a client").click()
    page.get_by_text("is now a client").wait_for()
    client = Client.objects.get()
    assert (client.full_name, client.phone) == ("Matilda Wattlebird", "0491 570 156")
    assert Enquiry.objects.get().client == client
    page.get_by_role("link", name="Matilda Wattlebird").first.click()
    page.wait_for_url(f"**/clients/{client.uuid}/")
    problems.assert_none(expected_statuses=(400,))
