"""Application acknowledgements (RRI^I12) of referrals imported by HL7, for senders whose
MSH-16 asks for one: written when the practice accepts or declines the referral, once."""

from pathlib import Path

import hl7
import pytest
from django.utils import timezone

from careloop.interop.hl7v2.importer import import_message
from careloop.interop.models import InboundMessage
from careloop.referrals.models import Referral

from .test_import import ref_message

SAMPLES = Path(__file__).resolve().parent / "samples"


def sample(name: str) -> hl7.Message:
    return hl7.parse((SAMPLES / name).read_bytes().decode())


def imported(practice, *, msh16="AL", control_id="MSG0042") -> Referral:
    raw = ref_message(control_id=control_id).replace("|||AL|NE|AUS", f"|||AL|{msh16}|AUS")
    result = import_message(raw, practice=practice)
    assert result.status == "accepted"
    return result.referral


@pytest.fixture
def outbound(settings, tmp_path):
    settings.DATA_DIR = tmp_path
    return tmp_path / "outbound" / "alice" / "hl7"


def written(outbound) -> list[hl7.Message]:
    files = sorted(outbound.glob("*.hl7")) if outbound.exists() else []
    return [hl7.parse(f.read_bytes().decode("utf-8")) for f in files]


def change_status(owner_client, referral, status, reason=""):
    response = owner_client.post(
        f"/referrals/{referral.uuid}/status/", {"status": status, "reason": reason}
    )
    assert response.status_code == 302
    referral.refresh_from_db()
    assert referral.status == status


def test_it_records_whether_the_sender_asked_for_an_application_ack(alice_practice):
    imported(alice_practice, msh16="AL", control_id="A1")
    imported(alice_practice, msh16="NE", control_id="A2")
    assert dict(InboundMessage.objects.values_list("control_id", "application_ack_type")) == {
        "A1": "AL",
        "A2": "NE",
    }


def test_offering_an_appointment_sends_an_rri_accepting_the_referral(
    owner_client, alice_practice, outbound, django_capture_on_commit_callbacks
):
    referral = imported(alice_practice)
    with django_capture_on_commit_callbacks(execute=True):
        change_status(owner_client, referral, "offered")
    [rri] = written(outbound)
    msh, msa, rf1 = rri.segment("MSH"), rri.segment("MSA"), rri.segment("RF1")
    assert str(msh[9]) == "RRI^I12^RRI_I12"
    assert str(msh[9][0][0]) == "RRI" and str(msh[9][0][1]) == "I12"
    # Addressed back to the sender: its MSH-3/4 become our MSH-5/6.
    assert str(msh[5]) == "BestPractice^1.0^L"
    assert str(msh[6]) == "BAYMED^8003629900040359^L"
    assert str(msh[4]) == "HARBOUR^8003621566684455^L"
    assert str(msh[10]) != "MSG0042"
    assert str(msh[12]).startswith("2.4^AUS&Australia&ISO3166_1^HL7AU-OO-REF-SIMPLIFIED-201706")
    assert (str(msa[1]), str(msa[2])) == ("AA", "MSG0042")
    assert referral.reference in str(msa[3])
    assert str(rf1[1]) == "A^Accepted^HL70283"
    assert str(rf1[6]) == "RF-MSG0042^BAYMED"  # the sender's referral identifier
    assert [str(prd[1]) for prd in rri.segments("PRD")] == ["RP~AP", "IR"]
    assert str(rri.segment("PID")[5]).startswith("Nguyen^Mia")
    # The AU example's segments, in its order.
    assert [str(s[0]) for s in rri] == [str(s[0]) for s in sample("hl7v2kit_au_rri_i12.hl7")]
    message = InboundMessage.objects.get()
    assert message.application_ack_sent_at is not None
    assert message.application_ack.startswith("MSH|^~\\&|CARELOOP|")


@pytest.mark.parametrize("status", ["declined", "unable_to_contact"])
def test_declining_sends_an_rri_rejecting_the_referral(
    owner_client, alice_practice, outbound, django_capture_on_commit_callbacks, status
):
    referral = imported(alice_practice)
    with django_capture_on_commit_callbacks(execute=True):
        change_status(owner_client, referral, status, reason="Outside our scope of practice")
    [rri] = written(outbound)
    msa, rf1 = rri.segment("MSA"), rri.segment("RF1")
    assert str(rri.segment("MSH")[9]) == "RRI^I12^RRI_I12"
    # The referral message was processed: the decision is in RF1-1, not an error code
    # that would have the sender's system send the referral again.
    assert (str(msa[1]), str(msa[2])) == ("AA", "MSG0042")
    assert str(rf1[1]) == "R^Rejected^HL70283"
    # What staff typed as the reason stays in the practice.
    assert "scope" not in str(rri)


def test_booking_the_first_session_sends_the_rri_once(
    owner_client, alice_practice, clinician, outbound, django_capture_on_commit_callbacks
):
    referral = imported(alice_practice)

    def book(status, in_days=2):
        with django_capture_on_commit_callbacks(execute=True):
            response = owner_client.post(
                "/sessions/new/",
                {
                    "client": referral.client.uuid,
                    "clinician": clinician.uuid,
                    "referral": referral.uuid,
                    "starts_at": (timezone.localtime() + timezone.timedelta(days=in_days)).strftime(
                        "%d/%m/%Y %H:%M"
                    ),
                    "duration_minutes": "50",
                    "session_type": "individual",
                    "modality": "in_rooms",
                    "status": status,
                },
            )
        assert response.status_code == 302

    book("booked")
    [rri] = written(outbound)
    assert str(rri.segment("RF1")[1]) == "A^Accepted^HL70283"
    sent = InboundMessage.objects.get().application_ack

    # A later decline, or another booking, tells the sender nothing more.
    book("booked", in_days=9)
    with django_capture_on_commit_callbacks(execute=True):
        change_status(owner_client, referral, "declined", reason="Client moved away")
    assert len(written(outbound)) == 1
    assert InboundMessage.objects.get().application_ack == sent


@pytest.mark.parametrize("msh16", ["NE", "", "ER"])
def test_no_rri_when_the_sender_did_not_ask_for_one(
    owner_client, alice_practice, outbound, django_capture_on_commit_callbacks, msh16
):
    referral = imported(alice_practice, msh16=msh16)
    with django_capture_on_commit_callbacks(execute=True):
        change_status(owner_client, referral, "offered")
    assert written(outbound) == []
    assert InboundMessage.objects.get().application_ack_sent_at is None


def test_a_referral_typed_in_by_staff_gets_no_rri(
    owner_client, alice_practice, outbound, django_capture_on_commit_callbacks
):
    from careloop import testing

    referral = testing.make_referral(alice_practice)
    with django_capture_on_commit_callbacks(execute=True):
        change_status(owner_client, referral, "offered")
    assert written(outbound) == []


def test_it_answers_the_au_sample_referral_as_the_au_sample_rri_does(
    owner_client, alice_practice, outbound, django_capture_on_commit_callbacks
):
    raw = (SAMPLES / "hl7v2kit_au_ref_i12_simplified.hl7").read_bytes().decode()
    referral = import_message(raw, practice=alice_practice).referral
    with django_capture_on_commit_callbacks(execute=True):
        change_status(owner_client, referral, "offered")
    [ours] = written(outbound)
    theirs = sample("hl7v2kit_au_rri_i12.hl7")
    for name, number in [("MSH", 4), ("MSH", 5), ("MSH", 6), ("MSH", 9), ("MSH", 12)]:
        assert str(ours.segment(name)[number]) == str(theirs.segment(name)[number])
    assert str(theirs.segment("MSA")) == "MSA|AA|SYN-AU-REF-0001"
    assert str(ours.segment("MSA")) == (
        f"MSA|AA|SYN-AU-REF-0001|Referral accepted, reference {referral.reference}."
    )
    assert str(ours.segment("RF1")[6]) == str(theirs.segment("RF1")[6])
    assert [str(p) for p in ours.segments("PRD")] == [str(p) for p in theirs.segments("PRD")]
    assert str(ours.segment("PID")) == str(theirs.segment("PID"))
