"""The loop closes itself: what the inbox and the referral page ask for follows what
happened, by any channel."""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from careloop import testing
from careloop.consent.models import Consent
from careloop.letters.models import Letter
from careloop.referrals import actions
from careloop.referrals.models import ContactOutcome


def inbox_step(owner_client, referral) -> str:
    rows = owner_client.get("/referrals/").context["object_list"]
    [row] = [r for r in rows if r.pk == referral.pk]
    return row.next_step.label if row.next_step else ""


@pytest.fixture
def referral(alice_practice, admin_user):
    referral = testing.make_referral(alice_practice)
    actions.acknowledge(referral, by=admin_user, method="phone")
    actions.record_contact_attempt(
        referral, by=admin_user, method="phone", outcome=ContactOutcome.REACHED
    )
    return referral


def test_the_inbox_says_first_session_for_a_session_still_ahead_as_the_page_does(
    owner_client, referral, clinician
):
    session = testing.make_session(
        referral.practice,
        client=referral.client,
        clinician=clinician,
        referral=referral,
        status="booked",
        starts_at=timezone.now() + timedelta(days=4),
    )
    actions.session_booked(referral, session, by=None)
    Consent.objects.create(
        practice=referral.practice,
        client=referral.client,
        referral=referral,
        scopes=["status"],
        method="verbal",
        obtained_on=timezone.localdate(),
        recorded_by=clinician,
    )
    assert inbox_step(owner_client, referral) == "First session"
    page = owner_client.get(referral.get_absolute_url())
    assert page.context["next_steps"][0].label == "First session"


def test_without_consent_the_next_steps_ask_for_it_with_a_link(owner_client, referral):
    assert inbox_step(owner_client, referral) == (
        "Record the client's consent to write to the doctor"
    )
    page = owner_client.get(referral.get_absolute_url()).content.decode()
    assert f"/clients/{referral.client.uuid}/consent/" in page


def test_a_voicemail_is_an_attempt_not_contact(alice_practice, admin_user):
    referral = testing.make_referral(alice_practice)
    actions.record_contact_attempt(
        referral, by=admin_user, method="phone", outcome=ContactOutcome.LEFT_MESSAGE
    )
    referral.refresh_from_db()
    assert referral.first_contacted_at is None and referral.status == "contacting"


def test_a_phone_acknowledgement_withdraws_a_draft_waiting_for_review(
    owner_client, alice_practice, clinician, django_capture_on_commit_callbacks
):
    referral = testing.make_referral(alice_practice)
    letter = Letter.objects.create(
        practice=alice_practice,
        client=referral.client,
        referral=referral,
        doctor=referral.referring_doctor,
        kind="acknowledgement",
    )
    with django_capture_on_commit_callbacks(execute=True):
        owner_client.post(
            f"/referrals/{referral.uuid}/acknowledge/", {"method": "phone", "note": "Nurse"}
        )
    letter.refresh_from_db()
    assert letter.status == "cancelled"
    assert letter not in owner_client.get("/letters/").context["drafts"]


def test_one_click_records_the_signature_seen_on_the_attached_letter(owner_client, alice_practice):
    referral = testing.make_referral(alice_practice, letter_signed=False)
    testing.make_document(referral)
    page = owner_client.get(referral.get_absolute_url()).content.decode()
    assert "Signature seen on the attached letter" in page
    assert "signed and dated by you" not in page  # doctor's words stay in the e-mail
    owner_client.post(f"/referrals/{referral.uuid}/signature-seen/")
    referral.refresh_from_db()
    assert referral.letter_signed
    codes = [i.code for i in owner_client.get(referral.get_absolute_url()).context["missing"]]
    assert "signature" not in codes


@pytest.mark.parametrize(
    ("dated", "born", "problem"),
    [
        (date(2026, 12, 25), date(1990, 1, 1), "in the future"),
        (date(1989, 5, 1), date(1990, 1, 1), "before the client was born"),
        (date(2026, 11, 1), date(1990, 1, 1), None),
    ],
)
def test_a_referral_dated_in_the_future_or_before_birth_is_refused(dated, born, problem):
    from careloop.referrals.validity import referral_date_problem

    found = referral_date_problem(dated, born, date(2026, 11, 29))
    assert (found is None) if problem is None else (problem in found)


def test_the_staff_form_refuses_an_impossible_referral_date(owner_client, alice_practice):
    person = testing.make_client(alice_practice, date_of_birth=date(1990, 1, 1))
    doctor = testing.make_doctor(alice_practice)
    response = owner_client.post(
        "/referrals/new/",
        {
            "client": person.uuid,
            "referring_doctor": doctor.uuid,
            "referral_date": "01/05/1989",
            "basis": "mhtp",
            "sessions_referred": "6",
            "reason": "Low mood",
            "medications": "Nil",
            "urgency": "routine",
        },
    )
    assert response.status_code == 400
    assert "before the client was born" in response.content.decode()
