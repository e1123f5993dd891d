"""Who may open a clinical note: the clinician role decides, not a profession."""

from careloop import testing
from careloop.practices.models import Profession, Role
from careloop.therapy.models import ClinicalNote

MARKER = "ZEBRA-4410-PRIVATE"


def test_administration_staff_with_a_profession_cannot_read_notes(client, alice_practice):
    session = testing.make_session(alice_practice)
    ClinicalNote.objects.create(
        practice=alice_practice, session=session, text=MARKER, author=session.clinician
    )
    receptionist = testing.make_user(alice_practice, Role.ADMIN, profession=Profession.COUNSELLOR)
    client.force_login(receptionist)
    assert client.get(f"/sessions/{session.uuid}/note/").status_code == 403
    assert client.post(f"/sessions/{session.uuid}/note/", {"text": "x"}).status_code == 403
    assert ClinicalNote.objects.get().text == MARKER
    assert "Open the clinical note" not in client.get(f"/sessions/{session.uuid}/").content.decode()


def test_a_clinician_who_is_turned_off_cannot_read_notes(clinician):
    assert clinician.may_read_clinical_notes
    clinician.is_active = False
    assert not clinician.may_read_clinical_notes
