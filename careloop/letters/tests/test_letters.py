import base64
import contextlib
import json
import socket
from datetime import timedelta
from email import message_from_bytes
from io import StringIO
from pathlib import Path

import hl7
import pytest
import time_machine
from aiosmtpd.controller import Controller
from django.core import mail
from django.core.management import call_command
from django.utils import timezone
from fhir.resources.R4B.bundle import Bundle

from careloop import testing
from careloop.consent.models import Consent, Disclosure
from careloop.letters import actions as letter_actions
from careloop.letters import outbox
from careloop.letters.models import Delivery, Feedback, Letter
from careloop.letters.render import generate_pdf, render_html
from careloop.measures.actions import record_result
from careloop.practices.models import Role
from careloop.therapy.models import ClinicalNote

MARKER = "ZEBRA-7781-NEVER-DISCLOSE"
SECTIONS = {
    "assessments": "K10 and PHQ-9 at intake and review.",
    "treatment": "Six sessions of CBT for depression.",
    "outcomes": "Distress fell from high to low.",
    "recommendations": "Review in three months; no further course needed now.",
}


@pytest.fixture
def course(alice_practice, clinician, admin_user):
    """A finished course with scores, a private note, and consent to report progress."""
    doctor = testing.make_doctor(
        alice_practice, email="gp@bay.example", preferred_channel="email", hpii="8003619900015717"
    )
    person = testing.make_client(alice_practice, given_name="Mia", family_name="Nguyen")
    referral = testing.make_referral(
        alice_practice,
        client=person,
        doctor=doctor,
        sessions_referred=2,
        referral_date=timezone.localdate() - timedelta(days=60),
    )
    for days in (40, 20):
        session = testing.make_session(
            alice_practice,
            client=person,
            clinician=clinician,
            referral=referral,
            status="attended",
            starts_at=timezone.now() - timedelta(days=days),
        )
        ClinicalNote.objects.create(
            practice=alice_practice, session=session, text=f"Private: {MARKER}", author=clinician
        )
    for days, value in ((40, 3), (20, 1)):
        record_result(
            person,
            "k10",
            dict.fromkeys(range(1, 11), value),
            on=timezone.localdate() - timedelta(days=days),
        )
    consent = Consent.objects.create(
        practice=alice_practice,
        client=person,
        referral=referral,
        scopes=["status", "progress"],
        method="written",
        obtained_on=timezone.localdate() - timedelta(days=60),
        recorded_by=admin_user,
    )
    return {
        "doctor": doctor,
        "client": person,
        "referral": referral,
        "consent": consent,
        "clinician": clinician,
    }


def signed_report(course):
    [letter] = letter_actions.create_due_drafts(course["client"].practice)
    letter_actions.update_sections(letter, SECTIONS)
    return letter_actions.sign(letter, by=course["clinician"])


def test_a_finished_course_gets_one_end_of_course_draft(course, alice_practice):
    [letter] = letter_actions.create_due_drafts(alice_practice)
    assert (letter.kind, letter.referral, letter.doctor) == (
        "end_of_course",
        course["referral"],
        course["doctor"],
    )
    assert letter_actions.create_due_drafts(alice_practice) == []  # idempotent


def test_signing_needs_every_required_section(course):
    [letter] = letter_actions.create_due_drafts(course["client"].practice)
    with pytest.raises(
        letter_actions.LetterError,
        match="Fill in before signing: Recommendations for future management",
    ):
        letter_actions.sign(letter, by=course["clinician"])


def test_the_report_has_the_medicare_sections_scores_and_chart_and_no_notes(course):
    letter = signed_report(course)
    html = render_html(letter)
    for title in (
        "Assessments carried out",
        "Treatment provided",
        "Outcomes",
        "Recommendations for future management",
    ):
        assert title in html
    assert "K10" in html and "(Very high)" in html and "(Low)" in html
    assert "<svg" in html and "<polyline" in html
    assert "2 of the 2 sessions" in html
    assert "provide a new referral" in html
    assert MARKER not in html
    name, mimetype, pdf = generate_pdf(letter)
    assert mimetype == "application/pdf" and pdf.startswith(b"%PDF") and name.endswith(".pdf")


class SmtpSink:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's name
        self.messages.append(envelope)
        return "250 OK"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp(settings):
    port = free_port()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_TIMEOUT = 5
    sink = SmtpSink()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    yield sink, controller
    with contextlib.suppress(AssertionError):  # the test may have stopped it already
        controller.stop()


def test_email_goes_through_a_real_smtp_server_once_and_waits_while_it_is_down(
    course, smtp, django_capture_on_commit_callbacks
):
    sink, controller = smtp
    first, second = signed_report(course), None
    # The server is down: the letters wait in the queue with the reason.
    with django_capture_on_commit_callbacks(execute=True):
        outbox.queue(first, "email")
    delivery = Delivery.objects.get()
    assert delivery.status == "queued" and delivery.attempts == 1
    assert "Connection" in delivery.last_error or "refused" in delivery.last_error.lower()
    second = letter_actions.draft(
        "acknowledgement",
        client=course["client"],
        doctor=course["doctor"],
        referral=course["referral"],
    )
    letter_actions.update_sections(second, {"appointment": "Seen on 01/11."})
    letter_actions.sign(second, by=course["clinician"])
    with django_capture_on_commit_callbacks(execute=True):
        outbox.queue(second, "email")
    assert Disclosure.objects.count() == 0  # nothing left, nothing logged
    # The server is back: the next run (after the back-off) sends each exactly once.
    controller.start()
    later = timezone.now() + timedelta(minutes=10)
    assert outbox.process_due(later) == 2
    assert outbox.process_due(later) == 0
    assert outbox.process_due(later + timedelta(hours=1)) == 0
    assert len(sink.messages) == 2
    assert Delivery.objects.filter(status="sent").count() == 2
    report = next(m for m in sink.messages if b"End-of-course" in m.content)
    parsed = message_from_bytes(report.content)
    attachments = [p for p in parsed.walk() if p.get_content_type() == "application/pdf"]
    assert len(attachments) == 1 and attachments[0].get_payload(decode=True).startswith(b"%PDF")
    assert report.rcpt_tos == ["gp@bay.example"]
    assert MARKER.encode() not in report.content
    assert Disclosure.objects.filter(client=course["client"], channel="email").count() == 2


def test_without_consent_no_channel_will_send(course):
    course["consent"].delete()
    letter = signed_report(course)
    for channel in ("email", "hl7", "fhir", "print"):
        with pytest.raises(outbox.DisclosureRefused, match="no current consent"):
            outbox.queue(letter, channel)
    assert not Delivery.objects.exists() and not Disclosure.objects.exists()


def test_withdrawing_consent_stops_a_letter_already_queued(course, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    letter = signed_report(course)
    delivery = outbox.queue(letter, "email")  # not yet processed (on_commit not run)
    course["consent"].withdrawn_at = timezone.now()
    course["consent"].save()
    outbox.process_due()
    delivery.refresh_from_db()
    assert delivery.status == "refused" and "no current consent" in delivery.last_error
    assert mail.outbox == [] and not Disclosure.objects.exists()


PRACTICE_HPIO = "8003621566684455"
GP_PRACTICE_HPIO = "8003629900040359"
CLINICIAN_HPII = "8003619900015717"


@pytest.fixture
def addressed(course):
    """The course with the identifiers a receiving system files by: the practice's
    HPI-O, the GP's secure-messaging details and practice, the clinician's HPI-I."""
    practice = course["client"].practice
    practice.hpio = PRACTICE_HPIO
    practice.save()
    doctor = course["doctor"]
    doctor.secure_messaging_address = "bayjones"
    doctor.secure_messaging_service = "HealthLink"
    doctor.save()
    doctor.medical_practices.set(
        [testing.make_medical_practice(practice, name="Bay Medical", hpio=GP_PRACTICE_HPIO)]
    )
    person = course["client"]
    person.street, person.suburb, person.state, person.postcode = (
        "12 Ocean Street",
        "Neutral Bay",
        "NSW",
        "2089",
    )
    person.save()
    profile = course["clinician"].clinician_profile
    profile.hpii = CLINICIAN_HPII
    profile.ahpra_registration = "PSY0001234567"
    profile.save()
    return course


def sent_output(letter, channel) -> str:
    outbox.queue(letter, channel)
    outbox.process_due()
    return Path(Delivery.objects.get().output_path).read_bytes().decode()


def test_secure_messaging_writes_an_oru_with_the_pdf_that_parses(course, settings, tmp_path):
    settings.DATA_DIR = tmp_path
    letter = signed_report(course)
    text = sent_output(letter, "hl7")  # keep the CR separators
    message = hl7.parse(text)
    assert str(message.segment("MSH")[9]) == "ORU^R01^ORU_R01"
    assert str(message.segment("PV1")[9]).startswith(course["doctor"].provider_number)
    obx = message.segment("OBX")
    assert str(obx[3]) == "PDF^Display format in PDF^AUSPDI"
    pdf = base64.b64decode(str(obx[5][0][4]))
    assert pdf.startswith(b"%PDF")
    assert MARKER not in text


def test_the_oru_puts_the_address_in_pid_11_and_routes_by_msh_5_and_6(
    addressed, settings, tmp_path
):
    settings.DATA_DIR = tmp_path
    message = hl7.parse(sent_output(signed_report(addressed), "hl7"))
    pid = message.segment("PID")
    assert str(pid[11]) == "12 Ocean Street^^Neutral Bay^NSW^2089^AUS^H"
    assert str(pid[10]) == ""  # PID-10 is race
    msh = message.segment("MSH")
    assert str(msh[5]) == "HealthLink"
    assert str(msh[6]) == f"bayjones^1.2.36.1.2001.1003.0.{GP_PRACTICE_HPIO}^ISO"
    assert str(msh[4]).endswith(f"^1.2.36.1.2001.1003.0.{PRACTICE_HPIO}^ISO")


def test_the_oru_qualifies_its_order_number_and_names_the_signing_clinician(
    addressed, settings, tmp_path
):
    settings.DATA_DIR = tmp_path
    letter = signed_report(addressed)
    signed = testing.aware(2026, 11, 3, 9, 30)
    Letter.objects.filter(pk=letter.pk).update(signed_at=signed)
    obr = hl7.parse(sent_output(letter, "hl7")).segment("OBR")
    entity, namespace, universal_id, universal_type = str(obr[3]).split("^")
    assert entity == letter.uuid.hex and namespace
    assert (universal_id, universal_type) == (f"1.2.36.1.2001.1003.0.{PRACTICE_HPIO}", "ISO")
    assert str(obr[7]).startswith("20261103093000")  # signed, not sent (OBR-22)
    assert not str(obr[22]).startswith("20261103")
    provider_number = addressed["clinician"].clinician_profile.provider_number
    author = str(obr[32]).split("&")
    assert author[:3] == [provider_number, "Clinician", "Clara"]
    assert author[8] == "AUSHICPR"


def test_fhir_output_is_a_valid_r4_bundle(course, settings, tmp_path):
    settings.DATA_DIR = tmp_path
    letter = signed_report(course)
    raw = sent_output(letter, "fhir")
    bundle = Bundle.model_validate(json.loads(raw))
    kinds = [entry.resource.__resource_type__ for entry in bundle.entry]
    assert kinds[:4] == ["Communication", "DocumentReference", "Patient", "Practitioner"]
    document = bundle.entry[1].resource
    assert document.content[0].attachment.data.startswith(b"%PDF")  # decoded by the model
    assert MARKER not in raw


def test_the_fhir_letter_names_its_sender_author_and_custodian(addressed, settings, tmp_path):
    settings.DATA_DIR = tmp_path
    letter = signed_report(addressed)
    bundle = Bundle.model_validate(json.loads(sent_output(letter, "fhir")))
    resources = {entry.fullUrl: entry.resource for entry in bundle.entry}
    communication, document = bundle.entry[0].resource, bundle.entry[1].resource

    def identifiers(resource) -> dict:
        return {i.system: (i.value, i.type.coding[0].code) for i in resource.identifier}

    sender = resources[communication.sender.reference]
    assert sender.__resource_type__ == "PractitionerRole"
    clinician = resources[sender.practitioner.reference]
    practice = resources[sender.organization.reference]
    assert clinician.name[0].family == "Clinician"
    assert identifiers(clinician)["http://ns.electronichealth.net.au/id/hi/hpii/1.0"] == (
        CLINICIAN_HPII,
        "NPI",
    )
    assert identifiers(sender)["http://ns.electronichealth.net.au/id/medicare-provider-number"] == (
        addressed["clinician"].clinician_profile.provider_number,
        "UPIN",
    )
    assert practice.__resource_type__ == "Organization"
    assert identifiers(practice) == {
        "http://ns.electronichealth.net.au/id/hi/hpio/1.0": (PRACTICE_HPIO, "NOI"),
        "http://hl7.org.au/id/abn": (addressed["client"].practice.abn, "ABN"),
    }
    assert [a.reference for a in document.author] == [
        communication.sender.reference,
        sender.organization.reference,
    ]
    assert document.custodian.reference == sender.organization.reference
    assert document.date == letter.signed_at
    # The GP: the recipient is their role, which carries the Medicare provider number.
    [recipient] = communication.recipient
    gp_role = resources[recipient.reference]
    assert identifiers(gp_role)[
        "http://ns.electronichealth.net.au/id/medicare-provider-number"
    ] == (
        addressed["doctor"].provider_number,
        "UPIN",
    )
    assert (
        resources[gp_role.practitioner.reference].name[0].family == addressed["doctor"].family_name
    )


def test_an_emailed_letter_names_the_client_only_inside_the_pdf(
    course, settings, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    letter = signed_report(course)
    with django_capture_on_commit_callbacks(execute=True):
        outbox.queue(letter, "email")
    [message] = mail.outbox
    reference = course["referral"].reference
    assert (
        message.subject
        == f"End-of-course report: M.N., our ref {reference} (Alice Street Psychology)"
    )
    for text in (message.subject, message.body):
        assert "Mia" not in text and "Nguyen" not in text
        assert f"{course['client'].date_of_birth:%d/%m/%Y}" not in text
    assert f"M.N., our ref {reference}" in message.body
    [(name, pdf, mimetype)] = message.attachments
    assert mimetype == "application/pdf" and pdf.startswith(b"%PDF")
    assert "Mia Nguyen" in render_html(letter)  # what the PDF is made from


def test_the_doctor_answers_the_feedback_link_once(
    client, course, settings, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    letter = signed_report(course)
    with django_capture_on_commit_callbacks(execute=True):
        outbox.queue(letter, "email")
    link = next(line for line in mail.outbox[0].body.splitlines() if "/f/" in line)
    path = link.split("127.0.0.1:8000", 1)[1]
    page = client.get(path)
    assert page.status_code == 200 and "How did we do?" in page.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            path,
            {
                "usefulness": "5",
                "refer_again": "yes",
                "about_client": "Started sertraline last week.",
            },
        )
    feedback = Feedback.objects.get()
    assert (feedback.doctor, feedback.usefulness) == (course["doctor"], 5)
    assert mail.outbox[-1].to == [course["clinician"].email]
    client.post(path, {"usefulness": "1", "refer_again": "no"})
    assert Feedback.objects.count() == 1
    client.force_login(course["clinician"])
    doctor_page = client.get(f"/doctors/{course['doctor'].uuid}/").content.decode()
    assert "Started sertraline last week." in doctor_page

    assert client.get("/f/forged/").status_code == 410


def test_staff_follow_the_letter_from_due_to_sent(owner_client, course, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    call_command("send_letters", stdout=StringIO())  # the scheduled job drafts it
    due = owner_client.get("/letters/")
    [letter] = due.context["drafts"]
    url = f"/letters/{letter.uuid}/"
    owner_client.post(url, {"action": "save", **SECTIONS})
    signer = testing.make_user(course["client"].practice, Role.CLINICIAN)
    owner_client.force_login(signer)
    owner_client.post(url, {"action": "sign", "confirm": "1", **SECTIONS})
    letter.refresh_from_db()
    assert letter.status == "signed" and letter.signed_by == signer
    assert owner_client.get(f"{url}pdf/")["Content-Type"] == "application/pdf"
    owner_client.post(f"{url}send/", {"channel": "email"})
    assert Letter.objects.get().deliveries.get().status in ("queued", "sent")


def test_recording_the_last_session_of_a_course_drafts_the_report(
    owner_client, course, django_capture_on_commit_callbacks
):
    from careloop.letters.models import Letter as L

    referral = testing.make_referral(
        course["client"].practice,
        client=course["client"],
        doctor=course["doctor"],
        sessions_referred=1,
        referral_date=timezone.localdate() - timedelta(days=5),
    )
    L.objects.all().delete()
    with django_capture_on_commit_callbacks(execute=True):
        owner_client.post(
            "/sessions/new/",
            {
                "client": course["client"].uuid,
                "clinician": course["clinician"].uuid,
                "referral": referral.uuid,
                "starts_at": (timezone.localtime() - timedelta(hours=2)).strftime("%d/%m/%Y %H:%M"),
                "duration_minutes": "50",
                "session_type": "individual",
                "modality": "in_rooms",
                "status": "attended",
            },
        )
    assert L.objects.filter(kind="end_of_course", referral=referral).exists()


def test_a_draft_starts_from_the_sessions_and_scores_but_never_the_notes(course):
    [letter] = letter_actions.create_due_drafts(course["client"].practice)
    assert letter.sections["assessments"] == "Measures used: K10."
    assert letter.sections["treatment"].startswith("2 sessions from ")
    assert "K10: total 30 (Very high)" in letter.sections["outcomes"]
    assert "total 10 (Low)" in letter.sections["outcomes"]
    assert MARKER not in json.dumps(letter.sections)


def test_discharging_a_client_drafts_the_discharge_summary(
    owner_client, course, django_capture_on_commit_callbacks
):
    referral = course["referral"]
    referral.status = "active"
    referral.save()
    url = f"/referrals/{referral.uuid}/status/"
    refused = owner_client.post(url, {"status": "discharged", "reason": ""})
    assert "Say why" in refused.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        owner_client.post(url, {"status": "discharged", "reason": "Goals met."})
    letter = Letter.objects.get(kind="discharge")
    assert letter.sections["reason"] == "Goals met."
    assert "K10" in letter.sections["outcomes"]
    assert letter.due_reason == "The client was discharged."
    with django_capture_on_commit_callbacks(execute=True):  # reopened and discharged again
        owner_client.post(url, {"status": "active", "reason": ""})
        owner_client.post(url, {"status": "discharged", "reason": "Moved."})
    assert Letter.objects.filter(kind="discharge").count() == 1


def test_a_self_referral_gets_no_discharge_summary(alice_practice):
    # Discharge publishes no event for a self-referral today; should a caller still ask,
    # there is no doctor to write to, and a letter needs one.
    referral = testing.make_referral(alice_practice, basis="self")
    referral.referring_doctor = None
    referral.save()
    assert letter_actions.draft_discharge_summary(referral.pk, "Goals met.") is None
    assert not Letter.objects.filter(referral=referral).exists()


def test_the_letterhead_carries_the_practices_logo(owner_client, course, alice_practice):
    png = (
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00"
        b"\x00\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05"
        b"\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82"
    )
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings_form = {
        "name": alice_practice.name,
        "state": "NSW",
        "time_zone": "Australia/Sydney",
        "acknowledge_within_days": "1",
        "contact_within_days": "2",
        "k10_band_set": "abs",
    }
    refused = owner_client.post(
        "/practice/", {**settings_form, "logo": SimpleUploadedFile("logo.png", b"GIF89a fake")}
    )
    assert "must be a PNG or JPEG" in refused.content.decode()
    owner_client.post("/practice/", {**settings_form, "logo": SimpleUploadedFile("logo.png", png)})
    letter = signed_report(course)
    html = render_html(letter)
    assert 'src="data:image/png;base64,' in html
    assert generate_pdf(letter)[2].startswith(b"%PDF")


def test_a_practice_can_send_an_expiring_download_link_instead_of_the_pdf(
    client, course, settings, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    practice = course["client"].practice
    practice.letters_by_link = True
    practice.save()
    letter = signed_report(course)
    with django_capture_on_commit_callbacks(execute=True):
        outbox.queue(letter, "email")
    message = mail.outbox[0]
    assert message.attachments == []
    link = next(line for line in message.body.splitlines() if "/d/" in line)
    path = link.split("127.0.0.1:8000", 1)[1]
    download = client.get(path)  # the doctor, not signed in
    assert download["Content-Type"] == "application/pdf"
    assert download.content.startswith(b"%PDF")
    with time_machine.travel(timezone.now() + timedelta(days=15)):
        assert client.get(path).status_code == 410


def test_the_recipients_ack_marks_an_hl7_letter_delivered(course, settings, tmp_path):
    from careloop.interop.hl7v2.importer import import_message

    settings.DATA_DIR = tmp_path
    letter = signed_report(course)
    outbox.queue(letter, "hl7")
    outbox.process_due()
    delivery = Delivery.objects.get()
    sent = hl7.parse(Path(delivery.output_path).read_bytes().decode())
    control_id = str(sent.segment("MSH")[10])
    ack = (
        f"MSH|^~\\&|BP|BAYMED|CARELOOP|HARBOUR|20261128||ACK^R01^ACK|A1|P|2.4\r"
        f"MSA|AA|{control_id}\r"
    )
    result = import_message(ack, practice=course["client"].practice)
    assert result.status == "acknowledged" and result.ack is None  # ACKs are not acked
    delivery.refresh_from_db()
    assert delivery.status == "delivered"


@pytest.mark.parametrize("channel", ["email", "hl7", "fhir"])
def test_a_report_careloop_sent_is_no_longer_due_anywhere(
    course, channel, settings, tmp_path, django_capture_on_commit_callbacks
):
    from careloop.therapy.entitlements import evaluate_client

    settings.DATA_DIR = tmp_path
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    letter = signed_report(course)
    with django_capture_on_commit_callbacks(execute=True):
        outbox.queue(letter, channel, by=course["clinician"])
    course["referral"].refresh_from_db()
    assert course["referral"].report_sent_at is not None
    codes = [a["code"] for a in evaluate_client(course["client"]).actions()]
    assert "report_due" not in codes
    assert letter_actions.create_due_drafts(course["client"].practice) == []


def test_a_report_holding_only_the_automatic_text_cannot_be_signed(course):
    [letter] = letter_actions.create_due_drafts(course["client"].practice)
    assert letter.prefilled["treatment"] == letter.sections["treatment"] != ""
    letter_actions.update_sections(
        letter,
        {
            **letter.sections,
            # Spacing added to the automatic text does not make it the clinician's.
            "treatment": letter.sections["treatment"] + "\n ",
            "recommendations": SECTIONS["recommendations"],
        },
    )
    with pytest.raises(
        letter_actions.LetterError,
        match="^Write the Assessments carried out, Treatment provided and Outcomes sections "
        "in your own words: they still hold only the automatic text.$",
    ):
        letter_actions.sign(letter, by=course["clinician"])

    letter_actions.update_sections(letter, {**SECTIONS, "treatment": letter.prefilled["treatment"]})
    with pytest.raises(
        letter_actions.LetterError,
        match="^Write the Treatment provided section in your own words: it still holds only "
        "the automatic text.$",
    ):
        letter_actions.sign(letter, by=course["clinician"])
    letter.refresh_from_db()
    assert letter.status == "draft"

    # The automatic text kept, with the clinician's own account added, is theirs.
    letter_actions.update_sections(
        letter,
        {**SECTIONS, "treatment": letter.prefilled["treatment"] + " CBT for low mood."},
    )
    assert letter_actions.sign(letter, by=course["clinician"]).status == "signed"


def test_the_page_tells_the_clinician_which_sections_still_hold_only_the_automatic_text(
    owner_client, course
):
    [letter] = letter_actions.create_due_drafts(course["client"].practice)
    owner_client.force_login(course["clinician"])
    response = owner_client.post(
        letter.get_absolute_url(),
        {
            "action": "sign",
            "confirm": "1",
            **letter.sections,
            "outcomes": SECTIONS["outcomes"],
            "assessments": SECTIONS["assessments"],
            "recommendations": SECTIONS["recommendations"],
        },
    )
    assert response.status_code == 400
    assert (
        "Write the Treatment provided section in your own words: it still holds only the "
        "automatic text." in response.content.decode()
    )
    letter.refresh_from_db()
    assert letter.status == "draft"


def test_reception_cannot_sign_a_clinical_letter_but_a_clinician_can_and_it_is_audited(
    client, course, admin_user
):
    from careloop.audit.models import AuditEvent

    [letter] = letter_actions.create_due_drafts(course["client"].practice)
    url = letter.get_absolute_url()
    client.force_login(admin_user)
    page = client.get(url).content.decode()
    assert 'value="sign"' not in page and "Only a clinician can sign" in page
    refused = client.post(url, {"action": "sign", "confirm": "1", **SECTIONS})
    assert refused.status_code == 400 and "Only a clinician can sign" in refused.content.decode()
    with pytest.raises(letter_actions.NotAllowed):
        letter_actions.sign(letter, by=admin_user)
    letter.refresh_from_db()
    assert letter.status == "draft"

    client.force_login(course["clinician"])
    unconfirmed = client.post(url, {"action": "sign", **SECTIONS})
    assert unconfirmed.status_code == 400 and "ready to go" in unconfirmed.content.decode()
    client.post(url, {"action": "sign", "confirm": "1", **SECTIONS})
    letter.refresh_from_db()
    assert letter.status == "signed" and letter.signed_by == course["clinician"]
    signed = AuditEvent.objects.filter(object_uuid=letter.uuid, changed_fields=["signed"])
    assert signed.get().actor == course["clinician"]
