"""Outreach letters and e-mails: wording, sending once, skipping who must be skipped."""

import uuid
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from careloop import testing
from careloop.audit.actions import COMMAND
from careloop.letters.tests.test_letters import smtp  # noqa: F401 - the SMTP sink fixture
from careloop.outreach import messages
from careloop.outreach.models import (
    Activity,
    DoctorPreference,
    OutreachMessage,
    OutreachTemplate,
    TemplateKind,
)


def email_doctors(practice, n):
    return [
        testing.make_doctor(
            practice,
            given_name=f"Gp{i}",
            family_name=f"Doctor{i}",
            email=f"gp{i}@clinic.example",
            preferred_channel="email",
        )
        for i in range(n)
    ]


def test_every_default_uses_only_known_placeholders():
    for kind, wording in messages.DEFAULTS.items():
        assert messages.unknown_placeholders(wording.subject + wording.body) == [], kind
    assert set(messages.DEFAULTS) == set(messages.EDITABLE_KINDS)
    assert TemplateKind.YEARLY_SUMMARY not in messages.EDITABLE_KINDS


def test_it_fills_the_practice_s_own_wording(alice_practice, owner):
    OutreachTemplate.objects.create(
        practice=alice_practice,
        kind=TemplateKind.OPENINGS_UPDATE,
        subject="Openings at {practice_name}",
        body="Hello {doctor_salutation}, {openings}. {unknown}",
    )
    doctor = testing.make_doctor(alice_practice, family_name="Chen")
    filled = messages.fill(
        messages.wording_for(alice_practice, TemplateKind.OPENINGS_UPDATE),
        messages.practice_values(alice_practice, owner),
        doctor,
    )
    assert filled.subject == "Openings at Alice Street Psychology"
    assert filled.body.startswith("Hello Dr Chen, ")
    assert "{unknown}" in filled.body  # left visible rather than crashing


def test_an_introduction_to_30_doctors_goes_once_each_even_when_smtp_is_down_at_first(
    alice_practice,
    owner,
    smtp,  # noqa: F811
    django_capture_on_commit_callbacks,
):
    sink, controller = smtp
    doctors = email_doctors(alice_practice, 30)
    blocked = doctors[:2]
    for doctor in blocked:
        DoctorPreference.objects.create(practice=alice_practice, doctor=doctor, do_not_contact=True)
    batch = str(uuid.uuid4())
    # The mail server is down for the first attempt.
    with django_capture_on_commit_callbacks(execute=True):
        result = messages.send_to_doctors(
            alice_practice,
            TemplateKind.INTRODUCTION,
            doctors,
            batch_key=batch,
            by=owner,
            via=COMMAND,
        )
    assert len(result.queued) == 28
    assert [(d.display_name, why) for d, why in result.skipped] == [
        ("Dr Gp0 Doctor0", "do not contact"),
        ("Dr Gp1 Doctor1", "do not contact"),
    ]
    assert OutreachMessage.objects.filter(sent_at__isnull=True).count() == 28
    assert all(m.last_error for m in OutreachMessage.objects.all())
    assert not Activity.objects.exists()
    # The person presses Send again (same form, same batch): nothing new is queued.
    with django_capture_on_commit_callbacks(execute=True):
        again = messages.send_to_doctors(
            alice_practice,
            TemplateKind.INTRODUCTION,
            doctors,
            batch_key=batch,
            by=owner,
            via=COMMAND,
        )
    assert again.queued == [] and len(again.already) == 28
    # The server is back: the retry sends each once, and a second retry sends nothing.
    controller.start()
    later = timezone.now() + timedelta(minutes=10)
    assert messages.retry_unsent(alice_practice, now=later) == 28
    assert messages.retry_unsent(alice_practice, now=later) == 0
    assert len(sink.messages) == 28
    recipients = sorted(m.rcpt_tos[0] for m in sink.messages)
    assert recipients == sorted(f"gp{i}@clinic.example" for i in range(2, 30))
    assert Activity.objects.filter(kind="email").count() == 28
    assert b"Introducing Alice Street Psychology" in sink.messages[0].content


def test_the_frequency_cap_and_the_doctor_s_own_pace(alice_practice, owner, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    capped, slow, fine = email_doctors(alice_practice, 3)
    DoctorPreference.objects.create(practice=alice_practice, doctor=slow, update_every_days=60)
    earlier = OutreachMessage.objects.create(
        practice=alice_practice,
        kind=TemplateKind.OPENINGS_UPDATE,
        doctor=capped,
        batch_key="old",
        subject="s",
        body="b",
        channel="email",
    )
    OutreachMessage.objects.filter(pk=earlier.pk).update(
        queued_at=timezone.now() - timedelta(days=3)
    )
    old = OutreachMessage.objects.create(
        practice=alice_practice,
        kind=TemplateKind.OPENINGS_UPDATE,
        doctor=slow,
        batch_key="old",
        subject="s",
        body="b",
        channel="email",
    )
    OutreachMessage.objects.filter(pk=old.pk).update(queued_at=timezone.now() - timedelta(days=30))
    result = messages.send_to_doctors(
        alice_practice,
        TemplateKind.LUNCH_AND_LEARN,
        [capped, slow, fine],
        batch_key="new",
        by=owner,
        via=COMMAND,
    )
    reasons = {d.pk: why for d, why in result.skipped}
    assert "at most one message every 14 days" in reasons[capped.pk]
    assert "every 60 days" in reasons[slow.pk]
    assert [m.doctor for m in result.queued] == [fine]


def test_a_doctor_without_e_mail_gets_a_printed_letter_logged_as_sent(alice_practice, owner):
    doctor = testing.make_doctor(alice_practice, preferred_channel="hl7")
    result = messages.send_to_doctors(
        alice_practice, TemplateKind.INTRODUCTION, [doctor], batch_key="b", by=owner, via=COMMAND
    )
    message = result.queued[0]
    message.refresh_from_db()
    assert message.channel == "print" and message.sent_at is not None
    assert Activity.objects.get().kind == "letter"
    assert len(mail.outbox) == 0


def test_the_send_page_sends_once_per_form_and_names_who_was_skipped(
    owner_client, alice_practice, settings, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    doctors = email_doctors(alice_practice, 3)
    DoctorPreference.objects.create(practice=alice_practice, doctor=doctors[0], do_not_contact=True)
    page = owner_client.get("/outreach/send/", {"doctor": [str(d.uuid) for d in doctors]})
    batch = page.context["form"]["batch"].value()
    data = {"doctor": [str(d.uuid) for d in doctors], "kind": "introduction", "batch": batch}
    with django_capture_on_commit_callbacks(execute=True):
        first = owner_client.post("/outreach/send/", data).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        owner_client.post("/outreach/send/", data)
    assert len(mail.outbox) == 2
    assert "Dr Gp0 Doctor0: do not contact" in first


def test_another_practice_s_doctors_are_not_written_to(client, alice_practice, bob_owner, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    doctors = email_doctors(alice_practice, 2)
    client.force_login(bob_owner)
    client.post(
        "/outreach/send/",
        {
            "doctor": [str(d.uuid) for d in doctors],
            "kind": "introduction",
            "batch": str(uuid.uuid4()),
        },
    )
    assert not OutreachMessage.objects.exists() and len(mail.outbox) == 0


def test_editing_a_template_refuses_unknown_placeholders(owner_client, alice_practice):
    response = owner_client.post(
        "/outreach/templates/introduction/",
        {"subject": "Hello {doctr_name}", "body": "Text"},
    )
    assert "Careloop does not know {doctr_name}" in response.content.decode()
    assert not OutreachTemplate.objects.exists()
    owner_client.post(
        "/outreach/templates/introduction/", {"subject": "Hi {doctor_name}", "body": "Text"}
    )
    assert OutreachTemplate.objects.get().subject == "Hi {doctor_name}"
    owner_client.post("/outreach/templates/introduction/", {"reset": "1"})
    assert not OutreachTemplate.objects.exists()
    assert owner_client.get("/outreach/templates/nonsense/").status_code == 404


@pytest.mark.parametrize("url", ["/outreach/templates/", "/outreach/leave-behind/"])
def test_pages_open(owner_client, url):
    assert owner_client.get(url).status_code == 200


def test_printed_letters_of_a_send_are_one_page_each_and_only_for_their_practice(
    owner_client, client, alice_practice, bob_owner
):
    clinic = testing.make_medical_practice(alice_practice, name="Bay GP", street="1 Bay St")
    doctor = testing.make_doctor(alice_practice, [clinic], family_name="Post")
    batch = str(uuid.uuid4())
    page = owner_client.post(
        "/outreach/send/",
        {"doctor": [str(doctor.uuid)], "kind": "introduction", "batch": batch},
    ).content.decode()
    assert f"/outreach/send/{batch}/letters/" in page
    letters = owner_client.get(f"/outreach/send/{batch}/letters/").content.decode()
    assert "Dear Dr Post" in letters and "1 Bay St" in letters
    client.force_login(bob_owner)
    assert client.get(f"/outreach/send/{batch}/letters/").status_code == 404
