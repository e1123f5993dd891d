"""Checks on single values, shared by the CSV and FHIR readers. Each returns the
value as it is stored, or raises CellError with words a receptionist can act on."""

from __future__ import annotations

from functools import lru_cache

from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from careloop.lib import identifiers
from careloop.lib.identifiers import IdentifierError


class CellError(ValueError):
    pass


# Mirrors DoctorType and SecureMessagingService in ../models.py (kept here so that
# reading a file needs no model); test_importing checks they agree.
DOCTOR_TYPES = {
    "gp": "gp",
    "general practitioner": "gp",
    "general practice": "gp",
    "psychiatrist": "psychiatrist",
    "psychiatry": "psychiatrist",
    "paediatrician": "paediatrician",
    "pediatrician": "paediatrician",
    "paediatrics": "paediatrician",
    "other": "other",
}
SECURE_MESSAGING_SERVICES = {
    "healthlink": "HealthLink",
    "argus": "Argus",
    "argus (telstra health)": "Argus",
    "medical-objects": "Medical-Objects",
    "medical objects": "Medical-Objects",
    "referralnet": "ReferralNet",
}

MAX_LENGTHS = {
    "title": 20,
    "given_name": 80,
    "family_name": 80,
    "email": 254,
    "phone": 30,
    "fax": 30,
    "secure_messaging_address": 120,
    "name": 160,
    "street": 200,
    "suburb": 80,
}


def text(value: str, field: str) -> str:
    value = " ".join((value or "").split())
    limit = MAX_LENGTHS.get(field)
    if limit and len(value) > limit:
        raise CellError(f"At most {limit} characters; this has {len(value)}.")
    return value


def _identifier(value: str, check) -> str:
    value = (value or "").strip()
    if not value:
        return ""
    try:
        return check(value)
    except IdentifierError as error:
        raise CellError(str(error)) from None


def provider_number(value: str) -> str:
    return _identifier(value, identifiers.check_provider_number)


def hpii(value: str) -> str:
    return _identifier(value, identifiers.check_hpii)


@lru_cache(maxsize=65536)
def hpio(value: str) -> str:
    return _identifier(value, identifiers.check_hpio)


@lru_cache(maxsize=65536)
def email(value: str) -> str:
    value = (value or "").strip()
    if not value:
        return ""
    try:
        validate_email(value)
    except ValidationError:
        raise CellError(f"{value!r} is not an e-mail address.") from None
    return text(value, "email")


@lru_cache(maxsize=65536)
def doctor_type(value: str) -> str:
    key = " ".join((value or "").lower().split())
    if not key:
        return ""
    if key not in DOCTOR_TYPES:
        raise CellError(
            f"{value!r} is not a doctor type we know: use GP, psychiatrist, paediatrician or other."
        )
    return DOCTOR_TYPES[key]


@lru_cache(maxsize=65536)
def secure_messaging_service(value: str) -> str:
    key = " ".join((value or "").lower().split())
    if not key:
        return ""
    if key not in SECURE_MESSAGING_SERVICES:
        raise CellError(
            f"{value!r} is not a secure-messaging network we send through: use HealthLink, "
            "Argus, Medical-Objects or ReferralNet."
        )
    return SECURE_MESSAGING_SERVICES[key]


@lru_cache(maxsize=65536)
def state(value: str) -> str:
    value = (value or "").strip()
    if not value:
        return ""
    # A full name ("New South Wales") is as good as its abbreviation.
    for code, name in identifiers.STATES.items():
        if value.lower() == name.lower():
            return code
    try:
        return identifiers.check_state(value)
    except IdentifierError as error:
        raise CellError(str(error)) from None


@lru_cache(maxsize=65536)
def postcode(value: str, state_code: str = "") -> str:
    value = (value or "").strip()
    if not value:
        return ""
    if value.isdigit() and len(value) == 3:
        value = "0" + value  # spreadsheets drop the leading zero of NT postcodes
    try:
        return identifiers.check_postcode(value, state_code or None)
    except IdentifierError as error:
        raise CellError(str(error)) from None


def coordinate(value: str, *, low: float, high: float, what: str) -> float | None:
    value = (value or "").strip()
    if not value:
        return None
    try:
        number = float(value)
    except ValueError:
        raise CellError(f"{value!r} is not a number.") from None
    if not low <= number <= high:
        raise CellError(f"An Australian {what} is between {low:g} and {high:g}.")
    return round(number, 6)


def latitude(value: str) -> float | None:
    return coordinate(value, low=-44, high=-9, what="latitude")


def longitude(value: str) -> float | None:
    return coordinate(value, low=96, high=168, what="longitude")
