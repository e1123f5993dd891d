"""Sending the yearly summaries through outreach's messages: once per form, totals only,
do-not-contact and small counts left out, owners only."""

import uuid
from datetime import timedelta

import pytest
import time_machine
from django.core import mail

from careloop import testing
from careloop.audit.models import AuditEvent
from careloop.insights import facts
from careloop.outreach.models import Activity, DoctorPreference, OutreachMessage, TemplateKind
from careloop.practices.models import Role

from . import history

pytestmark = pytest.mark.django_db


@pytest.fixture
def doctors(alice_practice, owner, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    with time_machine.travel(history.NOW, tick=False):

        def doctor_with(count):
            return history.scores(
                alice_practice, owner, testing.make_medical_practice(alice_practice), count
            )

        by_email, by_post, blocked, tiny = (doctor_with(n) for n in (5, 6, 5, 4))
        by_email.email, by_email.preferred_channel = "gp@clinic.example", "email"
        by_email.save()
        DoctorPreference.objects.create(
            practice=alice_practice, doctor=blocked, do_not_contact=True
        )
        facts.refresh(alice_practice)
        yield {"email": by_email, "post": by_post, "blocked": blocked, "tiny": tiny}


def post(client, batch, capture):
    with time_machine.travel(history.NOW, tick=False), capture(execute=True):
        return client.post("/insights/doctors/", {"batch": batch})


def test_one_message_per_eligible_doctor_and_e_mail_once_even_when_re_posted(
    doctors, owner_client, django_capture_on_commit_callbacks
):
    with time_machine.travel(history.NOW, tick=False):
        page = owner_client.get("/insights/doctors/")
    assert "Send the yearly summaries" in page.content.decode()
    batch = page.context["form"]["batch"].value()
    first = post(owner_client, batch, django_capture_on_commit_callbacks).content.decode()
    again = post(owner_client, batch, django_capture_on_commit_callbacks).content.decode()

    sent = {m.doctor: m for m in OutreachMessage.objects.all()}
    assert set(sent) == {doctors["email"], doctors["post"]}
    assert {m.kind for m in sent.values()} == {TemplateKind.YEARLY_SUMMARY}
    assert (sent[doctors["email"]].channel, sent[doctors["post"]].channel) == ("email", "print")
    assert "We saw 6 of your patients" in sent[doctors["post"]].body
    assert len(mail.outbox) == 1
    email = mail.outbox[0]
    assert email.to == ["gp@clinic.example"]
    assert email.subject.endswith(": the year in summary")
    assert "We saw 5 of your patients in the last 12 months." in email.body
    assert "100% improved" in email.body
    # Both went (the printed one onto the print sheet), each logged as an outreach activity.
    assert all(m.sent_at for m in sent.values()) and Activity.objects.count() == 2
    assert "2 yearly summaries on the way" in first
    assert "0 yearly summaries on the way; 2 already sent with this form" in again
    assert f"/outreach/send/{batch}/letters/" in first
    sheet = owner_client.get(f"/outreach/send/{batch}/letters/").content.decode()
    assert "We saw 6 of your patients" in sheet and "We saw 5" not in sheet
    # Audited with the acting owner.
    events = AuditEvent.objects.filter(object_type="outreach message", action="create")
    assert events.count() == 2 and {e.actor for e in events} == {page.wsgi_request.user}


def test_four_patients_get_no_letter_and_do_not_contact_is_named(
    doctors, owner_client, django_capture_on_commit_callbacks
):
    page = post(owner_client, str(uuid.uuid4()), django_capture_on_commit_callbacks)
    text = page.content.decode()
    written = set(OutreachMessage.objects.values_list("doctor_id", flat=True))
    assert doctors["tiny"].pk not in written and doctors["blocked"].pk not in written
    skipped = dict(page.context["result"].skipped)
    assert skipped[doctors["blocked"]] == "do not contact"
    assert f"{doctors['blocked'].display_name}: do not contact" in text
    assert skipped[doctors["tiny"]].startswith("fewer than 5 patients seen")
    # Nothing anywhere counts the doctor's 4 patients.
    assert not any("4 of your patients" in m.body for m in OutreachMessage.objects.all())


def test_a_doctor_who_asked_to_hear_less_often_follows_their_pace(
    doctors, alice_practice, owner_client, django_capture_on_commit_callbacks
):
    DoctorPreference.objects.create(
        practice=alice_practice, doctor=doctors["post"], update_every_days=365
    )
    post(owner_client, str(uuid.uuid4()), django_capture_on_commit_callbacks)
    # Two months on: past the practice's frequency cap, not past the doctor's own year.
    OutreachMessage.objects.update(queued_at=history.NOW - timedelta(days=60))
    page = post(owner_client, str(uuid.uuid4()), django_capture_on_commit_callbacks)
    reasons = dict(page.context["result"].skipped)
    assert reasons[doctors["post"]].startswith("asked to hear from us every 365 days")
    assert doctors["email"] in [m.doctor for m in page.context["result"].queued]
    assert OutreachMessage.objects.filter(doctor=doctors["post"]).count() == 1


def test_another_practice_s_doctors_are_never_included(
    doctors, client, bob_practice, bob_owner, django_capture_on_commit_callbacks
):
    client.force_login(bob_owner)
    page = post(client, str(uuid.uuid4()), django_capture_on_commit_callbacks)
    assert page.status_code == 200
    assert not OutreachMessage.objects.exists() and len(mail.outbox) == 0


@pytest.mark.parametrize("role", [Role.CLINICIAN, Role.ADMIN])
def test_clinicians_and_reception_are_refused(
    doctors, client, alice_practice, role, django_capture_on_commit_callbacks
):
    client.force_login(testing.make_user(alice_practice, role))
    page = post(client, str(uuid.uuid4()), django_capture_on_commit_callbacks)
    assert page.status_code == 403
    assert not OutreachMessage.objects.exists() and len(mail.outbox) == 0


def test_the_yearly_summary_is_not_an_editable_outreach_template(owner_client):
    assert owner_client.get("/outreach/templates/yearly_summary/").status_code == 404
    page = owner_client.get("/outreach/send/").content.decode()
    assert "yearly_summary" not in page
