"""Letters read as Australian letters do, and work from paper."""

import re
from datetime import timedelta

import pytest
import time_machine
from django.test import RequestFactory
from django.utils import timezone

from careloop import testing
from careloop.letters import actions as letter_actions
from careloop.letters.feedback import SHORT_CODE_LENGTH
from careloop.letters.models import FeedbackLink, Letter
from careloop.letters.render import generate_pdf, render_html

from .test_letters import SECTIONS, course, signed_report  # noqa: F401 - the fixture


@pytest.fixture
def posted_course(course):  # noqa: F811 - extends the imported fixture
    rooms = testing.make_medical_practice(
        course["client"].practice,
        name="Bay Medical",
        street="12 Military Rd",
        suburb="Neutral Bay",
        state="NSW",
        postcode="2089",
    )
    course["doctor"].title = "Dr"
    course["doctor"].given_name = "Priya"
    course["doctor"].family_name = "Nguyen"
    course["doctor"].save()
    course["doctor"].medical_practices.set([rooms])
    return course


def test_the_doctor_is_greeted_by_title_and_family_name(posted_course):
    html = render_html(signed_report(posted_course))
    assert "Dear Dr Nguyen," in html
    assert "Dear Dr Priya Nguyen" not in html


def test_a_doctor_without_a_title_is_greeted_by_full_name(posted_course):
    doctor = posted_course["doctor"]
    doctor.title = ""
    assert doctor.salutation == "Priya Nguyen"


def test_the_letter_carries_the_doctors_full_postal_address(posted_course):
    html = render_html(signed_report(posted_course))
    assert "Dr Priya Nguyen<br>Bay Medical<br>12 Military Rd<br>NEUTRAL BAY NSW 2089" in html


def test_an_unsigned_pdf_says_draft_and_a_signed_one_does_not(posted_course):
    [letter] = letter_actions.create_due_drafts(posted_course["client"].practice)
    assert 'class="draft-watermark"' in render_html(letter)
    assert not FeedbackLink.objects.exists()  # a draft preview saves nothing
    name, _, pdf = generate_pdf(letter)
    assert pdf.startswith(b"%PDF")  # WeasyPrint draws the watermark
    letter_actions.update_sections(letter, SECTIONS)
    signed = letter_actions.sign(letter, by=posted_course["clinician"])
    assert "draft-watermark" not in render_html(signed)
    assert generate_pdf(signed)[2].startswith(b"%PDF")  # and the QR code


def test_the_feedback_link_is_short_with_a_qr_code_and_leads_to_the_form(client, posted_course):
    letter = signed_report(posted_course)
    html = render_html(letter)
    match = re.search(r"127\.0\.0\.1:8000(/f/([A-Z0-9]{5}-[A-Z0-9]{5})/)", html)
    assert match, "short link on the letter"
    assert "<svg" in html.split("letter-feedback", 1)[1]  # the QR code beside it
    assert render_html(letter).count(match.group(2)) == 1  # the same code every time
    assert FeedbackLink.objects.get().code == match.group(2).replace("-", "")
    assert len(FeedbackLink.objects.get().code) == SHORT_CODE_LENGTH

    response = client.get(match.group(1).lower())  # typed in lower case from paper
    assert response.status_code == 302
    assert "How did we do?" in client.get(response["Location"]).content.decode()


def test_a_short_code_expires_with_the_feedback_link_and_unknown_codes_fail(client, posted_course):
    letter = signed_report(posted_course)
    render_html(letter)
    code = FeedbackLink.objects.get().code
    assert client.get("/f/ABCDE-FGHJK/").status_code == 410
    with time_machine.travel(timezone.now() + timedelta(days=91)):
        assert client.get(f"/f/{code}/").status_code == 410


def test_links_in_a_letter_opened_on_a_page_use_that_pages_address(posted_course, settings):
    settings.ALLOWED_HOSTS = ["careloop.example"]
    letter = Letter.objects.get(pk=signed_report(posted_course).pk)
    request = RequestFactory().get("/letters/", HTTP_HOST="careloop.example", secure=True)
    html = render_html(letter, request=request)
    assert "careloop.example/f/" in html
    assert "127.0.0.1" not in html


def test_background_jobs_use_site_url(posted_course, settings):
    settings.SITE_URL = "https://clinic.example"
    html = render_html(signed_report(posted_course))
    assert "clinic.example/f/" in html
