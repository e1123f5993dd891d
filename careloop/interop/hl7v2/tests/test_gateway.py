"""The messaging gateway endpoint: body limits and acknowledgements of our letters."""

import base64
import os

import hl7
from django.utils import timezone

from careloop import testing
from careloop.interop.hl7v2.importer import MAX_BODY_BYTES
from careloop.interop.models import GatewayToken
from careloop.letters.models import Delivery, Letter
from careloop.referrals.models import Referral

from .test_import import ref_message


def post(client, body, token, **extra):
    return client.post(
        "/interop/hl7/",
        body,
        content_type="x-application/hl7-v2+er7",
        HTTP_AUTHORIZATION=f"Bearer {token}",
        **extra,
    )


def test_it_accepts_a_message_larger_than_djangos_default_body_limit(client, alice_practice):
    _, token = GatewayToken.issue(alice_practice, "HealthLink")
    # A scanned letter of about 2.2 MB is about 3 MB once base64-encoded.
    scan = b"%PDF-1.4\n" + os.urandom(2_200_000)
    encoded = base64.b64encode(scan).decode()
    obx = f"OBX|1|ED|PDF^Display format in PDF^AUSPDI||^application^pdf^Base64^{encoded}||||||F"
    message = ref_message(obx=[obx])
    assert len(message) > 2_900_000
    response = post(client, message, token)
    assert response.status_code == 200
    assert "MSA|AA|MSG0001|" in response.content.decode()
    referral = Referral.objects.get()
    assert referral.documents.get().file.read() == scan


def test_an_over_limit_request_is_refused_by_its_length_with_an_ar_ack(client, alice_practice):
    _, token = GatewayToken.issue(alice_practice, "HealthLink")
    # Declared larger than the limit: refused before a byte of the body is read.
    response = post(client, ref_message(), token, CONTENT_LENGTH=str(MAX_BODY_BYTES + 1))
    assert response.status_code == 413
    assert response["Content-Type"].startswith("x-application/hl7-v2+er7")
    msa = hl7.parse(response.content.decode()).segment("MSA")
    assert str(msa[1]) == "AR"
    assert "larger than 25 MB" in str(msa[3])
    assert not Referral.objects.exists()


def test_a_body_over_the_limit_is_refused_even_when_read(client, alice_practice):
    _, token = GatewayToken.issue(alice_practice, "HealthLink")
    response = post(client, ref_message() + "X" * MAX_BODY_BYTES, token)
    assert response.status_code == 413
    assert "MSA|AR|" in response.content.decode()
    assert not Referral.objects.exists()


def _sent_hl7_letter(practice, control_id):
    letter = Letter.objects.create(
        practice=practice,
        client=testing.make_client(practice),
        doctor=testing.make_doctor(practice),
        kind="end_of_course",
        status="sent",
    )
    return Delivery.objects.create(
        practice=practice,
        letter=letter,
        channel="hl7",
        status="sent",
        next_attempt_at=timezone.now(),
        message_id=control_id,
    )


def _ack_of(control_id, code="AA"):
    return (
        "MSH|^~\\&|BP|BAYMED|CARELOOP|HARBOUR|20261128||ACK^R01^ACK|A1|P|2.4\r"
        f"MSA|{code}|{control_id}|Refused\r"
    )


def test_an_ack_changes_only_the_tokens_own_practices_letters(client, alice_practice, bob_practice):
    bobs = _sent_hl7_letter(bob_practice, "CL20261128BOB1")
    _, alice_token = GatewayToken.issue(alice_practice, "HealthLink")
    for code in ("AR", "AA"):
        post(client, _ack_of("CL20261128BOB1", code), alice_token)
        bobs.refresh_from_db()
        assert bobs.status == "sent"
    _, bob_token = GatewayToken.issue(bob_practice, "HealthLink")
    response = post(client, _ack_of("CL20261128BOB1", "AA"), bob_token)
    assert response["X-Careloop-Status"] == "acknowledged"
    bobs.refresh_from_db()
    assert bobs.status == "delivered"
