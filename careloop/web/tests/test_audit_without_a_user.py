"""Every write is audited, also when nobody is signed in: the owner's audit log shows a
referral imported by secure message, a consent the client signed at a link, and a letter
the outbox sent."""

from careloop.audit.actions import CLIENT_LINK, COMMAND, Via
from careloop.audit.models import AuditEvent
from careloop.consent.actions import create_request, sign_request
from careloop.interop.hl7v2.importer import import_message
from careloop.interop.hl7v2.tests.test_import import ref_message
from careloop.letters import outbox
from careloop.letters.tests.test_letters import course, signed_report  # noqa: F401 - fixture
from careloop.referrals.models import Referral


def test_the_audit_log_shows_an_hl7_import_a_signed_consent_and_a_sent_letter(
    owner_client,
    alice_practice,
    admin_user,
    course,  # noqa: F811 - the fixture imported above
    settings,
    django_capture_on_commit_callbacks,
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    import_message(ref_message(), practice=alice_practice, via="http")
    referral = Referral.objects.get(source="hl7")
    consent_request, _ = create_request(
        course["client"],
        {"doctor": course["doctor"], "scopes": ["plan"]},
        by=admin_user,
        via=COMMAND,
    )
    consent = sign_request(consent_request, "Mia Nguyen", via=Via(CLIENT_LINK, "203.0.113.9"))
    with django_capture_on_commit_callbacks(execute=True):
        outbox.queue(signed_report(course), "email", by=course["clinician"])

    rows = list(AuditEvent.objects.filter(practice=alice_practice, actor__isnull=True))
    assert any(r.object_uuid == referral.uuid and r.channel == "secure messaging" for r in rows)
    [signed] = [r for r in rows if r.object_uuid == consent.uuid and r.channel == CLIENT_LINK]
    assert signed.ip_address == "203.0.113.9"
    letter = course["client"].letters.get(kind="end_of_course")
    assert any(
        r.object_uuid == letter.uuid and r.changed_fields == ["sent by e-mail"] for r in rows
    )
    page = owner_client.get("/audit/").content.decode()
    assert "secure messaging" in page or "Secure messaging" in page
