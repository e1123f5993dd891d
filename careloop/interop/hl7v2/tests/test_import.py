import base64
import json
import shutil
from datetime import date
from io import StringIO
from pathlib import Path

import hl7
import pytest
from django.core.management import call_command

from careloop import testing
from careloop.clients.models import Client
from careloop.directory.models import Doctor
from careloop.interop.hl7v2.importer import import_message, import_text
from careloop.interop.models import GatewayToken, InboundMessage
from careloop.referrals.models import Referral, ReferralDocument

SAMPLES = Path(__file__).resolve().parent / "samples"

PDF = b"%PDF-1.4\n% synthetic referral letter\n%%EOF\n"


def ref_message(
    *,
    control_id="MSG0001",
    version="2.4",
    pid3=None,
    pid19="",
    dob="19900307",
    family="Nguyen",
    given="Mia",
    provider="2448301T",
    rf1_date="20261120",
    obr_date="20261119",
    obx=None,
    pid=True,
    prd=True,
    msh9="REF^I12^REF_I12",
    receiving="HARBOUR^8003621566684455^L",
    sender="BAYMED^8003629900040359^L",
):
    """A REF^I12 as an Australian GP system sends it (segments joined by CR)."""
    pid3 = pid3 if pid3 is not None else "MRN55^^^BAYMED^MR~3278851195^^^AUSHIC^MC"
    pdf = base64.b64encode(PDF).decode()
    obx = (
        obx
        if obx is not None
        else [f"OBX|1|ED|PDF^Display format in PDF^AUSPDI||^application^pdf^Base64^{pdf}||||||F"]
    )
    profile = (
        "2.4^AUS&Australia&ISO3166_1^HL7AU-OO-REF-SIMPLIFIED-201706&&L"
        if version == "2.4"
        else version
    )
    segments = [
        f"MSH|^~\\&|BestPractice^1.0^L|{sender}|Careloop|{receiving}|20261120093000+1100||"
        f"{msh9}|{control_id}|P|{profile}|||AL|NE|AUS",
        f"RF1|P^Pending^HL70283|R^Routine^HL70280|Med^Medical^HL70281||O^Outpatient^HL70284|"
        f"RF-{control_id}^BAYMED|{rf1_date}|||^Low mood and anxiety",
    ]
    if prd:
        segments += [
            f"PRD|RP~AP|Shah^Priya^^^Dr|5 Military Rd^^Mosman^NSW^2088^AUS||^WPN^PH^^^02^99601234"
            f"||{provider}^AUSHICPR^UPIN",
            "PRD|IR|Mercado^Anne^^^Ms|12 Military Road^^Neutral Bay^NSW^2089",
        ]
    if pid:
        segments.append(
            f"PID|1||{pid3}||{family}^{given}^^^Ms||{dob}|F|||4 Ourimbah Rd^^Mosman^NSW^2088^AUS"
            f"||0491570156||||||{pid19}"
        )
    segments += [
        f"OBR|1|||11488-4^Consult note^LN|||{obr_date}||||||||||||||||||PHY|F",
        *obx,
        "PV1|1|O",
    ]
    return "\r".join(segments) + "\r"


def test_it_imports_a_referral_with_its_letter(alice_practice):
    result = import_message(ref_message(), practice=alice_practice)
    assert result.status == "accepted"
    assert result.ack_code == "AA"
    referral = Referral.objects.get()
    assert (referral.practice, referral.source, referral.status) == (alice_practice, "hl7", "new")
    assert referral.referral_date == date(2026, 11, 20)  # RF1-7 first
    assert "Low mood and anxiety" in referral.reason
    assert referral.client.medicare_number == "3278851195"
    assert referral.client.date_of_birth == date(1990, 3, 7)
    assert (referral.client.suburb, referral.client.postcode) == ("Mosman", "2088")
    assert referral.referring_doctor.provider_number == "2448301T"
    assert referral.referring_doctor.display_name == "Dr Priya Shah"
    document = referral.documents.get()
    assert document.content_type == "application/pdf"
    assert document.file.read() == PDF
    assert referral.next_due_at is not None


def test_the_json_summary_has_the_contract_fields(alice_practice):
    summary = import_message(ref_message(), practice=alice_practice).as_json()
    assert summary["status"] == "accepted"
    assert summary["control_id"] == "MSG0001"
    assert summary["patient"] == {
        "family": "Nguyen",
        "given": "Mia",
        "dob": "1990-03-07",
        "medicare": "3278851195",
    }
    assert summary["referrer"] == {"name": "Priya Shah", "provider_number": "2448301T"}
    assert summary["referral_date"] == "2026-11-20"
    assert summary["attachments"] == 1
    assert summary["errors"] == []


@pytest.mark.parametrize(
    ("rf1_date", "obr_date", "expected"),
    [
        ("20261120", "20261119", "2026-11-20"),
        ("", "20261119", "2026-11-19"),
        ("", "", "2026-11-20"),  # MSH-7
    ],
)
def test_the_referral_date_falls_back_from_rf1_to_obr_to_msh(
    alice_practice, rf1_date, obr_date, expected
):
    result = import_message(
        ref_message(rf1_date=rf1_date, obr_date=obr_date), practice=alice_practice, dry_run=True
    )
    assert result.as_json()["referral_date"] == expected


def test_version_2_3_1_with_medicare_in_pid_19_and_an_rtf_letter(alice_practice):
    rtf = base64.b64encode(b"{\\rtf1\\ansi Dear Psychologist, please see Mia.}").decode()
    message = ref_message(
        version="2.3.1",
        pid3="MRN55^^^BAYMED^MR",
        pid19="32788511952",
        obx=[f"OBX|1|ED|RTF^Display format in RTF^AUSPDI||^TEXT^RTF^Base64^{rtf}||||||F"],
    )
    result = import_message(message, practice=alice_practice)
    assert result.status == "accepted", result.errors
    referral = Referral.objects.get()
    assert (referral.client.medicare_number, referral.client.medicare_irn) == ("3278851195", 2)
    assert referral.documents.get().content_type == "text/rtf"


def test_a_medicare_number_that_fails_its_check_is_not_stored_but_said(alice_practice):
    result = import_message(ref_message(pid3="3278851185^^^AUSHIC^MC"), practice=alice_practice)
    assert result.status == "accepted"
    assert any("fails its check digit" in w for w in result.warnings)
    assert Referral.objects.get().client.medicare_number == ""


def test_a_known_doctor_and_client_are_matched(alice_practice):
    doctor = testing.make_doctor(alice_practice, provider_number="2448301T")
    person = testing.make_client(
        alice_practice,
        given_name="Mia",
        family_name="Nguyen",
        medicare_number="3278851195",
        medicare_irn=1,
        date_of_birth=date(1990, 3, 7),
    )
    import_message(ref_message(), practice=alice_practice)
    referral = Referral.objects.get()
    assert (referral.referring_doctor, referral.client) == (doctor, person)
    assert Client.objects.count() == 1 and Doctor.objects.count() == 1


def test_an_uncertain_client_is_flagged_as_a_possible_duplicate_not_merged(alice_practice):
    same_name = testing.make_client(
        alice_practice,
        given_name="Mia",
        family_name="Nguyen",
        date_of_birth=date(1990, 3, 7),
        medicare_number="",
    )
    result = import_message(ref_message(), practice=alice_practice)
    referral = Referral.objects.get()
    assert referral.client != same_name
    assert referral.client.possible_duplicate_of == same_name
    assert any("Possible duplicate" in w for w in result.warnings)


def test_the_same_card_with_another_birthday_is_not_merged_either(alice_practice):
    parent = testing.make_client(
        alice_practice, medicare_number="3278851195", date_of_birth=date(1961, 1, 1)
    )
    import_message(ref_message(), practice=alice_practice)
    assert Referral.objects.get().client.possible_duplicate_of == parent


def test_importing_the_same_message_twice_stores_one_referral(alice_practice):
    first = import_message(ref_message(), practice=alice_practice)
    again = import_message(ref_message(), practice=alice_practice)
    assert again.status == "duplicate"
    assert again.ack_code == "AA" and again.ack == first.ack
    assert Referral.objects.count() == 1 and ReferralDocument.objects.count() == 1
    # The same control id from another sender is another message.
    other = import_message(
        ref_message(sender="OTHERGP^8003629900040359^L"), practice=alice_practice
    )
    assert other.status == "accepted"


@pytest.mark.parametrize(
    ("message", "code", "reason"),
    [
        (ref_message(pid=False), "AE", "no PID (patient) segment"),
        (ref_message(dob="19901307"), "AE", "is not a date"),
        (ref_message(dob=""), "AE", "PID-7 (patient's date of birth) is empty"),
        (ref_message(family=""), "AE", "has no family name"),
        (ref_message(prd=False), "AE", "No referring provider"),
        (
            ref_message(
                obx=[
                    "OBX|1|ED|PDF^Display format in PDF^AUSPDI||^application^pdf^Base64^@@@||||||F"
                ]
            ),
            "AE",
            "not valid base64",
        ),
        (
            ref_message(
                obx=[
                    "OBX|1|ED|PDF^Display format in PDF^AUSPDI||^application^pdf^Base64^"
                    + base64.b64encode(b"MZ not a pdf").decode()
                    + "||||||F"
                ]
            ),
            "AE",
            "its content is not",
        ),
        (ref_message(msh9="ORU^R01^ORU_R01"), "AR", "Only referral messages (REF^I12)"),
        (ref_message(version="2.7"), "AR", "version 2.7 is not supported"),
        (ref_message(control_id=""), "AR", "MSH-10"),
        ("PID|1||x\r", "AR", "must start with an MSH segment"),
    ],
)
def test_a_bad_message_is_refused_with_an_ack_that_says_why(alice_practice, message, code, reason):
    result = import_message(message, practice=alice_practice)
    assert result.status == "rejected"
    assert result.ack_code == code
    assert any(reason in error for error in result.errors), result.errors
    ack = hl7.parse(result.ack)
    assert str(ack.segment("MSA")[1]) == code
    assert reason.split(" (")[0] in hl7.parse(result.ack).unescape(
        str(ack.segment("MSA")[3])
    ) or ack.segments("ERR")
    # Nothing is stored: no referral, client, doctor, letter or message record.
    assert not Referral.objects.exists() and not Client.objects.exists()
    assert not Doctor.objects.exists() and not ReferralDocument.objects.exists()
    assert not InboundMessage.objects.exists()


def test_the_ack_is_addressed_back_to_the_sender_as_the_adrm_says(alice_practice):
    result = import_message(ref_message(control_id="ABC-42"), practice=alice_practice)
    ack = hl7.parse(result.ack)
    msh = ack.segment("MSH")
    assert str(msh[3]) == "CARELOOP"
    assert str(msh[4]) == "HARBOUR^8003621566684455^L"  # original MSH-6
    assert str(msh[5]) == "BestPractice^1.0^L"  # original MSH-3
    assert str(msh[6]) == "BAYMED^8003629900040359^L"  # original MSH-4
    assert str(msh[9]) == "ACK^I12^ACK"
    assert str(msh[10]) != "ABC-42"
    assert "HL7AU-OO-ACK-201701" in str(msh[12])
    assert str(ack.segment("MSA")[2]) == "ABC-42"


def test_an_error_ack_carries_err_segments_for_each_problem(alice_practice):
    result = import_message(ref_message(dob="", family=""), practice=alice_practice)
    ack = hl7.parse(result.ack)
    locations = sorted(str(err[2]) for err in ack.segments("ERR"))
    assert locations == ["PID^1^5", "PID^1^7"]
    assert str(ack.segment("MSA")[1]) == "AE"


def test_a_file_may_hold_several_messages_with_any_line_endings(alice_practice):
    text = ref_message(control_id="A1").replace("\r", "\n") + ref_message(
        control_id="A2", family="Smith", pid3=""
    ).replace("\r", "\r\n")

    batch = "FHS|^~\\&\rBHS|^~\\&\r" + text + "BTS|2\rFTS|1\r"
    results = import_text(batch, practice=alice_practice)
    assert [r.status for r in results] == ["accepted", "accepted"]
    assert sorted(Referral.objects.values_list("client__family_name", flat=True)) == [
        "Nguyen",
        "Smith",
    ]


def test_one_bad_message_in_a_file_does_not_stop_the_others(alice_practice):
    text = ref_message(control_id="B1") + ref_message(control_id="B2", pid=False)
    results = import_text(text, practice=alice_practice)
    assert [r.status for r in results] == ["accepted", "rejected"]
    assert Referral.objects.count() == 1


def test_the_receiving_facility_can_choose_the_practice(alice_practice, bob_practice):
    bob_practice.hl7_facility_ids = "BOBS, 8003621566684455"
    bob_practice.save()
    result = import_message(ref_message())
    assert result.status == "accepted" and result.referral.practice == bob_practice
    unknown = import_message(ref_message(control_id="X9", receiving="NOWHERE"))
    assert unknown.status == "rejected" and unknown.ack_code == "AR"
    assert "is not a practice on this server" in unknown.errors[0]


def test_the_command_imports_into_the_practice_each_message_names(
    tmp_path, alice_practice, bob_practice
):
    # Commands run with real scoping in tests (conftest), as they do in production.
    bob_practice.hl7_facility_ids = "BOBS, 8003621566684455"
    bob_practice.save()
    (tmp_path / "one.hl7").write_text(ref_message())
    out = StringIO()
    call_command("import_hl7", str(tmp_path), stdout=out)
    assert "1 were accepted" in out.getvalue()
    assert Referral.objects.get().practice == bob_practice


def test_the_shared_sample_referrals_import(alice_practice):
    for name, control_id, referral_date in [
        ("hl7v2kit_au_ref_i12_simplified.hl7", "SYN-AU-REF-0001", "2024-03-06"),
        ("hl7v2kit_au_ref_i12_chapter7.hl7", "SYN-AU-REF-0002", "2024-03-07"),
    ]:
        [result] = import_text((SAMPLES / name).read_bytes().decode(), practice=alice_practice)
        summary = result.as_json()
        assert summary["status"] == "accepted", summary
        assert summary["control_id"] == control_id
        assert summary["patient"] == {
            "family": "Synthetic",
            "given": "Sam",
            "dob": "1985-06-06",
            "medicare": None,
        }
        assert summary["referrer"]["name"] == "Robin Synthetic"
        assert summary["referral_date"] == referral_date
        assert summary["attachments"] == 1
    assert Referral.objects.count() == 2


@pytest.mark.parametrize(
    "name", ["hl7v2kit_au_oru_r01_pathology_pdf.hl7", "adha_mdm_t02_discharge_summary.hl7"]
)
def test_shared_non_referral_messages_are_refused(alice_practice, name):
    [result] = import_text((SAMPLES / name).read_bytes().decode(), practice=alice_practice)
    assert result.status == "rejected" and result.ack_code == "AR"


def test_the_command_writes_acks_beside_the_files_and_prints_json(alice_practice, tmp_path):
    (tmp_path / "one.hl7").write_text(ref_message(control_id="C1"))
    (tmp_path / "two.hl7").write_text(ref_message(control_id="C2", pid=False))
    shutil.copy(SAMPLES / "hl7v2kit_au_ref_i12_simplified.hl7", tmp_path / "three.hl7")
    out = StringIO()
    call_command("import_hl7", str(tmp_path), practice="alice", json=True, stdout=out)
    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    assert [(x["file"].split("/")[-1], x["status"]) for x in lines] == [
        ("one.hl7", "accepted"),
        ("three.hl7", "accepted"),
        ("two.hl7", "rejected"),
    ]
    assert set(lines[0]) >= {
        "status",
        "control_id",
        "patient",
        "referrer",
        "referral_date",
        "attachments",
        "errors",
    }
    assert "MSA|AE|C2|" in (tmp_path / "two.hl7.ack").read_text()
    assert "MSA|AA|C1|" in (tmp_path / "one.hl7.ack").read_text()
    # Importing the folder again changes nothing, and .ack files are not read as messages.
    again = StringIO()
    call_command("import_hl7", str(tmp_path), practice="alice", stdout=again)
    assert "0 were accepted, 2 already received, 1 rejected" in again.getvalue()
    assert Referral.objects.count() == 2


def test_a_dry_run_stores_and_writes_nothing(alice_practice, tmp_path):
    path = tmp_path / "one.hl7"
    path.write_text(ref_message())
    out = StringIO()
    call_command("import_hl7", str(path), practice="alice", dry_run=True, stdout=out)
    assert "MSG0001: ACCEPTED (dry run) Mia Nguyen from Priya Shah" in out.getvalue()
    assert not Referral.objects.exists() and not Client.objects.exists()
    assert not (tmp_path / "one.hl7.ack").exists()


def test_the_gateway_endpoint_needs_a_token_and_answers_with_acks(
    client, alice_practice, bob_practice
):
    assert (
        client.post(
            "/interop/hl7/", ref_message(), content_type="x-application/hl7-v2+er7"
        ).status_code
        == 401
    )
    assert (
        client.post(
            "/interop/hl7/",
            ref_message(),
            content_type="text/plain",
            HTTP_AUTHORIZATION="Bearer wrong",
        ).status_code
        == 401
    )
    _, token = GatewayToken.issue(bob_practice, "HealthLink")
    response = client.post(
        "/interop/hl7/",
        ref_message() + ref_message(control_id="Z2", pid=False),
        content_type="x-application/hl7-v2+er7",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "MSA|AA|MSG0001|" in body and "MSA|AE|Z2|" in body
    assert response["X-Careloop-Status"] == "accepted,rejected"
    assert Referral.objects.get().practice == bob_practice  # the token decides
    assert client.get("/interop/hl7/").status_code == 405


def test_a_revoked_token_is_refused(client, alice_practice):
    gateway, token = GatewayToken.issue(alice_practice, "Argus")
    call_command("hl7_token", practice="alice", name="Argus", revoke=True, stdout=StringIO())
    response = client.post(
        "/interop/hl7/",
        ref_message(),
        content_type="text/plain",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    assert response.status_code == 401


def test_twins_on_one_card_are_told_apart_by_irn_or_flagged(alice_practice):
    born = date(1990, 3, 7)
    mia = testing.make_client(
        alice_practice,
        given_name="Mia",
        family_name="Nguyen",
        medicare_number="3278851195",
        medicare_irn=2,
        date_of_birth=born,
    )
    testing.make_client(
        alice_practice,
        given_name="Kai",
        family_name="Nguyen",
        medicare_number="3278851195",
        medicare_irn=3,
        date_of_birth=born,
    )
    import_message(ref_message(pid3="32788511952^^^AUSHIC^MC"), practice=alice_practice)
    assert Referral.objects.get().client == mia
    # Same card and birthday but another given name and no IRN: not merged.
    import_message(
        ref_message(control_id="T2", given="Lin", pid3="3278851195^^^AUSHIC^MC"),
        practice=alice_practice,
    )
    newest = Referral.objects.get(inbound_messages__control_id="T2").client
    assert newest.given_name == "Lin" and newest.possible_duplicate_of is not None


def test_the_same_card_and_birthday_with_another_name_is_flagged(alice_practice):
    parent = testing.make_client(
        alice_practice,
        given_name="Anh",
        family_name="Tran",
        medicare_number="3278851195",
        medicare_irn=None,
        date_of_birth=date(1990, 3, 7),
    )
    import_message(ref_message(pid3="3278851195^^^AUSHIC^MC"), practice=alice_practice)
    client = Referral.objects.get().client
    assert client != parent and client.possible_duplicate_of == parent


def test_absurdly_long_identifiers_are_refused_not_crashed_on(alice_practice):
    result = import_message(ref_message(control_id="X" * 300), practice=alice_practice)
    assert result.status == "rejected" and result.ack_code == "AR"
    assert not Referral.objects.exists()


def test_the_referrer_may_come_in_a_rol_segment(alice_practice):
    message = ref_message(prd=False).replace(
        "PID|1",
        "ROL|1|AD|RP^Referring Provider^HL70443|2448301T^Shah^Priya^^^Dr^^^AUSHICPR|||||||"
        "5 Military Rd^^Mosman^NSW^2088^AUS|^WPN^PH^^^02^99601234\rPID|1",
        1,
    )
    result = import_message(message, practice=alice_practice)
    assert result.status == "accepted", result.errors
    assert result.as_json()["referrer"] == {"name": "Priya Shah", "provider_number": "2448301T"}
    assert Referral.objects.get().referring_doctor.provider_number == "2448301T"


def test_an_older_sender_may_put_medicare_in_pid_2(alice_practice):
    message = ref_message(version="2.3.1", pid3="MRN55^^^BAYMED^MR").replace(
        "PID|1||MRN55", "PID|1|32788511952^^^AUSHIC^MC|MRN55", 1
    )
    summary = import_message(message, practice=alice_practice, dry_run=True).as_json()
    assert summary["patient"]["medicare"] == "3278851195"


@pytest.mark.parametrize(
    ("message", "where"),
    [
        # An escape sequence that unescapes to CR LF, then a header line.
        (ref_message(family="Nguyen\\X0D0A\\Bcc: x@evil.example"), "PID-5 (the patient's name)"),
        (ref_message(given="Mia\tJane"), "PID-5 (the patient's name)"),
        (
            ref_message().replace("Shah^Priya", "Shah\\X0A\\Bcc: x^Priya"),
            "PRD-2 (the referring provider's name)",
        ),
        (
            ref_message().replace("4 Ourimbah Rd", "4 Ourimbah\x0bRd"),
            "PID-11 (the patient's address)",
        ),
    ],
)
def test_a_line_break_in_a_name_or_address_is_refused_naming_the_field(
    alice_practice, message, where
):
    result = import_message(message, practice=alice_practice)
    assert (result.status, result.ack_code) == ("rejected", "AE")
    assert any(where in error and "one line" in error for error in result.errors), result.errors
    assert "ERR|" in result.ack
    assert not Referral.objects.exists() and not Client.objects.exists()
    assert not Doctor.objects.exists()
