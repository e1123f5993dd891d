"""The outbox under faults: nothing lost, nothing doubled without saying so.

A sender killed mid-send, a mail server that answers after the client gave up, a busy
SQLite database, two runs drafting at once, a name with a line break, and a download
after consent was withdrawn. `make chaos` runs the same faults against real processes.
"""

import asyncio
import threading
from datetime import timedelta
from email import message_from_bytes, policy

import pytest
from aiosmtpd.controller import Controller
from django.core import mail
from django.db import OperationalError, connection, connections, transaction
from django.utils import timezone

from careloop import testing
from careloop.audit.models import AuditEvent
from careloop.consent.models import Disclosure
from careloop.letters import actions as letter_actions
from careloop.letters import channels, outbox
from careloop.letters.models import Delivery, Letter
from careloop.letters.tests.test_letters import (  # noqa: F401 (fixtures)
    SmtpSink,
    course,
    free_port,
    signed_report,
    smtp,
)
from careloop.practices.models import Practice

LOCMEM = "django.core.mail.backends.locmem.EmailBackend"


def message_id(delivery) -> str:
    return f"<letter-{delivery.uuid}@careloop>"


def test_a_claim_whose_sender_died_is_taken_back_and_sent_with_the_same_message_id(
    course,  # noqa: F811
    settings,
    owner_client,
):
    settings.EMAIL_BACKEND = LOCMEM
    letter = signed_report(course)
    delivery = outbox.queue(letter, "email")
    # A worker claimed it and was killed mid-send: the claim stays, nothing was sent.
    Delivery.objects.filter(pk=delivery.pk).update(status="sending", claimed_at=timezone.now())
    assert outbox.process_due() == 0  # the lease still runs: no one else touches it
    assert mail.outbox == []

    Delivery.objects.filter(pk=delivery.pk).update(
        claimed_at=timezone.now() - outbox.LEASE - timedelta(seconds=1)
    )
    # While it is stuck, staff see it among the letters not yet delivered.
    assert list(owner_client.get("/letters/").context["stuck"]) == [delivery]
    assert outbox.process_due() == 1
    delivery.refresh_from_db()
    assert (delivery.status, delivery.duplicate_possible, delivery.claimed_at) == (
        "sent",
        True,
        None,
    )
    [message] = mail.outbox
    assert message.extra_headers["Message-ID"] == message_id(delivery)
    assert Disclosure.objects.count() == 1
    page = owner_client.get(letter.get_absolute_url()).content.decode()
    assert "A copy may already have reached the doctor" in page
    assert outbox.process_due(timezone.now() + timedelta(days=1)) == 0  # once is enough


def test_a_claim_from_before_leases_is_taken_back_too(course, settings):  # noqa: F811
    settings.EMAIL_BACKEND = LOCMEM
    delivery = outbox.queue(signed_report(course), "email")
    Delivery.objects.filter(pk=delivery.pk).update(status="sending", claimed_at=None)
    assert outbox.process_due() == 1 and len(mail.outbox) == 1


def test_a_stale_claim_on_a_printed_letter_waits_for_staff_again_unflagged(
    course,  # noqa: F811
):
    delivery = outbox.queue(signed_report(course), "print")
    Delivery.objects.filter(pk=delivery.pk).update(status="sending", claimed_at=None)
    assert outbox.process_due() == 0
    delivery.refresh_from_db()
    assert (delivery.status, delivery.duplicate_possible) == ("to_print", False)
    assert not Disclosure.objects.exists()


class SlowSink(SmtpSink):
    """Takes the message, then answers only after `delay` seconds."""

    delay = 0.0

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's name
        self.messages.append(envelope)
        await asyncio.sleep(self.delay)
        return "250 OK"


def test_a_server_that_answers_too_late_gets_the_retry_flagged_with_the_same_message_id(
    course,  # noqa: F811
    settings,
):
    port = free_port()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_TIMEOUT = 0.5
    sink = SlowSink()
    sink.delay = 1.5
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        delivery = outbox.queue(signed_report(course), "email")
        assert outbox.process_due() == 0
        delivery.refresh_from_db()
        assert delivery.status == "queued" and delivery.duplicate_possible
        assert "did not answer in time" in delivery.last_error
        assert not Disclosure.objects.exists()  # not known to have gone: not logged
        sink.delay = 0
        assert outbox.process_due(timezone.now() + timedelta(minutes=10)) == 1
    finally:
        controller.stop()
    delivery.refresh_from_db()
    assert delivery.status == "sent" and delivery.duplicate_possible
    received = [message_from_bytes(m.content)["Message-ID"] for m in sink.messages]
    assert received == [message_id(delivery)] * 2
    assert Disclosure.objects.count() == 1


def test_a_server_that_is_down_got_nothing_so_no_duplicate_is_flagged(
    course,  # noqa: F811
    smtp,  # noqa: F811
):
    delivery = outbox.queue(signed_report(course), "email")  # the server is not started
    assert outbox.process_due() == 0
    delivery.refresh_from_db()
    assert delivery.status == "queued" and not delivery.duplicate_possible


@pytest.mark.django_db(transaction=True)
def test_nothing_holds_a_transaction_while_a_channel_sends(
    course,  # noqa: F811
    monkeypatch,
):
    """On SQLite a write transaction locks the whole database: while the channel talks
    to the mail server, sign-ins and public forms on other connections must write."""
    practice = course["client"].practice
    seen = {}

    def other_worker_writes():
        try:
            with transaction.atomic():  # BEGIN IMMEDIATE on SQLite
                Practice.objects.filter(pk=practice.pk).update(name="Written meanwhile")
            seen["other connection"] = "wrote"
        except OperationalError as error:
            seen["other connection"] = str(error)
        finally:
            connections.close_all()

    def slow_channel(delivery):
        seen["in a transaction"] = connection.in_atomic_block
        writer = threading.Thread(target=other_worker_writes)
        writer.start()
        writer.join(timeout=60)
        return ""

    class SlowEmail:
        def send(self, delivery):
            return slow_channel(delivery)

    monkeypatch.setitem(channels.TRANSPORTS, "email", SlowEmail())
    letter = signed_report(course)
    delivery = outbox.queue(letter, "email")  # autocommit: its job runs at once
    assert seen == {"in a transaction": False, "other connection": "wrote"}
    delivery.refresh_from_db()
    assert delivery.status == "sent" and not delivery.duplicate_possible
    assert Practice.objects.get(pk=practice.pk).name == "Written meanwhile"


def test_a_worker_that_cannot_claim_on_a_locked_database_skips_and_retries_later(
    course,  # noqa: F811
    settings,
    monkeypatch,
):
    settings.EMAIL_BACKEND = LOCMEM
    delivery = outbox.queue(signed_report(course), "email")
    real_claim = outbox._claim

    def locked(pk, now):
        raise OperationalError("database is locked")

    monkeypatch.setattr(outbox, "_claim", locked)
    assert outbox.process_due() == 0  # no crash
    delivery.refresh_from_db()
    assert delivery.status == "queued"
    monkeypatch.setattr(outbox, "_claim", real_claim)
    assert outbox.process_due() == 1 and len(mail.outbox) == 1


def test_two_runs_at_once_draft_a_due_report_once(course, monkeypatch):  # noqa: F811
    practice = course["client"].practice
    real_draft = letter_actions.draft

    def another_run_drafts_it_first(kind, **fields):
        real_draft(kind, **fields)
        return real_draft(kind, **fields)

    monkeypatch.setattr(letter_actions, "draft", another_run_drafts_it_first)
    assert letter_actions.create_due_drafts(practice) == []  # the other run's draft stands
    monkeypatch.undo()
    [letter] = Letter.objects.filter(referral=course["referral"], kind="end_of_course")
    # A cancelled letter makes room for a new one.
    letter.status = "cancelled"
    letter.save()
    assert len(letter_actions.create_due_drafts(practice)) == 1


def test_staff_drafting_a_second_report_for_a_referral_are_told_it_exists(
    course,  # noqa: F811
    owner_client,
):
    letter_actions.create_due_drafts(course["client"].practice)
    url = f"/referrals/{course['referral'].uuid}/letters/new/"
    response = owner_client.post(url, {"kind": "end_of_course"}, follow=True)
    assert "This referral already has its end-of-course report" in response.content.decode()
    assert Letter.objects.filter(kind="end_of_course").count() == 1


def test_a_line_break_stored_in_a_name_does_not_block_e_mail_letters(
    course,  # noqa: F811
    smtp,  # noqa: F811
):
    sink, controller = smtp
    controller.start()
    person = course["client"]
    # Stored before names were checked at input (or by a channel that missed it).
    person.family_name = "\r\nBcc: x@y.example"
    person.save()
    delivery = outbox.queue(signed_report(course), "email")
    assert outbox.process_due() == 1
    delivery.refresh_from_db()
    assert delivery.status == "sent"
    [received] = sink.messages
    assert received.rcpt_tos == ["gp@bay.example"]
    parsed = message_from_bytes(received.content, policy=policy.default)  # unfolds headers
    assert parsed["Bcc"] is None
    assert "\n" not in parsed["Subject"] and parsed["Subject"].startswith(
        "End-of-course report: M.B."
    )


@pytest.fixture
def link_letter(course, settings, django_capture_on_commit_callbacks):  # noqa: F811
    settings.EMAIL_BACKEND = LOCMEM
    practice = course["client"].practice
    practice.letters_by_link = True
    practice.save()
    letter = signed_report(course)
    with django_capture_on_commit_callbacks(execute=True):
        outbox.queue(letter, "email")
    link = next(line for line in mail.outbox[0].body.splitlines() if "/d/" in line)
    return letter, link.split("127.0.0.1:8000", 1)[1]


def test_each_download_is_logged_as_a_disclosure_and_audited(client, link_letter):
    letter, path = link_letter
    before = Disclosure.objects.count()
    for _ in range(2):
        assert client.get(path, REMOTE_ADDR="203.0.113.9").content.startswith(b"%PDF")
    downloads = Disclosure.objects.filter(channel="doctor's link")
    assert Disclosure.objects.count() == before + 2 and downloads.count() == 2
    assert downloads.first().doctor == letter.doctor
    audited = AuditEvent.objects.filter(object_uuid=letter.uuid, channel="doctor's link")
    assert audited.count() == 2
    assert {event.ip_address for event in audited} == {"203.0.113.9"}


def test_a_download_link_stops_working_when_consent_is_withdrawn(
    client,
    link_letter,
    course,  # noqa: F811
):
    letter, path = link_letter
    course["consent"].withdrawn_at = timezone.now()
    course["consent"].save()
    before = Disclosure.objects.count()
    response = client.get(path)
    assert response.status_code == 403
    assert not response.content.startswith(b"%PDF")
    assert "no longer available" in response.content.decode()
    assert Disclosure.objects.count() == before


def test_the_clarification_e_mail_subject_survives_a_line_break_in_a_name(
    alice_practice, owner, django_capture_on_commit_callbacks
):
    from careloop.referrals.actions import request_clarification

    doctor = testing.make_doctor(alice_practice, email="gp@bay.example")
    person = testing.make_client(alice_practice, family_name="Nguyen\r\nBcc: x@y.example")
    referral = testing.make_referral(alice_practice, client=person, doctor=doctor)
    with django_capture_on_commit_callbacks(execute=True):
        request_clarification(referral, by=owner)
    [message] = mail.outbox
    assert "\n" not in message.subject and "Nguyen Bcc: x@y.example" in message.subject
    assert message.message()["Bcc"] is None  # builds, with no header smuggled in
    assert message.recipients() == ["gp@bay.example"]
