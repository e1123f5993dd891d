import re
from datetime import date, timedelta

import pytest
import time_machine
from django.core.cache import cache
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from careloop import testing
from careloop.clients.models import Client
from careloop.directory.models import Doctor
from careloop.lib.uploads import MAX_UPLOAD_BYTES
from careloop.publicsite import holding
from careloop.referrals.models import Referral, ReferralDocument


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    cache.clear()


def form_data(client, practice, **overrides):
    """What a doctor's browser sends: the form as shown, filled in 10 seconds later."""
    page = client.get(f"/p/{practice.slug}/refer/")
    # Read from the page, as a browser does: a page served from the cache has no context.
    started = re.search(r'name="started" value="([^"]+)"', page.content.decode()).group(1)
    data = {
        "doctor_given_name": "Priya",
        "doctor_family_name": "Shah",
        "doctor_type": "gp",
        "provider_number": "2448301T",
        "practice_name": "Bay Medical",
        "practice_suburb": "Mosman",
        "practice_postcode": "2088",
        "doctor_phone": "(02) 9960 1234",
        "doctor_email": "priya@bay.example",
        "patient_given_name": "Mia",
        "patient_family_name": "Nguyen",
        "patient_date_of_birth": "07/03/1994",
        "patient_street": "4 Ourimbah Rd",
        "patient_suburb": "Mosman",
        "patient_state": "NSW",
        "patient_postcode": "2088",
        "patient_phone": "0491 570 156",
        "patient_medicare_number": "3278851195",
        "patient_medicare_irn": "2",
        "reason": "Low mood and anxiety for 4 months",
        "medications": "Sertraline 50 mg",
        "basis": "mhtp",
        "sessions_referred": "6",
        "urgency": "routine",
        "patient_agrees": "on",
        "website": "",
        "started": started,
        "letter": SimpleUploadedFile("referral.pdf", testing.PDF_BYTES),
    }
    data.update(overrides)
    return data


def send(client, practice, meta=None, **overrides):
    data = form_data(client, practice, **overrides)
    with time_machine.travel(timezone.now() + timedelta(seconds=10)):
        return client.post(f"/p/{practice.slug}/refer/", data, **(meta or {}))


def test_a_doctor_refers_a_patient_and_gets_a_reference(client, alice_practice):
    response = send(client, alice_practice)
    assert response.status_code == 302
    referral = Referral.objects.get()
    page = client.get(response["Location"]).content.decode()
    assert referral.reference in page
    assert "We will contact your patient by" in page
    assert "Nguyen" not in page  # the confirmation names no patient
    assert (referral.practice, referral.source, referral.status) == (alice_practice, "form", "new")
    assert referral.client.date_of_birth == date(1994, 3, 7)
    assert referral.client.medicare_number == "3278851195"
    assert referral.referring_doctor.provider_number == "2448301T"
    assert referral.referring_doctor.medical_practices.get().name == "Bay Medical"
    assert referral.documents.get().content_type == "application/pdf"
    assert referral.next_due_at is not None  # the clock runs


def test_the_referral_reaches_the_practices_inbox(client, alice_practice, owner):
    send(client, alice_practice)
    client.force_login(owner)
    inbox = client.get("/referrals/")
    assert [r.client.family_name for r in inbox.context["object_list"]] == ["Nguyen"]


def test_a_known_doctor_and_client_are_matched_not_duplicated(client, alice_practice):
    doctor = testing.make_doctor(alice_practice, provider_number="2448301T")
    person = testing.make_client(
        alice_practice, medicare_number="3278851195", medicare_irn=2, date_of_birth=date(1994, 3, 7)
    )
    send(client, alice_practice)
    referral = Referral.objects.get()
    assert (referral.referring_doctor, referral.client) == (doctor, person)
    assert Doctor.objects.count() == 1 and Client.objects.count() == 1


def test_a_same_name_and_birthday_client_is_flagged_not_merged(client, alice_practice):
    earlier = testing.make_client(
        alice_practice,
        given_name="Mia",
        family_name="Nguyen",
        date_of_birth=date(1994, 3, 7),
        medicare_number="",
    )
    send(client, alice_practice)
    referral = Referral.objects.get()
    assert referral.client != earlier
    assert referral.client.possible_duplicate_of == earlier
    assert "may already be on file" in referral.events.get().note


def test_bad_input_gets_specific_errors_and_stores_nothing(client, alice_practice):
    response = send(
        client,
        alice_practice,
        provider_number="2448301A",
        patient_postcode="3000",
        patient_date_of_birth="31/02/1994",
        letter=SimpleUploadedFile("letter.pdf", b"GIF89a not a pdf"),
    )
    page = response.content.decode()
    assert response.status_code == 400
    assert "fails its check character" in page
    assert "Postcode 3000 belongs to VIC" in page
    assert "Enter the date as dd/mm/yyyy" in page
    assert "Only PDF, PNG, JPEG or TIFF" in page
    assert not Referral.objects.exists() and not ReferralDocument.objects.exists()
    assert not Doctor.objects.exists() and not Client.objects.exists()


def test_a_filled_honeypot_is_refused_with_a_clear_message(client, alice_practice):
    response = send(client, alice_practice, website="http://spam.example")
    assert response.status_code == 400
    assert "looked automated" in response.content.decode()
    assert not Referral.objects.exists()


def test_a_form_sent_faster_than_a_person_types_is_refused(client, alice_practice):
    data = form_data(client, alice_practice)
    response = client.post(f"/p/{alice_practice.slug}/refer/", data)  # no time has passed
    assert response.status_code == 400
    assert not Referral.objects.exists()


def test_a_forged_start_time_is_refused(client, alice_practice):
    response = send(client, alice_practice, started="1700000000")
    assert response.status_code == 400


def test_each_address_may_send_five_referrals_an_hour(client, alice_practice):
    for n in range(5):
        assert send(client, alice_practice, patient_given_name=f"Mia{n}").status_code == 302
    refused = send(client, alice_practice, patient_given_name="Sixth")
    assert refused.status_code == 429
    assert "Too many referrals" in refused.content.decode()
    assert Referral.objects.count() == 5
    other_address = send(client, alice_practice, meta={"REMOTE_ADDR": "10.1.2.3"})

    assert other_address.status_code == 302


def test_an_unknown_practice_is_404(client, db):
    assert client.get("/p/nowhere/refer/").status_code == 404


def test_the_thanks_page_needs_its_signed_token(client, alice_practice):
    response = client.get(f"/p/{alice_practice.slug}/refer/thanks/?t=forged")
    assert response.status_code == 302
    assert re.search(r"/refer/$", response["Location"])


def forbid_parsing(monkeypatch):
    """From now on, the test fails if anything parses a multipart body."""

    def refuse(self):
        raise AssertionError("the request body was parsed")

    monkeypatch.setattr("django.http.multipartparser.MultiPartParser.parse", refuse)


@pytest.fixture
def body_never_parsed(monkeypatch):
    forbid_parsing(monkeypatch)


def test_an_oversized_referral_is_refused_by_its_length_before_it_is_read(
    client, alice_practice, body_never_parsed
):
    data = form_data(client, alice_practice)
    with time_machine.travel(timezone.now() + timedelta(seconds=10)):
        response = client.post(
            f"/p/{alice_practice.slug}/refer/", data, CONTENT_LENGTH=str(300 * 1024 * 1024)
        )
    assert response.status_code == 413
    page = response.content.decode()
    assert "too large to send" in page and "up to 10 MB" in page
    assert not Referral.objects.exists()


def test_a_letter_just_over_the_documented_size_is_refused_with_the_limit(client, alice_practice):
    big = SimpleUploadedFile("scan.pdf", b"%PDF-" + b"0" * MAX_UPLOAD_BYTES)
    response = send(client, alice_practice, letter=big)
    assert response.status_code == 400
    assert "the limit is 10 MB" in response.content.decode()
    assert not Referral.objects.exists()


def test_the_rate_limit_applies_before_the_body_is_read(client, alice_practice, monkeypatch):
    for n in range(5):
        assert send(client, alice_practice, patient_given_name=f"Mia{n}").status_code == 302
    data = form_data(client, alice_practice)
    forbid_parsing(monkeypatch)
    with time_machine.travel(timezone.now() + timedelta(seconds=10)):
        refused = client.post(f"/p/{alice_practice.slug}/refer/", data)
    assert refused.status_code == 429


def test_a_staff_upload_over_the_cap_gets_a_plain_413_page(owner_client, body_never_parsed):
    response = owner_client.post(
        "/referrals/upload/",
        {"letter": SimpleUploadedFile("scan.pdf", testing.PDF_BYTES)},
        CONTENT_LENGTH=str(50 * 1024 * 1024),
    )
    assert response.status_code == 413
    assert "files can be up to 10 MB" in response.content.decode()


def test_a_form_token_sends_one_referral_only(client, alice_practice):
    data = form_data(client, alice_practice)
    url = f"/p/{alice_practice.slug}/refer/"
    with time_machine.travel(timezone.now() + timedelta(seconds=10)):
        assert client.post(url, data).status_code == 302
        replay = dict(data, letter=SimpleUploadedFile("referral.pdf", testing.PDF_BYTES))
        refused = client.post(url, replay)
    assert refused.status_code == 400
    assert "already been sent once" in refused.content.decode()
    assert Referral.objects.count() == 1


def test_correcting_a_mistake_does_not_use_up_the_form_token(client, alice_practice):
    data = form_data(client, alice_practice, patient_postcode="3000")
    url = f"/p/{alice_practice.slug}/refer/"
    with time_machine.travel(timezone.now() + timedelta(seconds=10)):
        assert client.post(url, data).status_code == 400
        fixed = dict(
            data,
            patient_postcode="2088",
            letter=SimpleUploadedFile("referral.pdf", testing.PDF_BYTES),
        )
        assert client.post(url, fixed).status_code == 302
    assert Referral.objects.count() == 1


def test_a_pdf_sent_as_html_is_stored_and_served_as_a_pdf(client, alice_practice, owner):
    send(client, alice_practice, letter=SimpleUploadedFile("evil.html", testing.PDF_BYTES))
    document = ReferralDocument.objects.get()
    assert document.file.name.endswith(".pdf")
    client.force_login(owner)
    response = client.get(document.get_absolute_url())
    assert response["Content-Type"] == "application/pdf"
    assert 'filename="evil.pdf"' in response["Content-Disposition"]
    assert "evil.html" not in client.get(document.referral.get_absolute_url()).content.decode()


def test_a_referral_naming_a_doctor_on_file_waits_for_staff_to_confirm_the_sender(
    client, alice_practice, owner, bob_owner
):
    doctor = testing.make_doctor(alice_practice, provider_number="2448301T")
    send(client, alice_practice)
    referral = Referral.objects.get()
    assert referral.referring_doctor == doctor and referral.sender_unverified
    assert "confirm the referral came from them" in referral.events.get().note

    client.force_login(owner)
    assert "Unverified sender" in client.get("/referrals/").content.decode()
    page = client.get(referral.get_absolute_url()).content.decode()
    assert "Unverified sender" in page and "Confirm the sender" in page

    confirm_url = f"/referrals/{referral.uuid}/confirm-sender/"
    client.force_login(bob_owner)
    assert client.post(confirm_url).status_code == 404  # another practice's referral
    client.force_login(owner)
    assert client.post(confirm_url).status_code == 302
    assert client.post(confirm_url).status_code == 302  # a double click records one event
    referral.refresh_from_db()
    assert not referral.sender_unverified
    [event] = referral.events.filter(kind="sender")
    assert event.by == owner and doctor.display_name in event.note
    assert "Unverified sender" not in client.get("/referrals/").content.decode()
    assert "Confirm the sender" not in client.get(referral.get_absolute_url()).content.decode()


def test_a_referral_from_a_new_doctor_needs_no_sender_confirmation(client, alice_practice):
    send(client, alice_practice)
    assert not Referral.objects.get().sender_unverified


def test_a_line_break_in_a_name_is_refused_on_the_public_form(client, alice_practice):
    response = send(client, alice_practice, patient_family_name="Nguyen\r\nBcc: x@evil.example")
    assert response.status_code == 400
    assert "must be on one line" in response.content.decode()
    assert not Referral.objects.exists() and not Client.objects.exists()
    assert not Doctor.objects.exists()


def test_an_empty_form_gets_messages_written_for_the_doctor(client, alice_practice):
    data = {"started": form_data(client, alice_practice)["started"]}
    with time_machine.travel(timezone.now() + timedelta(seconds=10)):
        page = client.post(f"/p/{alice_practice.slug}/refer/", data).content.decode()
    assert "Enter your given name." in page
    assert "Enter the patient&#x27;s given name." in page
    assert "Choose what kind of doctor you are." in page
    assert "Attach the signed referral letter and plan." in page
    assert "Tick the box to confirm that the patient knows about this referral" in page
    for awkward in ("Enter the your", "Enter the the", "Choose the you are", "Choose the which"):
        assert awkward not in page
    assert "This field is required" not in page


def test_the_letter_is_kept_after_an_error_and_sent_with_the_fixed_form(client, alice_practice):
    data = form_data(client, alice_practice, patient_postcode="3000")
    url = f"/p/{alice_practice.slug}/refer/"
    with time_machine.travel(timezone.now() + timedelta(seconds=10)):
        response = client.post(url, data)
        page = response.content.decode()
        assert response.status_code == 400
        assert "We kept the letter you attached" in page
        token = re.search(r'name="held_letter" value="([^"]+)"', page).group(1)
        fixed = dict(data, patient_postcode="2088", held_letter=token)
        del fixed["letter"]
        assert client.post(url, fixed).status_code == 302
    document = ReferralDocument.objects.get()
    assert document.file.read() == testing.PDF_BYTES
    # The held copy is gone once the referral has it.
    assert default_storage.listdir(f"held-letters/{alice_practice.pk}")[1] == []


def test_a_held_letter_cannot_be_claimed_for_another_practice_or_forged(client, alice_practice):
    other = testing.make_practice("other-practice")
    data = form_data(client, alice_practice, patient_postcode="3000")
    with time_machine.travel(timezone.now() + timedelta(seconds=10)):
        page = client.post(f"/p/{alice_practice.slug}/refer/", data).content.decode()
    token = re.search(r'name="held_letter" value="([^"]+)"', page).group(1)
    retry = dict(form_data(client, other), held_letter=token)
    del retry["letter"]
    with time_machine.travel(timezone.now() + timedelta(seconds=10)):
        response = client.post(f"/p/{other.slug}/refer/", retry)
    assert response.status_code == 400
    assert "Attach the signed referral letter and plan." in response.content.decode()
    forged = dict(form_data(client, alice_practice), held_letter=token + "x")
    del forged["letter"]
    with time_machine.travel(timezone.now() + timedelta(seconds=10)):
        assert client.post(f"/p/{alice_practice.slug}/refer/", forged).status_code == 400


def test_a_rejected_letter_is_not_kept_and_the_page_says_to_attach_it_again(client, alice_practice):
    response = send(client, alice_practice, letter=SimpleUploadedFile("x.pdf", b"GIF89a"))
    page = response.content.decode()
    assert "Attach the letter again." in page
    assert "We kept the letter" not in page


def test_held_letters_older_than_two_hours_are_removed(client, alice_practice):
    data = form_data(client, alice_practice, patient_postcode="3000")
    with time_machine.travel(timezone.now() + timedelta(seconds=10)):
        page = client.post(f"/p/{alice_practice.slug}/refer/", data).content.decode()
    token = re.search(r'name="held_letter" value="([^"]+)"', page).group(1)
    assert holding.remove_expired(alice_practice) == 0
    assert holding.fetch(alice_practice, token) is not None
    later = timezone.now() + timedelta(hours=2, minutes=1)
    assert holding.remove_expired(alice_practice, now=later) == 1
    assert holding.fetch(alice_practice, token) is None
