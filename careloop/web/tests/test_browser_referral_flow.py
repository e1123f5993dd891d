"""Issue 3's journey in a real browser: a doctor refers through the public form with
a PDF; reception finds it in the inbox and books the first session."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from careloop import testing
from careloop.browser_testing import PageProblems, axe_violations
from careloop.lib import formguard
from careloop.practices.models import Role
from careloop.referrals.models import Referral

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def wait_for_url_or_say_why(page, pattern: str) -> None:
    """page.wait_for_url, failing with what the page says when it stayed (a form sent
    back with its errors) rather than with a bare timeout. It failed once in CI, under
    load, and never here."""
    try:
        page.wait_for_url(pattern, timeout=20_000)
    except PlaywrightTimeoutError:
        said = page.locator(".errorlist, [role=alert], .messages").all_inner_texts()
        raise AssertionError(f"Still at {page.url}; the page says: {said}") from None


@pytest.fixture
def harbour(db, monkeypatch):
    # People type slower than the spam check's minimum; a test script does not.
    monkeypatch.setattr(formguard, "MINIMUM_SECONDS", 0)
    practice = testing.make_practice("harbour", name="Harbour Psychology", phone="(02) 9953 0000")
    admin = testing.make_user(
        practice, Role.ADMIN, email="admin@harbour.test", full_name="Reception Desk"
    )
    clinician = testing.make_user(
        practice, Role.CLINICIAN, email="clin@harbour.test", full_name="Clara Clinician"
    )
    return {"practice": practice, "admin": admin, "clinician": clinician}


def label_named(text):
    # Labels of required fields end with a visual "*" (hidden from screen readers).
    return re.compile(rf"^{re.escape(text)}( \*)?$")


def test_a_doctor_refers_and_reception_books_the_first_session(page, live_server, harbour):
    problems = PageProblems(page)
    page.goto(f"{live_server.url}/p/harbour/refer/")
    assert axe_violations(page) == []
    fill = {
        "Your given name": "Priya",
        "Your family name": "Shah",
        "Your Medicare provider number": "2448301T",
        "Your practice": "Bay Medical",
        "Your phone": "(02) 9960 1234",
        "Patient's given name": "Matilda",
        "Patient's family name": "Wattlebird",
        "Patient's date of birth": "07/03/1994",
        "Street address": "4 Ourimbah Rd",
        "Suburb": "Mosman",
        "Postcode": "2088",
        "Patient's phone": "0491 570 156",
        "Medicare card number": "3278 85119 5",
        "IRN": "2",
        "Reason for referral: symptoms or diagnosis": "Low mood, poor sleep",
        "Current medications": "Nil",
        "Number of sessions referred": "6",
    }
    for label, value in fill.items():
        page.get_by_label(label_named(label)).fill(value)
    page.get_by_label(label_named("State")).select_option("NSW")
    page.get_by_label("Which plan applies").select_option("mhtp")
    page.get_by_label("Signed referral letter and plan").set_input_files(
        files=[{"name": "referral.pdf", "mimeType": "application/pdf", "buffer": testing.PDF_BYTES}]
    )
    page.get_by_label("The patient knows about this referral").check()
    page.get_by_role("button", name="Send the referral").click()
    page.wait_for_url("**/refer/thanks/**")
    referral = Referral.objects.get()
    assert referral.reference in page.get_by_role("main").inner_text()
    assert "We will contact your patient by" in page.content()

    # Reception signs in and finds it at the top of the inbox.
    page.goto(f"{live_server.url}/account/sign-in/")
    page.get_by_label("E-mail").fill("admin@harbour.test")
    page.get_by_label("Password").fill(testing.PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Referrals").click()
    first_row = page.locator("#results tbody tr").first
    assert "Matilda Wattlebird" in first_row.inner_text()
    assert "Acknowledge the referral to the doctor" in first_row.inner_text()
    first_row.get_by_role("link").first.click()
    assert "referral.pdf" in page.content()
    assert axe_violations(page) == []

    page.get_by_role("link", name="Book the first session").click()
    page.get_by_role("combobox", name="Clinician").fill("clara")
    page.get_by_role("option", name="Clara Clinician").click()
    page.get_by_label("Date and time").fill("15/12/2026 10:00")
    page.keyboard.press("Tab")  # leaving the field is what updates the Medicare panel

    # A web-form referral is not yet confirmed signed: rebatable once it is complete.
    page.locator("#entitlement-panel").get_by_text(
        "Rebatable once the referral is complete"
    ).wait_for()
    page.get_by_role("button", name="Save").click()
    page.wait_for_url("**/sessions/*/")
    referral.refresh_from_db()
    assert referral.status == "booked"
    assert referral.sessions.get().clinician == harbour["clinician"]
    problems.assert_none()


def test_reception_types_a_faxed_letter_on_a_phone_adding_the_client_in_place(
    browser, live_server, harbour
):
    """At reception on a phone: a fax that came in yesterday is uploaded, waits in the
    inbox as needs typing, and is typed beside its preview with a new client added
    without losing what was typed."""
    from careloop.browser_testing import horizontal_overflow
    from careloop.clients.models import Client
    from careloop.referrals.models import ReferralDocument

    doctor = testing.make_doctor(harbour["practice"], given_name="Priya", family_name="Shah")
    context = browser.new_context(
        viewport={"width": 375, "height": 740}, locale="en-AU", timezone_id="Australia/Sydney"
    )
    page = context.new_page()
    page.set_default_timeout(10_000)
    problems = PageProblems(page)
    page.goto(f"{live_server.url}/account/sign-in/")
    page.get_by_label("E-mail").fill("admin@harbour.test")
    page.get_by_label("Password").fill(testing.PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/dashboard/")

    page.goto(f"{live_server.url}/referrals/upload/")
    page.get_by_label(label_named("Scanned referral letter")).set_input_files(
        files=[{"name": "fax.pdf", "mimeType": "application/pdf", "buffer": testing.PDF_BYTES}]
    )
    yesterday = (timezone.localtime() - timedelta(days=1)).replace(hour=16, minute=30)
    page.get_by_label("Received on").fill(yesterday.strftime("%d/%m/%Y %H:%M"))
    page.get_by_role("button", name="Upload and continue").click()
    page.wait_for_url("**/referrals/upload/*/")

    # "Later": it waits at the top of the inbox with its own clock.
    page.goto(f"{live_server.url}/referrals/")
    first_row = page.locator("#results tbody tr").first
    assert "Needs typing" in first_row.inner_text()
    first_row.get_by_role("link").first.click()
    page.wait_for_url("**/referrals/upload/*/")
    assert horizontal_overflow(page) is None
    # On a phone the letter comes first, above the form, as wide as the screen.
    preview = page.locator("iframe.letter-frame").bounding_box()
    form = page.locator("form.record-form").bounding_box()
    assert preview["y"] < form["y"] and preview["width"] > 300
    assert axe_violations(page) == []

    # The doctor is typed and chosen from the matches, not picked from a list of all.
    page.get_by_label(label_named("Referring doctor")).fill(doctor.family_name[:4])
    page.get_by_role("option", name=doctor.display_name).first.wait_for()
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    assert page.locator("input[name=referring_doctor]").input_value() == str(doctor.uuid)
    page.get_by_label(label_named("Symptoms or diagnosis")).fill("Panic attacks since August")
    page.get_by_role("button", name="Add a new client").click()
    page.wait_for_url("**/clients/new/?next=*")
    for label, value in {
        "Given name": "Matilda",
        "Family name": "Wattlebird",
        "Date of birth": "07/03/1994",
        "Medicare card number": "3278 85119 5",
        "IRN": "2",
        "Mobile or phone": "0491 570 156",
        "Suburb": "Mosman",
        "Postcode": "2088",
    }.items():
        page.get_by_label(label_named(label), exact=True).fill(value)
    page.get_by_label(label_named("State")).select_option("NSW")
    page.get_by_role("button", name="Save").click()
    page.wait_for_url("**/referrals/upload/*/?client=*")
    matilda = Client.objects.get(family_name="Wattlebird")
    assert page.get_by_label(label_named("Client")).input_value() == "Matilda Wattlebird"
    assert page.locator("input[name=client]").input_value() == str(matilda.uuid)
    assert page.get_by_label(label_named("Symptoms or diagnosis")).input_value() == (
        "Panic attacks since August"
    )
    page.get_by_label(label_named("Referral date")).fill(timezone.localdate().strftime("%d/%m/%Y"))
    page.get_by_label(label_named("Referral basis")).select_option("mhtp")
    page.get_by_role("button", name="Save the referral").click()
    wait_for_url_or_say_why(page, "**/referrals/*/")
    referral = Referral.objects.get(client=matilda)
    assert referral.received_at == ReferralDocument.objects.get(referral=referral).received_at
    assert timezone.localtime(referral.received_at).hour == 16
    problems.assert_none()
    context.close()
