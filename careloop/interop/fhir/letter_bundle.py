"""The letter as a FHIR R4 Bundle: a Communication to the doctor carrying a
DocumentReference with the PDF, with the practice as Organization and the signing
clinician and the doctor as Practitioner plus PractitionerRole, validated with
fhir.resources' R4B models. Identifier systems are AU Base's (INTEROP.md §2.1)."""

import base64
import uuid
from datetime import datetime

from django.utils import timezone
from fhir.resources.R4B.bundle import Bundle

from .. import au
from ..outbound import OutboundLetter


def _identifier(system: str, value: str, code_system: str, code: str, text: str) -> dict:
    return {
        "type": {"coding": [{"system": code_system, "code": code}], "text": text},
        "system": system,
        "value": value,
    }


def _entry(full_url: str, resource: dict) -> dict:
    return {"fullUrl": full_url, "resource": resource}


def _organization(practice) -> dict:
    identifiers = []
    if practice.hpio:
        identifiers.append(_identifier(au.HPIO, practice.hpio, au.V2_0203_AU, "NOI", "HPI-O"))
    if practice.abn:
        identifiers.append(_identifier(au.ABN, practice.abn, au.V2_0203_AU, "ABN", "ABN"))
    address = {
        "use": "work",
        "line": [practice.street] if practice.street else None,
        "city": practice.suburb or None,
        "state": practice.state or None,
        "postalCode": practice.postcode or None,
        "country": "AU",
    }
    telecom = [
        {"system": system, "value": value, "use": "work"}
        for system, value in (("phone", practice.phone), ("email", practice.email))
        if value
    ]
    return {
        "resourceType": "Organization",
        "identifier": identifiers or None,
        "active": True,
        "name": practice.name,
        "telecom": telecom or None,
        "address": [address],
    }


def _clinician(author) -> tuple[dict, list[dict]]:
    """(Practitioner, PractitionerRole identifiers) for the member who signed."""
    profile = getattr(author, "clinician_profile", None)
    identifiers, role_identifiers = [], []
    if profile and profile.hpii:
        identifiers.append(_identifier(au.HPII, profile.hpii, au.V2_0203, "NPI", "HPI-I"))
    if profile and profile.ahpra_registration:
        identifiers.append(
            _identifier(
                au.AHPRA,
                profile.ahpra_registration,
                au.V2_0203_AU,
                "AHPRA",
                "Ahpra Registration Number",
            )
        )
    if profile and profile.provider_number:
        # AU Core: the provider number is location-specific, so it sits on the role.
        role_identifiers.append(_provider_number(profile.provider_number))
    given, family = au.split_name(author.full_name)
    practitioner = {
        "resourceType": "Practitioner",
        "identifier": identifiers or None,
        "name": [{"text": author.full_name, "family": family, "given": [given] if given else None}],
    }
    return practitioner, role_identifiers


def _provider_number(value: str) -> dict:
    return _identifier(
        au.MEDICARE_PROVIDER_NUMBER, value, au.V2_0203_AU, "UPIN", "Medicare Provider Number"
    )


def _role(practitioner_id: str, organization_id: str | None, identifiers: list[dict]) -> dict:
    return {
        "resourceType": "PractitionerRole",
        "identifier": identifiers or None,
        "active": True,
        "practitioner": {"reference": practitioner_id},
        "organization": {"reference": organization_id} if organization_id else None,
    }


def build_letter_bundle(letter: OutboundLetter, *, now: datetime | None = None) -> str:
    practice, client, doctor, author = letter.practice, letter.client, letter.doctor, letter.author
    sent = (now or timezone.now()).isoformat()
    patient_id = f"urn:uuid:{client.uuid}"
    document_id = f"urn:uuid:{letter.letter_id}"
    organization_id = f"urn:uuid:{practice.uuid}"
    doctor_id = f"urn:uuid:{doctor.uuid}"
    # A role has no row of its own here; derive a stable id from the person's.
    doctor_role_id = f"urn:uuid:{_derived(doctor.uuid, 'role')}"

    patient_identifiers = []
    if client.medicare_number:
        patient_identifiers.append(
            _identifier(
                au.MEDICARE_NUMBER,
                f"{client.medicare_number}{client.medicare_irn or ''}",
                au.V2_0203,
                "MC",
                "Medicare Number",
            )
        )
    doctor_identifiers = []
    if doctor.hpii:
        doctor_identifiers.append(_identifier(au.HPII, doctor.hpii, au.V2_0203, "NPI", "HPI-I"))

    authors = [{"reference": organization_id}]
    sender = {"reference": organization_id}
    clinician_entries = []
    if author is not None:
        author_id = f"urn:uuid:{author.uuid}"
        author_role_id = f"urn:uuid:{_derived(author.uuid, 'role')}"
        practitioner, role_identifiers = _clinician(author)
        clinician_entries = [
            _entry(author_id, practitioner),
            _entry(author_role_id, _role(author_id, organization_id, role_identifiers)),
        ]
        # AU Core: reference the PractitionerRole rather than the Practitioner.
        authors.insert(0, {"reference": author_role_id})
        sender = {"reference": author_role_id}

    entries = [
        _entry(
            f"urn:uuid:{letter.message_id}",
            {
                "resourceType": "Communication",
                "status": "completed",
                "subject": {"reference": patient_id},
                "recipient": [{"reference": doctor_role_id}],
                "sender": sender,
                "sent": sent,
                "payload": [{"contentReference": {"reference": document_id}}],
            },
        ),
        _entry(
            document_id,
            {
                "resourceType": "DocumentReference",
                "status": "current",
                "type": {
                    "coding": [
                        {"system": "http://loinc.org", "code": "11488-4", "display": "Consult note"}
                    ],
                    "text": letter.title,
                },
                "subject": {"reference": patient_id},
                "date": letter.signed_at.isoformat(),
                "author": authors,
                "custodian": {"reference": organization_id},
                "content": [
                    {
                        "attachment": {
                            "contentType": "application/pdf",
                            "data": base64.b64encode(letter.pdf).decode(),
                            "title": letter.title,
                        }
                    }
                ],
            },
        ),
        _entry(
            patient_id,
            {
                "resourceType": "Patient",
                "identifier": patient_identifiers or None,
                "name": [{"family": client.family_name, "given": [client.given_name]}],
                "birthDate": client.date_of_birth.isoformat(),
            },
        ),
        _entry(
            doctor_id,
            {
                "resourceType": "Practitioner",
                "identifier": doctor_identifiers or None,
                "name": [
                    {
                        "family": doctor.family_name,
                        "given": [doctor.given_name],
                        "prefix": [doctor.title] if doctor.title else None,
                    }
                ],
            },
        ),
        _entry(
            doctor_role_id,
            _role(
                doctor_id,
                None,
                [_provider_number(doctor.provider_number)] if doctor.provider_number else [],
            ),
        ),
        _entry(organization_id, _organization(practice)),
        *clinician_entries,
    ]
    bundle = Bundle.model_validate(
        {"resourceType": "Bundle", "type": "collection", "timestamp": sent, "entry": entries}
    )
    return bundle.model_dump_json(exclude_none=True)


def _derived(person_uuid: uuid.UUID, kind: str) -> uuid.UUID:
    return uuid.uuid5(person_uuid, kind)
