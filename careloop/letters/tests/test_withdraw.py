"""A signed letter that has not gone can be withdrawn to amend, by someone who may sign
it; the signed version is kept and shown. A letter sent or waiting to print cannot."""

from datetime import timedelta

import pytest
from django.utils import timezone

from careloop import testing
from careloop.audit.actions import COMMAND
from careloop.audit.models import AuditEvent
from careloop.consent.models import Consent
from careloop.letters import actions as letter_actions
from careloop.letters import outbox
from careloop.letters.models import Letter, LetterVersion

SECTIONS = {
    "assessments": "K10 at intake and review.",
    "treatment": "Six sessions of CBT for low mood.",
    "outcomes": "Distress fell from high to low.",
    "recommendations": "Review in three months.",
}


@pytest.fixture
def signed(alice_practice, clinician, admin_user):
    doctor = testing.make_doctor(
        alice_practice, family_name="Nguyen", email="gp@bay.example", preferred_channel="email"
    )
    person = testing.make_client(alice_practice)
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
    letter = letter_actions.draft(
        "end_of_course", client=person, doctor=doctor, referral=referral, author=clinician
    )
    letter_actions.update_sections(letter, SECTIONS)
    return letter_actions.sign(letter, by=clinician)


def test_it_withdraws_a_signed_letter_to_a_draft_and_keeps_the_signed_version(
    client, signed, clinician
):
    client.force_login(clinician)
    url = signed.get_absolute_url()
    page = client.get(url).content.decode()
    assert "Withdraw to amend" in page
    response = client.post(f"{url}withdraw/", {"reason": "Wrong session count"}, follow=True)
    assert "it is a draft again" in response.content.decode()
    signed.refresh_from_db()
    assert (signed.status, signed.signed_by, signed.signed_at) == ("draft", None, None)
    version = LetterVersion.objects.get(letter=signed)
    assert version.sections == signed.sections
    assert (version.signed_by, version.withdrawn_by, version.reason) == (
        clinician,
        clinician,
        "Wrong session count",
    )
    # The page shows the history, with what was signed.
    page = response.content.decode()
    assert "History" in page and "Wrong session count" in page
    assert "Six sessions of CBT for low mood." in page
    audited = AuditEvent.objects.get(object_uuid=signed.uuid, changed_fields=["withdrawn to amend"])
    assert audited.actor == clinician

    # Amended and signed again, it can be sent.
    client.post(url, {"action": "sign", "confirm": "1", **SECTIONS, "outcomes": "Much better."})
    signed.refresh_from_db()
    assert signed.status == "signed" and signed.sections["outcomes"] == "Much better."
    assert version.sections["outcomes"] == "Distress fell from high to low."


@pytest.mark.parametrize(
    ("channel", "expected"), [("print", "waiting to be printed"), ("email", "on its way")]
)
def test_a_letter_on_its_way_or_waiting_to_print_cannot_be_withdrawn(
    client, signed, clinician, channel, expected, settings
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    outbox.queue(signed, channel, by=clinician)
    client.force_login(clinician)
    url = signed.get_absolute_url()
    assert (
        'action="/letters/' + str(signed.uuid) + '/withdraw/"'
        not in client.get(url).content.decode()
    )
    response = client.post(f"{url}withdraw/", {"reason": "Typo"}, follow=True)
    assert expected in response.content.decode()
    signed.refresh_from_db()
    assert signed.status == "signed" and not LetterVersion.objects.exists()


def test_a_sent_letter_cannot_be_withdrawn(signed, clinician, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    delivery = outbox.queue(signed, "print", by=clinician)
    outbox.confirm_printed(delivery, by=clinician, via=COMMAND)
    with pytest.raises(letter_actions.LetterError, match="already been sent to"):
        letter_actions.withdraw_to_amend(signed, reason="Typo", by=clinician)


def test_only_someone_who_may_sign_it_can_withdraw_it(client, signed, admin_user):
    client.force_login(admin_user)
    url = signed.get_absolute_url()
    assert "Withdraw to amend" not in client.get(url).content.decode()
    response = client.post(f"{url}withdraw/", {"reason": "Typo"}, follow=True)
    assert "Only a clinician can sign" in response.content.decode()
    assert Letter.objects.get().status == "signed"


def test_withdrawing_needs_a_reason(client, signed, clinician):
    client.force_login(clinician)
    response = client.post(f"{signed.get_absolute_url()}withdraw/", {"reason": " "})
    assert response.status_code == 400
    assert "Say what needs amending" in response.content.decode()
    assert Letter.objects.get().status == "signed"


def test_a_withdrawn_letter_is_not_queued_with_its_old_signature(signed, clinician):
    stale = Letter.objects.get(pk=signed.pk)
    letter_actions.withdraw_to_amend(signed, reason="Typo", by=clinician)
    # `stale` still says "signed", as a page loaded before the withdrawal would.
    with pytest.raises(ValueError, match="withdrawn to amend"):
        outbox.queue(stale, "print", by=clinician)
    assert not stale.deliveries.exists()


def test_another_practice_cannot_withdraw_it(client, signed, bob_owner):
    client.force_login(bob_owner)
    response = client.post(f"{signed.get_absolute_url()}withdraw/", {"reason": "Typo"})
    assert response.status_code == 404
