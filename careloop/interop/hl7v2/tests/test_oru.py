"""The ORU^R01 letter builder on its own, with what a practice may not have filled in."""

import hl7
import pytest

from careloop import testing
from careloop.interop.hl7v2.oru import build_oru
from careloop.interop.outbound import OutboundLetter
from careloop.practices.models import Role

PDF = b"%PDF-1.4\n%%EOF\n"


@pytest.fixture
def letter(alice_practice):
    doctor = testing.make_doctor(alice_practice, family_name="O'Brien", given_name="Sam")
    client = testing.make_client(
        alice_practice,
        given_name="Ana",
        family_name="Smith^Jones",
        street="4/2 Pitt & King St",
        suburb="Sydney",
        state="NSW",
        postcode="2000",
    )
    author = testing.make_user(alice_practice, Role.CLINICIAN, full_name="Kim Lee")
    return OutboundLetter(
        letter_id=client.uuid,
        message_id=doctor.uuid,
        title="End-of-course report",
        practice=alice_practice,
        client=client,
        doctor=doctor,
        author=author,
        signed_at=testing.aware(2026, 11, 2, 16, 5),
        pdf=PDF,
    )


def parse(letter) -> hl7.Message:
    return hl7.parse(build_oru(letter, "CL1", now=testing.aware(2026, 11, 20)))


def test_it_qualifies_the_order_number_by_the_practices_uuid_without_an_hpio(letter):
    obr = parse(letter).segment("OBR")
    assert str(obr[3]).split("^")[2:] == [str(letter.practice.uuid), "GUID"]


def test_it_still_names_the_receiving_facility_without_secure_messaging_details(letter):
    two = [testing.make_medical_practice(letter.practice, hpio=h) for h in ("1", "2")]
    letter.doctor.medical_practices.set(two)
    msh = parse(letter).segment("MSH")
    # Two practices: which one the doctor reads messages at is unknown, so no HPI-O.
    assert (str(msh[5]), str(msh[6])) == ("", "Dr Sam O'Brien")


def test_it_escapes_names_and_addresses_so_fields_stay_in_place(letter):
    pid = parse(letter).segment("PID")
    assert str(pid[5]) == "Smith\\S\\Jones^Ana"
    assert str(pid[11]) == "4/2 Pitt \\T\\ King St^^Sydney^NSW^2000^AUS^H"


def test_it_dates_the_report_when_signed_in_the_practices_time_zone(letter):
    obr = parse(letter).segment("OBR")
    assert str(obr[7]) == "20261102160500+1100"
    assert str(obr[22]).startswith("20261120")


def test_an_author_without_a_provider_number_is_named_without_an_authority(letter):
    letter.author.clinician_profile.provider_number = ""
    letter.author.clinician_profile.save()
    assert str(parse(letter).segment("OBR")[32]) == "&Lee&Kim"


def test_a_letter_with_no_author_leaves_obr_32_empty(letter):
    unsigned = OutboundLetter(**{**letter.__dict__, "author": None})
    assert str(parse(unsigned).segment("OBR")[32]) == ""


def test_it_writes_the_time_zone_offset_of_the_practice(letter, bob_practice):
    moved = OutboundLetter(**{**letter.__dict__, "practice": bob_practice})
    assert str(parse(moved).segment("OBR")[7]).endswith("+1000")  # Brisbane: no DST
