import json
import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from careloop import testing
from careloop.audit.actions import COMMAND
from careloop.audit.models import AuditEvent
from careloop.directory.actions import import_directory
from careloop.directory.importing import UnreadableFile, read_directory_file
from careloop.directory.importing import checks as import_checks
from careloop.directory.importing.csvfile import COLUMN_NAMES
from careloop.directory.models import Doctor, DoctorType, MedicalPractice, SecureMessagingService

DATA = Path(__file__).parent / "data"
HEADINGS = ",".join(COLUMN_NAMES)

# Identifiers that pass their checks (careloop.lib.synthetic's algorithms).
PROVIDER_A, PROVIDER_B = "2448301T", "2123456Y"
HPII_A = "8003619900015717"
HPIO_A = "8003621566684455"


def csv_bytes(*rows: dict, headings: str = HEADINGS) -> bytes:
    names = headings.split(",")
    lines = [headings] + [",".join(row.get(n, "") for n in names) for row in rows]
    return ("\n".join(lines) + "\n").encode()


def doctor_row(**fields) -> dict:
    row = {
        "given_name": "Priya",
        "family_name": "Shah",
        "provider_number": PROVIDER_A,
        "practice_name": "Bay Medical",
        "street": "1 Bay St",
        "suburb": "Mosman",
        "state": "NSW",
        "postcode": "2088",
    }
    row.update(fields)
    return row


def run(practice, data: bytes, **kwargs):
    parsed = read_directory_file(
        data, **{k: kwargs.pop(k) for k in ("mapping", "drop_bad_identifiers") if k in kwargs}
    )
    return import_directory(parsed, practice=practice, by=None, via=COMMAND, **kwargs)


def bundle_xml(*names: str) -> bytes:
    entries = []
    for name in names:
        text = (DATA / name).read_text(encoding="utf-8")
        text = re.sub(r"<\?xml[^>]*\?>", "", text)
        entries.append(f"<entry><resource>{text}</resource></entry>")
    return (
        '<?xml version="1.0" encoding="UTF-8"?><Bundle xmlns="http://hl7.org/fhir">'
        f'<type value="collection"/>{"".join(entries)}</Bundle>'
    ).encode()


AU_BASE = (
    "practitioner-example0.xml",
    "practitionerrole-example0.xml",
    "organization-example0.xml",
    "location-example0.xml",
)


# --- CSV ---------------------------------------------------------------------------


def test_a_csv_imports_doctors_linked_to_their_practices(alice_practice):
    data = csv_bytes(
        doctor_row(doctor_type="Psychiatrist", secure_messaging_service="argus"),
        doctor_row(given_name="Tom", family_name="Lee", provider_number=PROVIDER_B),
        {"practice_name": "Harbour GP", "suburb": "Cremorne", "state": "NSW", "postcode": "2090"},
    )
    result = run(alice_practice, data)
    assert result.ok, result.problems
    assert (result.doctors_added, result.practices_added) == (2, 2)
    priya = Doctor.objects.get(family_name="Shah")
    assert priya.doctor_type == DoctorType.PSYCHIATRIST
    assert priya.secure_messaging_service == SecureMessagingService.ARGUS
    assert priya.title == "Dr"
    assert [mp.name for mp in priya.medical_practices.all()] == ["Bay Medical"]
    assert MedicalPractice.objects.get(name="Bay Medical").doctors.count() == 2


def test_one_broken_row_changes_nothing_and_names_its_row_and_column(alice_practice):
    existing = testing.make_doctor(
        alice_practice, given_name="Ann", family_name="Old", provider_number=PROVIDER_B
    )
    data = csv_bytes(
        doctor_row(),
        doctor_row(given_name="Bad", provider_number="2448301A"),  # wrong check letter
        doctor_row(given_name="Ann", family_name="New", provider_number=PROVIDER_B),
    )
    result = run(alice_practice, data)
    assert not result.ok
    assert [(p.where, p.column) for p in result.problems] == [("Row 3", "provider_number")]
    assert "check character" in result.problems[0].message
    assert list(Doctor.objects.all()) == [existing]
    existing.refresh_from_db()
    assert existing.family_name == "Old"
    assert not MedicalPractice.objects.exists()


def test_every_problem_is_reported_not_just_the_first(alice_practice):
    data = csv_bytes(
        doctor_row(hpii="8003629900040359"),  # an HPI-O where an HPI-I belongs
        doctor_row(state="VIC"),  # postcode 2088 is NSW
        doctor_row(family_name=""),
    )
    result = run(alice_practice, data)
    where = {(p.where, p.column) for p in result.problems}
    assert where == {("Row 2", "hpii"), ("Row 3", "postcode"), ("Row 4", "family_name")}


def test_reimporting_updates_and_never_duplicates(alice_practice):
    data = csv_bytes(
        doctor_row(), doctor_row(given_name="Tom", family_name="Lee", provider_number=PROVIDER_B)
    )
    run(alice_practice, data)
    changed = csv_bytes(
        doctor_row(email="priya@bay.example"),
        doctor_row(given_name="Tom", family_name="Lee", provider_number=PROVIDER_B),
    )
    result = run(alice_practice, changed)
    assert (result.doctors_added, result.doctors_updated, result.doctors_unchanged) == (0, 1, 1)
    assert result.practices_added == 0
    assert Doctor.objects.count() == 2
    assert MedicalPractice.objects.count() == 1
    assert Doctor.objects.get(family_name="Shah").email == "priya@bay.example"
    again = run(alice_practice, changed)
    assert (again.doctors_added, again.doctors_updated) == (0, 0)


def test_it_matches_by_provider_number_then_hpii_then_name_and_suburb(alice_practice):
    bay = testing.make_medical_practice(
        alice_practice, name="Bay Medical", suburb="Mosman", postcode="2088"
    )
    by_number = testing.make_doctor(
        alice_practice, given_name="X", family_name="One", provider_number=PROVIDER_A
    )
    by_hpii = testing.make_doctor(
        alice_practice, given_name="Y", family_name="Two", provider_number="", hpii=HPII_A
    )
    by_name = testing.make_doctor(
        alice_practice,
        given_name="Zoe",
        family_name="Three",
        provider_number="",
        medical_practices=[bay],
    )
    data = csv_bytes(
        doctor_row(given_name="Xavier", family_name="One", provider_number=PROVIDER_A),
        doctor_row(given_name="Yvonne", family_name="Two", provider_number="", hpii=HPII_A),
        doctor_row(given_name="zoe", family_name="THREE", provider_number=""),
    )
    result = run(alice_practice, data)
    assert result.ok, result.problems
    assert result.doctors_added == 0
    assert Doctor.objects.count() == 3
    by_number.refresh_from_db()
    by_hpii.refresh_from_db()
    assert by_number.given_name == "Xavier"
    assert by_hpii.given_name == "Yvonne"
    assert set(by_name.medical_practices.all()) == {bay}


def test_blank_cells_never_wipe_what_staff_entered(alice_practice):
    doctor = testing.make_doctor(
        alice_practice, provider_number=PROVIDER_A, email="keep@x.example", notes="Prefers fax"
    )
    run(alice_practice, csv_bytes(doctor_row(email="")))
    doctor.refresh_from_db()
    assert doctor.email == "keep@x.example"
    assert doctor.notes == "Prefers fax"


def test_another_practices_doctors_are_never_matched_or_touched(alice_practice, bob_practice):
    bobs = testing.make_doctor(
        bob_practice, given_name="Bob", family_name="Doc", provider_number=PROVIDER_A
    )
    bobs_mp = testing.make_medical_practice(bob_practice, name="Bay Medical", suburb="Mosman")
    result = run(alice_practice, csv_bytes(doctor_row()))
    assert (result.doctors_added, result.practices_added) == (1, 1)
    bobs.refresh_from_db()
    assert (bobs.given_name, bobs.practice) == ("Bob", bob_practice)
    assert list(bobs.medical_practices.all()) == []
    assert Doctor.objects.filter(practice=alice_practice).get().given_name == "Priya"
    assert MedicalPractice.objects.filter(practice=bob_practice).get() == bobs_mp


def test_practices_without_coordinates_are_placed_at_their_suburb(alice_practice):
    run(
        alice_practice,
        csv_bytes(
            doctor_row(),
            {
                "practice_name": "Far GP",
                "suburb": "Elimbah",
                "state": "QLD",
                "postcode": "4516",
                "latitude": "-27.1",
                "longitude": "152.9",
            },
        ),
    )
    bay = MedicalPractice.objects.get(name="Bay Medical")
    assert bay.latitude is not None and -34 < bay.latitude < -33.7
    far = MedicalPractice.objects.get(name="Far GP")
    assert (far.latitude, far.longitude) == (Decimal("-27.100000"), Decimal("152.900000"))


def test_the_import_is_audited_per_record_and_as_a_whole(alice_practice):
    run(alice_practice, csv_bytes(doctor_row()), file_name="gps.csv")
    events = AuditEvent.objects.filter(practice=alice_practice)
    assert {e.object_type for e in events} == {"doctor", "medical practice", "directory import"}
    summary = events.get(object_type="directory import")
    assert "gps.csv" in summary.object_label and "1 were added" in summary.object_label
    assert summary.channel == "command line"


def test_a_dry_run_counts_and_writes_nothing(alice_practice):
    result = run(alice_practice, csv_bytes(doctor_row()), dry_run=True)
    assert (result.doctors_added, result.practices_added) == (1, 1)
    assert not Doctor.objects.exists()
    assert not AuditEvent.objects.exists()


def test_query_count_does_not_grow_with_the_rows(alice_practice):
    """Reads and updates are a fixed handful whatever the size; INSERTs go in batches
    (on SQLite, as many rows as fit in 999 parameters: about 50 doctors), never one
    per row."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def rows(n, offset):
        return csv_bytes(
            *[
                {
                    "given_name": f"G{i}",
                    "family_name": f"F{i}",
                    "practice_name": f"P{i}",
                    "suburb": "Mosman",
                    "state": "NSW",
                    "postcode": "2088",
                }
                for i in range(offset, offset + n)
            ]
        )

    others = []
    for n, offset in ((30, 0), (400, 1000)):
        parsed = read_directory_file(rows(n, offset))
        with CaptureQueriesContext(connection) as queries:
            result = import_directory(parsed, practice=alice_practice, by=None, via=COMMAND)
        assert result.doctors_added == n
        inserts = [q for q in queries if q["sql"].startswith("INSERT")]
        others.append(len(queries) - len(inserts))
        assert len(inserts) <= 4 + n // 10, len(inserts)  # doctors, practices, links, audit
    assert others[0] == others[1], others


# --- Garbage ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (b"", "empty"),
        (b"  \n\n", "empty"),
        (b"PK\x03\x04rest-of-a-workbook", "Excel workbook"),
        (b"\x00\x01\x02binary\x00", "not a text file"),
        ("given_name,family_name\nZoë,Müller\n".encode("latin-1"), "not UTF-8"),
    ],
)
def test_garbage_is_refused_with_a_clear_reason(data, words):
    with pytest.raises(UnreadableFile, match=words):
        read_directory_file(data)


def test_a_bundle_of_the_wrong_resources_is_refused(alice_practice):
    result = run(alice_practice, bundle_xml("patient-example0.xml"))
    assert not result.ok
    assert "Patient is not a directory resource" in result.problems[0].message
    assert result.problems[0].where == "Entry 1"
    assert not Doctor.objects.exists()


def test_unknown_headings_need_a_mapping_on_the_command_line(alice_practice):
    result = run(alice_practice, b"Surname,First name\nShah,Priya\n")
    assert "not the documented ones" in result.problems[0].message


def test_a_mapping_reads_other_headings(alice_practice):
    data = b"Surname,First name,Clinic,Town,Ignored\nShah,Priya,Bay Medical,Mosman,x\n"
    mapping = {0: "family_name", 1: "given_name", 2: "practice_name", 3: "suburb", 4: ""}
    result = run(alice_practice, data, mapping=mapping)
    assert result.ok, result.problems
    assert Doctor.objects.get().medical_practices.get().suburb == "Mosman"


def test_the_doctor_types_and_networks_match_the_model():
    assert set(import_checks.DOCTOR_TYPES.values()) == set(DoctorType.values)
    assert set(import_checks.SECURE_MESSAGING_SERVICES.values()) == set(
        SecureMessagingService.values
    )


# --- FHIR ------------------------------------------------------------------------------


def test_strictly_the_au_base_examples_stop_on_their_placeholder_provider_number(
    alice_practice,
):
    result = run(alice_practice, bundle_xml(*AU_BASE), drop_bad_identifiers=False)
    assert [(p.where, p.column) for p in result.problems] == [
        ("Entry 2 (PractitionerRole/example0)", "identifier (Medicare provider number)")
    ]
    assert not Doctor.objects.exists()


def test_the_au_base_examples_import(alice_practice):
    result = run(alice_practice, bundle_xml(*AU_BASE))
    assert result.ok, result.problems
    assert len(result.warnings) == 1
    doctor = Doctor.objects.get()
    assert (doctor.title, doctor.given_name, doctor.family_name) == ("Dr", "Helen", "Mayo")
    assert doctor.search_family == "mayo"  # found by the pickers, though written in bulk
    assert doctor.hpii == "8003619900015717"
    assert doctor.doctor_type == DoctorType.OTHER  # a cardiologist
    place = doctor.medical_practices.get()
    assert (place.name, place.suburb, place.state, place.postcode) == (
        "Downunder Hospital Blacktown",
        "Blacktown",
        "NSW",
        "2148",
    )
    assert place.hpio == HPIO_A
    assert place.latitude is not None  # placed at Blacktown
    again = run(alice_practice, bundle_xml(*AU_BASE))
    assert (again.doctors_added, again.practices_added) == (0, 0)


def test_a_json_bundle_imports_like_the_xml(alice_practice):
    from fhir.resources.R4B import get_fhir_model_class

    from careloop.directory.importing import fhirxml

    entries = []
    for name in AU_BASE:
        resource = fhirxml.parse((DATA / name).read_text(encoding="utf-8"))
        model = get_fhir_model_class(resource["resourceType"]).model_validate(resource)
        entries.append(
            {"fullUrl": f"urn:x:{name}", "resource": json.loads(model.model_dump_json())}
        )
    entries[1]["resource"]["identifier"][0]["value"] = "2448301T"  # a provider number that checks
    data = json.dumps({"resourceType": "Bundle", "type": "collection", "entry": entries}).encode()
    result = run(alice_practice, data)
    assert result.ok, result.problems
    assert result.file_kind == "FHIR JSON"
    assert Doctor.objects.get().provider_number == "2448301T"


def test_an_au_erequesting_organisation_imports_on_its_own(alice_practice):
    data = (DATA / "organization-elimbah-medical-centre.xml").read_bytes()
    result = run(alice_practice, data)
    assert result.ok, result.problems
    practice = MedicalPractice.objects.get()
    assert (practice.name, practice.hpio, practice.suburb) == (
        "Elimbah Medical Centre",
        "8003629900040359",
        "Elimbah",
    )


def test_a_role_whose_practitioner_is_not_in_the_file_is_named(alice_practice):
    data = (DATA / "practitionerrole-generalpractitioner-guthridge-jarred.xml").read_bytes()
    result = run(alice_practice, data)
    assert result.problems[0].column == "practitioner"
    assert "not a Practitioner in this file" in result.problems[0].message


def test_xml_with_entities_is_refused(alice_practice):
    data = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><Bundle xmlns="http://hl7.org/fhir"/>'
    result = run(alice_practice, data)
    assert "DOCTYPE" in result.problems[0].message


# --- Command ---------------------------------------------------------------------------


def test_the_command_imports_and_reports_json(alice_practice, tmp_path, capsys):
    path = tmp_path / "gps.csv"
    path.write_bytes(csv_bytes(doctor_row()))
    call_command("import_directory", str(path), "--practice", "alice", "--json")
    out = json.loads(capsys.readouterr().out)
    assert out["doctors"]["added"] == 1 and out["imported"] is True
    call_command("import_directory", str(path), "--practice", "alice", "--dry-run")
    assert "0 would be added" in capsys.readouterr().out
    assert Doctor.objects.count() == 1


def test_the_command_refuses_garbage_and_exits_non_zero(alice_practice, tmp_path, capsys):
    path = tmp_path / "bad.csv"
    path.write_bytes("given_name,family_name\nZoë,X\n".encode("latin-1"))
    with pytest.raises(CommandError, match="not UTF-8"):
        call_command("import_directory", str(path), "--practice", "alice")
    path.write_bytes(csv_bytes(doctor_row(provider_number="2448301A")))
    with pytest.raises(SystemExit):
        call_command("import_directory", str(path), "--practice", "alice")
    assert "Row 2, provider_number" in capsys.readouterr().out
    assert not Doctor.objects.exists()
