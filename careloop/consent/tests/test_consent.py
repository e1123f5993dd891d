import re
from datetime import timedelta

import pytest
from django.utils import timezone

from careloop import testing
from careloop.consent.models import Consent, Disclosure
from careloop.consent.rules import DisclosureRefused, check_disclosure, disclose


@pytest.fixture
def referral(alice_practice):
    return testing.make_referral(alice_practice)


def consent(of, admin, **fields):
    """A consent for the client of referral `of` (by default naming that referral)."""
    fields.setdefault("scopes", ["status", "progress"])
    fields.setdefault("obtained_on", timezone.localdate())
    fields.setdefault("referral", of)
    return Consent.objects.create(
        practice=of.practice,
        client=of.client,
        method="verbal",
        recorded_by=admin,
        **fields,
    )


def test_without_consent_nothing_may_go_and_the_refusal_says_what_is_missing(referral):
    with pytest.raises(DisclosureRefused) as refused:
        check_disclosure(referral.client, referral.referring_doctor, "progress")
    message = str(refused.value)
    assert referral.client.full_name in message
    assert "progress and outcome scores" in message
    assert str(referral.referring_doctor) in message


def test_a_referral_consent_covers_its_referring_doctor_for_its_scopes_only(
    referral, admin_user, alice_practice
):
    given = consent(referral, admin_user, scopes=["status"])
    assert check_disclosure(referral.client, referral.referring_doctor, "status") == given
    with pytest.raises(DisclosureRefused):
        check_disclosure(referral.client, referral.referring_doctor, "plan")
    with pytest.raises(DisclosureRefused):  # another doctor
        check_disclosure(referral.client, testing.make_doctor(alice_practice), "status")


def test_a_named_doctor_consent_covers_that_doctor(referral, admin_user, alice_practice):
    psychiatrist = testing.make_doctor(alice_practice, doctor_type="psychiatrist")
    consent(referral, admin_user, referral=None, doctor=psychiatrist, scopes=["plan"])
    assert check_disclosure(referral.client, psychiatrist, "plan")


def test_expired_future_and_withdrawn_consents_cover_nothing(referral, admin_user):
    today = timezone.localdate()
    consent(
        referral,
        admin_user,
        obtained_on=today - timedelta(days=90),
        expires_on=today - timedelta(days=1),
    )
    with pytest.raises(DisclosureRefused):
        check_disclosure(referral.client, referral.referring_doctor, "status")
    current = consent(referral, admin_user)
    assert check_disclosure(referral.client, referral.referring_doctor, "status") == current
    current.withdrawn_at = timezone.now()
    current.save()
    with pytest.raises(DisclosureRefused):
        check_disclosure(referral.client, referral.referring_doctor, "status")


def test_every_disclosure_is_logged_under_its_consent(referral, admin_user):
    given = consent(referral, admin_user)
    disclosure = disclose(
        referral.client,
        referral.referring_doctor,
        "progress",
        description="End-of-course report",
        channel="email",
        by=admin_user,
    )
    assert (disclosure.consent, disclosure.channel, disclosure.by) == (given, "email", admin_user)
    with pytest.raises(DisclosureRefused):
        disclose(
            referral.client,
            referral.referring_doctor,
            "discharge",
            description="Discharge summary",
            channel="email",
        )
    assert Disclosure.objects.count() == 1


def test_staff_record_and_withdraw_consent_and_see_the_history(owner_client, referral):
    url = f"/clients/{referral.client.uuid}/consent/"
    response = owner_client.post(
        url,
        {
            "referral": referral.uuid,
            "scopes": ["status", "plan"],
            "method": "written",
            "obtained_on": timezone.localdate().strftime("%d/%m/%Y"),
        },
    )
    assert response.status_code == 302
    given = Consent.objects.get()
    assert given.scopes == ["status", "plan"] and given.recorded_by.email == "owner@alice.test"
    refused = owner_client.post(f"{url}{given.uuid}/withdraw/", {"reason": ""})
    assert "Say why the consent was withdrawn" in refused.content.decode()
    owner_client.post(f"{url}{given.uuid}/withdraw/", {"reason": "Client asked us to stop"})
    given.refresh_from_db()
    assert given.withdrawn_at and given.withdrawal_reason == "Client asked us to stop"
    page = owner_client.get(url).content.decode()
    assert "Withdrawn" in page and "Client asked us to stop" in page
    assert Consent.objects.count() == 1  # history kept, nothing deleted


def test_a_consent_names_exactly_one_recipient(owner_client, referral):
    response = owner_client.post(
        f"/clients/{referral.client.uuid}/consent/",
        {
            "scopes": ["status"],
            "method": "verbal",
            "obtained_on": timezone.localdate().strftime("%d/%m/%Y"),
        },
    )
    assert "Name one recipient" in response.content.decode()
    assert not Consent.objects.exists()


def test_a_client_signs_the_consent_form_at_a_link_and_a_pdf_is_kept(
    client, owner_client, referral
):
    ready = owner_client.post(
        f"/clients/{referral.client.uuid}/consent/form/",
        {"referral": referral.uuid, "scopes": ["status", "progress"]},
    )
    link = ready.context["link"]
    path = link.split("testserver", 1)[1]
    page = client.get(path).content.decode()  # no account
    assert referral.client.full_name in page and "private notes" in page
    refused = client.post(path, {"agree": "on", "signed_name": "Someone Else"})
    assert "including your family name" in refused.content.decode()
    client.post(path, {"agree": "on", "signed_name": referral.client.full_name})
    signed = Consent.objects.get()
    assert (signed.method, signed.signed_name) == ("signed_online", referral.client.full_name)
    assert signed.scopes == ["status", "progress"]
    assert check_disclosure(referral.client, referral.referring_doctor, "progress") == signed
    copy = owner_client.get(f"/clients/{referral.client.uuid}/consent/{signed.uuid}/copy/")
    assert b"".join(copy.streaming_content).startswith(b"%PDF")
    assert client.get(path).status_code == 410  # used once


def test_the_consent_link_can_be_emailed_to_the_client(
    owner_client, client, referral, django_capture_on_commit_callbacks
):
    from django.core import mail

    referral.client.email = "mia@example.com"
    referral.client.save()
    with django_capture_on_commit_callbacks(execute=True):
        ready = owner_client.post(
            f"/clients/{referral.client.uuid}/consent/form/",
            {"referral": referral.uuid, "scopes": ["status"], "email_client": "1"},
        )
    assert ready.context["emailed"]
    assert mail.outbox[0].to == ["mia@example.com"]
    # The job signs its own link to the same form, on the address staff used.
    emailed = re.search(r"http://testserver(/\S+)", mail.outbox[0].body)[1]
    assert client.get(emailed).status_code == 200
