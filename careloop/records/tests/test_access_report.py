"""A client's records on request (APP 12): one PDF and one JSON, produced by a job,
logged as a disclosure and audited; clinical notes only when the owner chooses."""

import json

import pytest
from django.utils import timezone

from careloop import testing
from careloop.audit.models import AuditEvent
from careloop.consent.models import Consent, Disclosure
from careloop.letters.models import Delivery, Letter
from careloop.measures.actions import record_result
from careloop.practices.models import Role
from careloop.records.models import AccessReport
from careloop.therapy.models import ClinicalNote

MINE = "qxmineqx"
THEIRS = "qxtheirsqx"
NOTE = "qxnotetextqx"


def _client_with_everything(practice, marker):
    client = testing.make_client(
        practice, given_name=f"{marker}given", family_name=f"{marker}family"
    )
    doctor = testing.make_doctor(practice, family_name=f"{marker}doctor")
    referrals = [
        testing.make_referral(
            practice, client=client, doctor=doctor, reason=f"{marker}-referral-{i}"
        )
        for i in range(2)
    ]
    clinician = testing.make_user(practice, Role.CLINICIAN)
    sessions = [
        testing.make_session(
            practice, client=client, clinician=clinician, referral=referrals[0], status="attended"
        )
        for _ in range(3)
    ]
    ClinicalNote.objects.create(
        practice=practice, session=sessions[0], text=f"{marker}{NOTE}", author=clinician
    )
    results = [
        record_result(client, "k10", dict.fromkeys(range(1, 11), 2), on=timezone.localdate()),
        record_result(client, "gad7", dict.fromkeys(range(1, 8), 1), on=timezone.localdate()),
    ]
    consent = Consent.objects.create(
        practice=practice,
        client=client,
        doctor=doctor,
        scopes=["status"],
        method="verbal",
        obtained_on=timezone.localdate(),
        recorded_by=clinician,
        notes=f"{marker}-consent",
    )
    letters = []
    for i, referral in enumerate(referrals):
        letter = Letter.objects.create(
            practice=practice,
            client=client,
            referral=referral,
            doctor=doctor,
            kind="end_of_course",
            due_reason=f"{marker}-letter-{i}",
        )
        Delivery.objects.create(
            practice=practice,
            letter=letter,
            channel="print",
            status="to_print",
            next_attempt_at=timezone.now(),
        )
        letters.append(letter)
    Disclosure.objects.create(
        practice=practice,
        client=client,
        doctor=doctor,
        consent=consent,
        scope="status",
        description=f"{marker}-disclosure",
        channel="email",
        at=timezone.now(),
    )
    return {
        "client": client,
        "referrals": referrals,
        "sessions": sessions,
        "results": results,
        "letters": letters,
    }


@pytest.fixture
def mine(alice_practice):
    return _client_with_everything(alice_practice, MINE)


@pytest.fixture
def theirs(alice_practice):
    # Another client of the same practice, with the same doctor's kind of records.
    return _client_with_everything(alice_practice, THEIRS)


@pytest.fixture
def produce(owner_client, django_capture_on_commit_callbacks):
    def post(client, **data):
        with django_capture_on_commit_callbacks(execute=True):  # the job runs on commit
            response = owner_client.post(f"/clients/{client.uuid}/access/", data)
        assert response.status_code == 302, response.content.decode()[:2000]
        return AccessReport.objects.filter(client=client).latest("created_at")

    return post


def _files(owner_client, client, report):
    pdf = owner_client.get(f"/clients/{client.uuid}/access/{report.uuid}/pdf/")
    data = owner_client.get(f"/clients/{client.uuid}/access/{report.uuid}/json/")
    assert pdf.status_code == data.status_code == 200
    return b"".join(pdf.streaming_content), json.loads(b"".join(data.streaming_content))


def test_it_holds_every_record_of_the_client_and_nothing_of_another(
    owner_client, produce, mine, theirs
):
    client = mine["client"]
    report = produce(client, notes_withheld_reason="Not asked for")
    assert report.status == "ready"
    pdf, data = _files(owner_client, client, report)
    assert pdf.startswith(b"%PDF")

    sections = data["sections"]
    assert {r["uuid"] for r in sections["referrals.referral"]["records"]} == {
        str(r.uuid) for r in mine["referrals"]
    }
    assert {r["uuid"] for r in sections["therapy.therapysession"]["records"]} == {
        str(s.uuid) for s in mine["sessions"]
    }
    assert {r["uuid"] for r in sections["measures.measureresult"]["records"]} == {
        str(r.uuid) for r in mine["results"]
    }
    assert all(r["scores"] for r in sections["measures.measureresult"]["records"])
    assert {r["uuid"] for r in sections["letters.letter"]["records"]} == {
        str(x.uuid) for x in mine["letters"]
    }
    assert len(sections["letters.delivery"]["records"]) == 2
    assert len(sections["consent.consent"]["records"]) == 1
    assert sections["clients.client"]["records"][0]["given_name"] == f"{MINE}given"
    text = json.dumps(data)
    for i in range(2):
        assert f"{MINE}-referral-{i}" in text and f"{MINE}-letter-{i}" in text
    assert f"{MINE}-disclosure" in text
    # Nothing of the other client: not their name, records or ids.
    assert THEIRS not in text
    other_ids = {str(theirs["client"].uuid)} | {str(r.uuid) for r in theirs["referrals"]}
    assert not [u for u in other_ids if u in text]


def test_clinical_notes_stay_out_unless_the_owner_includes_them(owner_client, produce, mine):
    client = mine["client"]
    withheld = produce(client, notes_withheld_reason="Serious threat to safety")
    _, data = _files(owner_client, client, withheld)
    assert NOTE not in json.dumps(data)
    assert "therapy.clinicalnote" not in data["sections"]
    assert data["clinical_notes_withheld_because"] == "Serious threat to safety"

    included = produce(client, include_clinical_notes="on")
    _, data = _files(owner_client, client, included)
    assert NOTE in json.dumps(data)
    assert data["clinical_notes_included"] is True


def test_withholding_notes_needs_a_reason(owner_client, mine):
    response = owner_client.post(f"/clients/{mine['client'].uuid}/access/", {})
    assert response.status_code == 400
    assert "Say why clinical notes are withheld" in response.content.decode()
    assert not AccessReport.objects.exists()


def test_it_is_logged_as_a_disclosure_to_the_client_and_audited(owner_client, produce, owner, mine):
    client = mine["client"]
    report = produce(client, notes_withheld_reason="Not asked for")
    disclosure = Disclosure.objects.get(client=client, scope="access")
    assert disclosure.doctor is None and disclosure.consent is None
    assert disclosure.by == owner
    assert "clinical notes withheld: Not asked for" in disclosure.description
    events = AuditEvent.objects.filter(object_uuid=report.uuid)
    assert {e.action for e in events} == {"create", "update"}
    assert all(e.client_uuid == client.uuid for e in events)
    page = owner_client.get(f"/clients/{client.uuid}/consent/").content.decode()
    assert "Not needed: the client's own records" in page


@pytest.mark.parametrize("role", [Role.CLINICIAN, Role.ADMIN])
def test_only_owners_produce_or_download_it(client, alice_practice, mine, role):
    report = AccessReport.objects.create(
        practice=alice_practice,
        client=mine["client"],
        requested_by=testing.make_user(alice_practice, Role.OWNER),
        status="ready",
    )
    client.force_login(testing.make_user(alice_practice, role))
    base = f"/clients/{mine['client'].uuid}/access/"
    assert client.get(base).status_code == 403
    assert client.post(base, {"include_clinical_notes": "on"}).status_code == 403
    assert client.get(f"{base}{report.uuid}/pdf/").status_code == 403
    assert AccessReport.objects.count() == 1
    page = client.get(f"/clients/{mine['client'].uuid}/").content.decode()
    assert base not in page


def test_owners_see_the_link_on_the_clients_page(owner_client, mine):
    page = owner_client.get(f"/clients/{mine['client'].uuid}/").content.decode()
    assert f"/clients/{mine['client'].uuid}/access/" in page
