"""No letter leaves unseen: the acknowledgement a booking sets off is drafted for a
person, sent once when a person sends it (or by itself only if the practice chose
that), never for a referral already acknowledged, and print waits for staff."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from careloop import testing
from careloop.consent.models import Consent, Disclosure
from careloop.letters import outbox
from careloop.letters.models import Delivery, Letter
from careloop.practices.models import Role
from careloop.referrals import actions as referral_actions
from careloop.referrals.models import EventKind, ReferralBasis, TriageStatus


@pytest.fixture
def referral(alice_practice, clinician, admin_user):
    """A new referral from a GP who takes e-mail, with consent to tell them its status."""
    doctor = testing.make_doctor(
        alice_practice,
        given_name="Lan",
        family_name="Nguyen",
        title="Dr",
        email="nguyen@gp.example",
        preferred_channel="email",
    )
    person = testing.make_client(alice_practice, given_name="Mia")
    referral = testing.make_referral(alice_practice, client=person, doctor=doctor)
    Consent.objects.create(
        practice=alice_practice,
        client=person,
        referral=referral,
        scopes=["status", "progress"],
        method="written",
        obtained_on=timezone.localdate() - timedelta(days=5),
        recorded_by=admin_user,
    )
    return referral


def book(web, referral, clinician, when="15/12/2026 10:00", status="booked"):
    return web.post(
        "/sessions/new/",
        {
            "client": referral.client.uuid,
            "clinician": clinician.uuid,
            "referral": referral.uuid,
            "starts_at": when,
            "duration_minutes": "50",
            "session_type": "individual",
            "modality": "in_rooms",
            "status": status,
        },
        follow=True,
    )


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def test_the_first_booking_drafts_one_acknowledgement_for_review_and_sends_nothing(
    owner_client, referral, clinician, settings, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    with django_capture_on_commit_callbacks(execute=True):
        response = book(owner_client, referral, clinician)
    letter = Letter.objects.get(kind="acknowledgement")
    assert letter.status == "draft" and "15/12/2026" in letter.sections["appointment"]
    assert not Delivery.objects.exists() and not Disclosure.objects.exists()
    assert mail.outbox == []
    [notice] = [m for m in messages_of(response) if "acknowledgement" in m]
    assert "An acknowledgement to Dr Lan Nguyen is ready to review" in notice
    assert letter.get_absolute_url() in notice
    referral.refresh_from_db()
    assert referral.acknowledged_at is None
    # Booking is the offer accepted, by the clinician who will see the client.
    assert referral.offered_at is not None and referral.assigned_clinician == clinician


def test_a_person_sends_the_draft_once_and_the_referral_counts_as_acknowledged(
    owner_client, referral, clinician, settings, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    with django_capture_on_commit_callbacks(execute=True):
        book(owner_client, referral, clinician)
    letter = Letter.objects.get(kind="acknowledgement")
    url = letter.get_absolute_url()
    owner_client.force_login(clinician)
    owner_client.post(
        url, {"action": "sign", "confirm": "1", "appointment": letter.sections["appointment"]}
    )
    with django_capture_on_commit_callbacks(execute=True):
        owner_client.post(f"{url}send/", {"channel": "email"})
    with django_capture_on_commit_callbacks(execute=True):
        again = owner_client.post(f"{url}send/", {"channel": "email"}, follow=True)
    assert len(mail.outbox) == 1 and Delivery.objects.get().status == "sent"
    assert any("already sent" in m for m in messages_of(again))
    referral.refresh_from_db()
    assert referral.acknowledged_at is not None
    assert referral.events.filter(kind=EventKind.ACKNOWLEDGED).count() == 1
    # The inbox stops asking for an acknowledgement.
    assert referral.next_due_at is None or referral.next_due_at > referral.acknowledged_at


def test_with_automatic_acknowledgements_on_it_goes_once_signed_for_the_practice(
    owner_client, referral, clinician, alice_practice, settings, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    alice_practice.send_acknowledgements_automatically = True
    alice_practice.save()
    with django_capture_on_commit_callbacks(execute=True):
        response = book(owner_client, referral, clinician)
    with django_capture_on_commit_callbacks(execute=True):
        book(owner_client, referral, clinician, when="22/12/2026 10:00")
    letter = Letter.objects.get(kind="acknowledgement")
    assert letter.status == "signed" and letter.signed_by is None
    assert len(mail.outbox) == 1 and Delivery.objects.get().status == "sent"
    assert any("is being sent by e-mail" in m for m in messages_of(response))
    referral.refresh_from_db()
    assert referral.acknowledged_at is not None
    body = owner_client.get(letter.get_absolute_url()).content.decode()
    assert clinician.full_name not in body.split("Kind regards")[1][:300]


def test_booking_the_sixth_session_of_an_acknowledged_referral_drafts_and_sends_nothing(
    owner_client, referral, clinician, settings, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    referral.client.practice.send_acknowledgements_automatically = True
    referral.client.practice.save()
    referral_actions.acknowledge(referral, by=None, method="phone")
    for days in (70, 60, 50, 40, 30):
        session = testing.make_session(
            referral.practice,
            client=referral.client,
            clinician=clinician,
            referral=referral,
            status="attended",
            starts_at=timezone.now() - timedelta(days=days),
        )
        referral_actions.session_booked(referral, session, by=None)
    referral.refresh_from_db()
    assert referral.status == TriageStatus.ACTIVE
    with django_capture_on_commit_callbacks(execute=True):
        response = book(owner_client, referral, clinician)
    assert not Letter.objects.filter(kind="acknowledgement").exists()
    assert mail.outbox == [] and not Delivery.objects.exists()
    assert not any("acknowledgement" in m for m in messages_of(response))


def test_a_referral_acknowledged_by_phone_gets_no_letter_when_it_is_first_booked(
    owner_client, referral, clinician, django_capture_on_commit_callbacks
):
    referral_actions.acknowledge(referral, by=None, method="phone", note="Told the GP's nurse.")
    with django_capture_on_commit_callbacks(execute=True):
        book(owner_client, referral, clinician)
    assert not Letter.objects.filter(kind="acknowledgement").exists()


def test_without_consent_the_draft_says_why_and_the_booking_warns(
    owner_client, referral, clinician, django_capture_on_commit_callbacks
):
    Consent.objects.all().delete()
    with django_capture_on_commit_callbacks(execute=True):
        response = book(owner_client, referral, clinician)
    letter = Letter.objects.get(kind="acknowledgement")
    assert letter.status == "draft" and "no current consent" in letter.due_reason
    [warning] = [m for m in messages_of(response) if "acknowledgement" in m]
    assert "cannot be sent yet" in warning
    assert letter in owner_client.get("/letters/").context["drafts"]


def test_print_waits_for_staff_and_is_disclosed_only_when_they_confirm(
    owner_client, referral, clinician, django_capture_on_commit_callbacks
):
    referral.referring_doctor.preferred_channel = "print"
    referral.referring_doctor.save()
    referral.client.practice.send_acknowledgements_automatically = True
    referral.client.practice.save()
    with django_capture_on_commit_callbacks(execute=True):
        response = book(owner_client, referral, clinician)
    assert any("ready to print or fax" in m for m in messages_of(response))
    delivery = Delivery.objects.get()
    outbox.process_due()  # the scheduled job must not mark it sent either
    delivery.refresh_from_db()
    assert delivery.status == "to_print" and delivery.sent_at is None
    assert not Disclosure.objects.exists()
    referral.refresh_from_db()
    assert referral.acknowledged_at is None
    assert delivery in owner_client.get("/letters/").context["stuck"]

    url = f"{delivery.letter.get_absolute_url()}deliveries/{delivery.uuid}/printed/"
    owner_client.post(url)
    owner_client.post(url)  # a double click records it once
    delivery.refresh_from_db()
    assert delivery.status == "sent" and delivery.sent_at is not None
    assert Disclosure.objects.get().channel == "print"
    referral.refresh_from_db()
    assert referral.acknowledged_at is not None


def test_another_practice_cannot_confirm_a_print(
    client, bob_owner, referral, clinician, django_capture_on_commit_callbacks
):
    referral.referring_doctor.preferred_channel = "print"
    referral.referring_doctor.save()
    referral.client.practice.send_acknowledgements_automatically = True
    referral.client.practice.save()
    client.force_login(clinician)
    with django_capture_on_commit_callbacks(execute=True):
        book(client, referral, clinician)
    delivery = Delivery.objects.get()
    client.force_login(bob_owner)
    url = f"{delivery.letter.get_absolute_url()}deliveries/{delivery.uuid}/printed/"
    assert client.post(url).status_code == 404
    delivery.refresh_from_db()
    assert delivery.status == "to_print"


def test_the_client_page_lists_the_clients_letters_and_their_status(
    owner_client, referral, clinician, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        book(owner_client, referral, clinician)
    page = owner_client.get(referral.client.get_absolute_url()).content.decode()
    assert "Acknowledgement of referral" in page and "Draft" in page


def test_a_letter_without_consent_links_straight_to_the_consent_form(
    owner_client, referral, clinician, django_capture_on_commit_callbacks
):
    Consent.objects.all().delete()
    with django_capture_on_commit_callbacks(execute=True):
        book(owner_client, referral, clinician)
    letter = Letter.objects.get(kind="acknowledgement")
    page = owner_client.get(letter.get_absolute_url()).content.decode()
    assert "Record the client" in page
    assert f"/clients/{referral.client.uuid}/consent/" in page


def test_the_booking_panel_says_rebatable_only_once_an_incomplete_referral_is_complete(
    owner_client, referral
):
    psychologist = testing.make_user(
        referral.practice, Role.CLINICIAN, profession="psychologist", email="psy@alice.test"
    )
    query = {
        "client": referral.client.uuid,
        "clinician": psychologist.uuid,
        "referral": referral.uuid,
        "starts_at": "15/12/2026 10:00",
        "duration_minutes": "50",
        "session_type": "individual",
        "modality": "in_rooms",
    }
    person = referral.client
    person.street, person.suburb, person.postcode = "1 Miller St", "Cammeray", "2062"
    person.save()
    referral.reason, referral.medications, referral.letter_signed = "Low mood", "Nil", True
    referral.basis = ReferralBasis.MHTP
    referral.save()
    complete = owner_client.get("/sessions/new/medicare/", query).content.decode()
    assert "Medicare-rebatable" in complete
    assert "Rebatable once the referral is complete" not in complete
    referral.medications = ""
    referral.save()
    incomplete = owner_client.get("/sessions/new/medicare/", query).content.decode()
    assert "Rebatable once the referral is complete" in incomplete
    assert "current medications" in incomplete
