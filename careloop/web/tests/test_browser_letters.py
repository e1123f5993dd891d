"""Issue 4's journey: a clinician opens a due end-of-course report, edits it,
previews the PDF and sends it; the disclosure appears in the client's history."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from careloop import testing
from careloop.browser_testing import PageProblems, axe_violations
from careloop.consent.models import Consent, Disclosure
from careloop.letters.actions import create_due_drafts
from careloop.measures.actions import record_result
from careloop.practices.models import Role
from careloop.therapy.models import ClinicalNote

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
MARKER = "ZEBRA-7781-NEVER-DISCLOSE"


@pytest.fixture
def finished_course(db, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    practice = testing.make_practice("harbour", name="Harbour Psychology")
    clinician = testing.make_user(
        practice, Role.CLINICIAN, email="clin@harbour.test", full_name="Clara Clinician"
    )
    admin = testing.make_user(practice, Role.ADMIN)
    doctor = testing.make_doctor(
        practice,
        given_name="Grace",
        family_name="Hopper",
        email="grace@bay.example",
        preferred_channel="email",
    )
    person = testing.make_client(practice, given_name="Mia", family_name="Nguyen")
    referral = testing.make_referral(
        practice,
        client=person,
        doctor=doctor,
        sessions_referred=2,
        referral_date=timezone.localdate() - timedelta(days=50),
        assigned_clinician=clinician,
    )
    for days in (30, 10):
        session = testing.make_session(
            practice,
            client=person,
            clinician=clinician,
            referral=referral,
            status="attended",
            starts_at=timezone.now() - timedelta(days=days),
        )
        ClinicalNote.objects.create(
            practice=practice, session=session, text=MARKER, author=clinician
        )
    for days, value in ((30, 3), (10, 1)):
        record_result(
            person,
            "k10",
            dict.fromkeys(range(1, 11), value),
            on=timezone.localdate() - timedelta(days=days),
        )
    Consent.objects.create(
        practice=practice,
        client=person,
        referral=referral,
        scopes=["progress"],
        method="written",
        obtained_on=timezone.localdate() - timedelta(days=50),
        recorded_by=admin,
    )
    create_due_drafts(practice)  # what the scheduled job does
    return {"client": person}


def test_a_clinician_writes_previews_and_sends_the_end_of_course_report(
    page, live_server, finished_course
):
    problems = PageProblems(page)
    page.goto(f"{live_server.url}/account/sign-in/")
    page.get_by_label("E-mail").fill("clin@harbour.test")
    page.get_by_label("Password").fill(testing.PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Letters").click()
    page.get_by_role("link", name="End-of-course report: Mia Nguyen").click()
    assert axe_violations(page) == []

    page.get_by_label("Assessments carried out").fill("K10 at the first and last session.")
    page.get_by_label("Treatment provided").fill("Two sessions of CBT.")
    page.get_by_label("Outcomes").fill("Distress fell from very high to low.")
    page.get_by_label("Recommendations for future management").fill("No further course now.")
    page.get_by_label("I have read this letter and it is ready to go").check()
    page.get_by_role("button", name="Sign", exact=True).click()
    page.get_by_role("button", name="Send", exact=True).wait_for()

    pdf_link = page.get_by_role("link", name="Preview the PDF").get_attribute("href")
    preview = page.request.get(live_server.url + pdf_link)
    assert preview.ok and preview.headers["content-type"] == "application/pdf"
    assert preview.body().startswith(b"%PDF")

    page.get_by_label("Send by").select_option("email")
    page.get_by_role("button", name="Send", exact=True).click()
    page.get_by_text("E-mail: sent").wait_for()
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["grace@bay.example"]
    assert MARKER not in mail.outbox[0].body

    page.goto(f"{live_server.url}/clients/{finished_course['client'].uuid}/consent/")
    disclosures = page.get_by_role("region", name="Disclosures")
    assert "End-of-course report" in disclosures.inner_text()
    assert Disclosure.objects.get().channel == "email"
    problems.assert_none()


def test_the_newer_pages_have_no_accessibility_violations(page, live_server, finished_course):
    from careloop.audit.actions import COMMAND
    from careloop.consent.actions import create_request
    from careloop.letters.feedback import token_for
    from careloop.letters.models import Letter
    from careloop.measures.actions import invite

    person = finished_course["client"]
    letter = Letter.objects.get()
    admin = testing.make_user(person.practice, Role.ADMIN)
    _, measure_token = invite(person, "dass21", by=admin)
    _, consent_token = create_request(
        person, {"referral": letter.referral, "scopes": ["status"]}, by=admin, via=COMMAND
    )
    problems = PageProblems(page)
    page.goto(f"{live_server.url}/account/sign-in/")
    page.get_by_label("E-mail").fill("clin@harbour.test")
    page.get_by_label("Password").fill(testing.PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/dashboard/")
    found = {}
    for path in [
        "/dashboard/",
        "/letters/",
        f"/letters/{letter.uuid}/",
        f"/clients/{person.uuid}/",
        f"/clients/{person.uuid}/consent/",
        f"/clients/{person.uuid}/measures/new/?measure=dass21",
        f"/clients/{person.uuid}/measures/new/",
        "/referrals/upload/",
        f"/m/{measure_token}/",
        f"/c/{consent_token}/",
        f"/f/{token_for(letter)}/",
        "/p/harbour/",
        "/p/harbour/refer/",
    ]:
        page.goto(live_server.url + path)
        violations = axe_violations(page)
        if violations:
            found[path] = violations
    assert found == {}
    problems.assert_none()
