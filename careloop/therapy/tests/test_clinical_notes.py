import pytest

from careloop import testing
from careloop.audit.models import AuditEvent
from careloop.practices.models import Profession, Role
from careloop.therapy.models import ClinicalNote

MARKER = "ZEBRA-7781-PRIVATE"


def test_a_clinician_writes_and_reads_the_note_and_each_reading_is_audited(
    client, clinician, alice_practice
):
    session = testing.make_session(alice_practice, clinician=clinician)
    client.force_login(clinician)
    response = client.post(f"/sessions/{session.uuid}/note/", {"text": f"Seen. {MARKER}"})
    assert response.status_code == 302
    assert ClinicalNote.objects.get().author == clinician
    assert MARKER in client.get(f"/sessions/{session.uuid}/note/").content.decode()
    client.get(f"/sessions/{session.uuid}/note/")
    views = AuditEvent.objects.filter(action="view", object_type="clinical note")
    assert views.count() == 2 and views.first().client_uuid == session.client.uuid


def test_administration_staff_cannot_read_or_write_notes(client, admin_user, alice_practice):
    session = testing.make_session(alice_practice)
    ClinicalNote.objects.create(
        practice=alice_practice, session=session, text=MARKER, author=session.clinician
    )
    client.force_login(admin_user)
    assert client.get(f"/sessions/{session.uuid}/note/").status_code == 403
    assert client.post(f"/sessions/{session.uuid}/note/", {"text": "x"}).status_code == 403
    assert ClinicalNote.objects.get().text == MARKER
    for url in (f"/sessions/{session.uuid}/", f"/clients/{session.client.uuid}/"):
        assert MARKER not in client.get(url).content.decode()


def test_an_owner_who_does_not_treat_cannot_read_notes_but_one_who_does_can(
    client, owner, alice_practice
):
    session = testing.make_session(alice_practice)
    ClinicalNote.objects.create(
        practice=alice_practice, session=session, text=MARKER, author=session.clinician
    )
    client.force_login(owner)
    assert client.get(f"/sessions/{session.uuid}/note/").status_code == 403
    treating_owner = testing.make_user(
        alice_practice, Role.OWNER, profession=Profession.CLINICAL_PSYCHOLOGIST
    )
    client.force_login(treating_owner)
    assert MARKER in client.get(f"/sessions/{session.uuid}/note/").content.decode()


def test_rewriting_a_note_keeps_every_earlier_version_with_its_author(
    client, clinician, alice_practice
):
    from careloop.therapy.models import ClinicalNoteVersion

    session = testing.make_session(alice_practice, clinician=clinician)
    other = testing.make_user(
        alice_practice, Role.OWNER, profession=Profession.CLINICAL_PSYCHOLOGIST
    )
    url = f"/sessions/{session.uuid}/note/"
    client.force_login(clinician)
    client.post(url, {"text": f"First text. {MARKER}"})
    client.force_login(other)
    client.post(url, {"text": "Replaced by the owner."})
    note = ClinicalNote.objects.get()
    assert (note.text, note.author) == ("Replaced by the owner.", other)
    versions = list(note.versions.order_by("created_at", "id"))
    assert [(v.text, v.author) for v in versions] == [
        (f"First text. {MARKER}", clinician),
        ("Replaced by the owner.", other),
    ]
    # The page shows the earlier text and who wrote it, to clinicians.
    page = client.get(url).content.decode()
    assert "Earlier versions" in page and MARKER in page and "Clara Clinician" in page
    # Append-only: a version cannot be changed.
    with pytest.raises(ValueError, match="cannot be changed"):
        versions[0].text = "rewritten history"
        versions[0].save()
    assert ClinicalNoteVersion.objects.filter(text__startswith="First text").exists()
