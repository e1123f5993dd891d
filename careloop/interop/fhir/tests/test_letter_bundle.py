"""The FHIR letter Bundle on its own: valid R4B with or without the optional ids."""

import json

import pytest
from fhir.resources.R4B.bundle import Bundle

from careloop import testing
from careloop.interop.fhir.letter_bundle import build_letter_bundle
from careloop.interop.outbound import OutboundLetter
from careloop.practices.models import Role


@pytest.fixture
def letter(alice_practice):
    client = testing.make_client(alice_practice, medicare_number="")
    return OutboundLetter(
        letter_id=client.uuid,
        message_id=alice_practice.uuid,
        title="Discharge summary",
        practice=alice_practice,
        client=client,
        doctor=testing.make_doctor(alice_practice, provider_number=""),
        author=testing.make_user(alice_practice, Role.OWNER, full_name="Olivia"),
        signed_at=testing.aware(2026, 11, 2),
        pdf=b"%PDF-1.4\n",
    )


def resources(letter) -> dict:
    bundle = Bundle.model_validate(json.loads(build_letter_bundle(letter)))
    return {entry.resource.__resource_type__: entry.resource for entry in bundle.entry[::-1]}


def test_it_validates_when_the_practice_has_no_hpio_and_the_author_no_profile(letter):
    letter.practice.abn = ""
    letter.practice.save()
    found = resources(letter)
    assert found["Organization"].identifier is None
    assert found["Organization"].name == letter.practice.name
    assert found["Communication"].sender.reference.startswith("urn:uuid:")


def test_without_an_author_the_practice_sends_and_authors_it(letter):
    found = resources(OutboundLetter(**{**letter.__dict__, "author": None}))
    organization = f"urn:uuid:{letter.practice.uuid}"
    assert found["Communication"].sender.reference == organization
    assert [a.reference for a in found["DocumentReference"].author] == [organization]
