"""The contact form of a practice's website: prospective clients send an enquiry."""

import re
from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.core.cache import cache
from django.utils import timezone

from careloop import testing
from careloop.audit.models import AuditEvent
from careloop.enquiries.models import Enquiry
from careloop.practices.models import Niche, Role


@pytest.fixture(autouse=True)
def _fresh_cache():
    # Rate limits, used tokens and cached pages start empty in each test.
    cache.clear()


@pytest.fixture
def practice(alice_practice):
    alice_practice.phone = "(02) 9953 0000"
    alice_practice.email = "hello@alice.test"
    alice_practice.street = "12 Military Rd"
    alice_practice.suburb = "Neutral Bay"
    alice_practice.postcode = "2089"
    alice_practice.save()
    return alice_practice


def token_of(page) -> str:
    found = re.search(r'name="started" value="([^"]+)"', page.content.decode())
    assert found, "the form carries its token"
    return found.group(1)


def form_data(client, practice, **overrides):
    """What a browser sends: the form as shown, filled in 10 seconds later."""
    page = client.get(f"/p/{practice.slug}/contact/")
    data = {
        "name": "Mia Nguyen",
        "email": "mia@example.com",
        "phone": "0491 570 156",
        "looking_for": "Help with anxiety at work",
        "preference": "",
        "consent": "on",
        "website": "",
        "started": token_of(page),
    }
    data.update(overrides)
    return data


def send(client, practice, meta=None, **overrides):
    data = form_data(client, practice, **overrides)
    with time_machine.travel(timezone.now() + timedelta(seconds=10)):
        return client.post(f"/p/{practice.slug}/contact/", data, **(meta or {}))


def test_an_enquiry_is_stored_and_the_person_is_told_what_happens_next(client, practice):
    response = send(client, practice)
    assert response.status_code == 302
    enquiry = Enquiry.objects.get()
    assert (enquiry.practice, enquiry.name, enquiry.email, enquiry.phone) == (
        practice,
        "Mia Nguyen",
        "mia@example.com",
        "0491 570 156",
    )
    assert enquiry.looking_for == "Help with anxiety at work"
    assert enquiry.status == "new" and enquiry.consent_given_at is not None
    thanks = client.get(response["Location"])
    page = thanks.content.decode()
    assert "your enquiry has arrived" in page and "What happens next" in page
    assert "13 11 14" in page and "000" in page  # crisis numbers
    assert "Mia" not in page  # names no one: safe to cache and to share
    audit = AuditEvent.objects.get(object_uuid=enquiry.uuid)
    assert (audit.action, audit.actor, audit.channel) == ("create", None, "practice website")
    assert audit.ip_address == "127.0.0.1"


def test_the_contact_page_shows_the_practices_details_and_crisis_support(client, practice):
    page = client.get(f"/p/{practice.slug}/contact/").content.decode()
    assert "(02) 9953 0000" in page and "hello@alice.test" in page
    assert "12 Military Rd, Neutral Bay NSW 2089" in page
    assert "Lifeline" in page and "13 11 14" in page


def test_the_practice_is_emailed_a_link_but_not_what_the_person_wrote(
    client, practice, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        send(client, practice, looking_for="Panic attacks since my divorce")
    enquiry = Enquiry.objects.get()
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["hello@alice.test"]
    assert "new enquiry" in message.subject
    assert f"/enquiries/{enquiry.uuid}/" in message.body
    for private in ("Panic", "divorce", "Mia", "Nguyen", "mia@example.com", "0491"):
        assert private not in message.body and private not in message.subject


def test_without_a_practice_address_the_owners_are_emailed(
    client, alice_practice, owner, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        send(client, alice_practice)
    assert mail.outbox[0].to == [owner.email]


def test_missing_answers_get_specific_errors_and_store_nothing(client, practice):
    response = send(client, practice, name="", email="", phone="", looking_for="", consent="")
    page = response.content.decode()
    assert response.status_code == 400
    assert "Enter your name" in page
    assert "Give an e-mail address or a phone number, so we can reply." in page
    assert "Tell us in a few words what you are looking for help with." in page
    assert "Tick the box to let us contact you" in page
    assert not Enquiry.objects.exists() and not mail.outbox


def test_consent_is_required(client, practice):
    response = send(client, practice, consent="")
    assert response.status_code == 400
    assert "Tick the box to let us contact you" in response.content.decode()
    assert not Enquiry.objects.exists()


def test_a_bad_email_or_phone_is_explained(client, practice):
    response = send(client, practice, email="mia@", phone="12")
    page = response.content.decode()
    assert response.status_code == 400
    assert "Enter an e-mail address like name@example.com." in page
    assert "Enter a phone number with its area code" in page


def test_a_phone_number_alone_is_enough(client, practice):
    assert send(client, practice, email="").status_code == 302
    assert Enquiry.objects.get().email == ""


def test_the_person_may_choose_a_clinician_or_an_area_of_help(client, practice, bob_practice):
    clara = testing.make_user(practice, Role.CLINICIAN, full_name="Clara Clinician")
    full = testing.make_user(practice, Role.CLINICIAN, full_name="Fiona Full")
    full.clinician_profile.accepting_referrals = False
    full.clinician_profile.save()
    elsewhere = testing.make_user(bob_practice, Role.CLINICIAN, full_name="Bob's Clinician")
    youth, _ = Niche.objects.get_or_create(code="youth", defaults={"name": "Young people"})
    practice.niches.add(youth)
    page = client.get(f"/p/{practice.slug}/contact/").content.decode()
    assert "Clara Clinician" in page and youth.name in page
    assert "Fiona Full" not in page and "Bob&#x27;s Clinician" not in page

    assert send(client, practice, preference=f"clinician:{clara.uuid}").status_code == 302
    assert Enquiry.objects.get().preferred_clinician == clara
    assert send(client, practice, preference="niche:youth").status_code == 302
    assert Enquiry.objects.latest("created_at").preferred_niche == youth

    refused = send(client, practice, preference=f"clinician:{elsewhere.uuid}")
    assert refused.status_code == 400
    assert "Choose a clinician or an area of help from the list" in refused.content.decode()


def test_a_burst_of_spam_is_throttled_and_stores_nothing_then_a_person_gets_through(
    client, practice
):
    statuses = [
        send(client, practice, website="http://cheap-pills.example").status_code for _ in range(8)
    ]
    assert statuses[:5] == [400] * 5  # the honeypot gives them away
    assert statuses[5:] == [429] * 3  # then the address is throttled
    assert not Enquiry.objects.exists()
    throttled = send(client, practice)  # even a good one, from that address, this hour
    assert throttled.status_code == 429
    assert "Too many enquiries" in throttled.content.decode()

    person = send(client, practice, meta={"REMOTE_ADDR": "10.1.2.3"})
    assert person.status_code == 302
    assert Enquiry.objects.count() == 1


def test_a_form_sent_faster_than_a_person_types_is_refused(client, practice):
    data = form_data(client, practice)
    response = client.post(f"/p/{practice.slug}/contact/", data)  # no time has passed
    assert response.status_code == 400
    assert "looked automated" in response.content.decode()
    assert not Enquiry.objects.exists()


def test_a_forged_token_is_refused(client, practice):
    assert send(client, practice, started="1700000000").status_code == 400
    assert not Enquiry.objects.exists()


def test_a_form_token_sends_one_enquiry_only(client, practice):
    data = form_data(client, practice)
    url = f"/p/{practice.slug}/contact/"
    with time_machine.travel(timezone.now() + timedelta(seconds=10)):
        assert client.post(url, data).status_code == 302
        replay = client.post(url, data)
    assert replay.status_code == 400
    assert "already been sent once" in replay.content.decode()
    assert Enquiry.objects.count() == 1


def test_a_form_sent_from_another_site_is_refused(client, practice):
    response = send(client, practice, meta={"HTTP_ORIGIN": "https://evil.example"})
    assert response.status_code == 400
    assert not Enquiry.objects.exists()
    same_site = send(client, practice, meta={"HTTP_ORIGIN": "http://testserver"})
    assert same_site.status_code == 302


def test_an_unknown_practice_is_404(client, db):
    assert client.get("/p/nowhere/contact/").status_code == 404
    assert client.get("/p/nowhere/contact/thanks/").status_code == 404


def test_the_contact_form_works_on_the_practices_own_domain(client, practice, settings):
    from careloop.publicsite import actions as site_actions

    settings.ALLOWED_HOSTS = ["testserver", "www.alicestreet.com.au"]
    site = site_actions.site_of(practice)
    site.domain = "www.alicestreet.com.au"
    site.save()
    host = {"HTTP_HOST": "www.alicestreet.com.au"}
    page = client.get("/contact/", **host)
    assert page.status_code == 200
    assert '<form method="post" action="/contact/"' in page.content.decode()
    data = {
        "name": "Mia Nguyen",
        "email": "mia@example.com",
        "phone": "",
        "looking_for": "Help with sleep",
        "preference": "",
        "consent": "on",
        "website": "",
        "started": token_of(page),
    }
    with time_machine.travel(timezone.now() + timedelta(seconds=10)):
        response = client.post("/contact/", data, **host)
    assert response.status_code == 302 and response["Location"] == "/contact/thanks/"
    assert client.get("/contact/thanks/", **host).status_code == 200
    assert Enquiry.objects.get().practice == practice
