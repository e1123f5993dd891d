"""The letter as an HL7 v2.4 ORU^R01 with the PDF as a display segment, addressed in
PV1-9: the form Australian GP systems file most readily (INTEROP.md §1.6)."""

import base64
from datetime import datetime

from django.utils import timezone

from careloop.directory.models import Doctor

from ..au import HPIO_OID_ROOT, organisation_universal_id, split_name
from ..outbound import OutboundLetter
from .ack import escape as e

PROFILE = "2.4^AUS&Australia&ISO3166_1^HL7AU-OO-201701&&L"


def segment(name: str, fields: dict[int, str]) -> str:
    """One segment from its fields by number, so no field lands one place off."""
    # MSH-1 is the field separator itself: the first field written after it is MSH-2.
    first = 2 if name == "MSH" else 1
    values = [""] * (max(fields) - first + 1)
    for number, value in fields.items():
        values[number - first] = value
    return "|".join([name, *values])


def _stamp(moment: datetime, practice) -> str:
    return moment.astimezone(practice.zoneinfo).strftime("%Y%m%d%H%M%S%z")


def receiving_facility(doctor: Doctor) -> str:
    """MSH-6: the doctor's secure-messaging id, qualified by their medical practice's
    HPI-O when they work at only one (with two we cannot tell which the id belongs to)."""
    medical_practices = list(doctor.medical_practices.all()[:2])
    only = medical_practices[0] if len(medical_practices) == 1 else None
    namespace = doctor.secure_messaging_address or (only.name if only else doctor.display_name)
    if only and only.hpio:
        return f"{e(namespace)}^{HPIO_OID_ROOT}{only.hpio}^ISO"
    return e(namespace)


def principal_interpreter(author) -> str:
    """OBR-32 (NDL): the clinician who signed the letter, by Medicare provider number."""
    if author is None:
        return ""
    given, family = split_name(author.full_name)
    profile = getattr(author, "clinician_profile", None)
    provider_number = profile.provider_number if profile else ""
    parts = [e(provider_number), e(family), e(given), "", "", "", "", ""]
    parts.append("AUSHICPR" if provider_number else "")
    return "&".join(parts).rstrip("&")


def build_oru(letter: OutboundLetter, control_id: str, *, now: datetime | None = None) -> str:
    practice, client, doctor = letter.practice, letter.client, letter.doctor
    stamp = _stamp(now or timezone.now(), practice)
    universal_id, universal_type = organisation_universal_id(practice)
    medicare = f"{client.medicare_number}{client.medicare_irn or ''}"
    pid3 = f"{client.uuid.hex}^^^CARELOOP&{universal_id}&{universal_type}^MR" + (
        f"~{medicare}^^^AUSHIC^MC" if medicare else ""
    )
    segments = [
        segment(
            "MSH",
            {
                2: "^~\\&",
                3: "CARELOOP",
                4: f"{e(practice.name)}^{universal_id}^{universal_type}",
                # Routing: the doctor's messaging network and their id on it.
                5: e(doctor.secure_messaging_service),
                6: receiving_facility(doctor),
                7: stamp,
                9: "ORU^R01^ORU_R01",
                10: control_id,
                11: "P",
                12: PROFILE,
                15: "AL",
                16: "NE",
                17: "AUS",
            },
        ),
        segment(
            "PID",
            {
                1: "1",
                3: pid3,
                5: f"{e(client.family_name)}^{e(client.given_name)}",
                7: f"{client.date_of_birth:%Y%m%d}",
                11: f"{e(client.street)}^^{e(client.suburb)}^{client.state}^{client.postcode}"
                "^AUS^H",
            },
        ),
        segment(
            "PV1",
            {
                1: "1",
                2: "O",
                9: f"{doctor.provider_number}^{e(doctor.family_name)}^{e(doctor.given_name)}"
                "^^^Dr^^^AUSHICPR^L^^^UPIN",
            },
        ),
        segment(
            "OBR",
            {
                1: "1",
                3: f"{letter.letter_id.hex}^CARELOOP^{universal_id}^{universal_type}",
                4: "11488-4^Consult note^LN",
                # The clinical date of a letter is when it was signed, not when it left.
                7: _stamp(letter.signed_at, practice),
                22: stamp,
                24: "PHY",
                25: "F",
                32: principal_interpreter(letter.author),
            },
        ),
        "OBX|1|ED|PDF^Display format in PDF^AUSPDI||^application^pdf^Base64^"
        + base64.b64encode(letter.pdf).decode()
        + "||||||F",
    ]
    return "\r".join(segments) + "\r"


def control_id(delivery_uuid) -> str:
    return f"CL{delivery_uuid.hex[:20].upper()}"
