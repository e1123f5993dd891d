"""Find the doctor and the client a referral from outside is about.

Doctors match by Medicare provider number, else by name and medical practice.
Clients match by Medicare number and date of birth. When only the name and date of
birth agree (or the Medicare number agrees but the birth date does not), nothing is
merged: a new client is created and flagged as a possible duplicate for staff.
"""

from dataclasses import dataclass
from datetime import date

from careloop.clients.models import Client
from careloop.directory.models import Doctor, DoctorType, MedicalPractice
from careloop.lib.identifiers import (
    IdentifierError,
    check_medicare_irn,
    check_medicare_number,
    check_postcode,
    check_provider_number,
    check_state,
)


@dataclass
class PatientDetails:
    family_name: str
    given_name: str
    date_of_birth: date
    medicare_number: str = ""
    medicare_irn: int | None = None
    street: str = ""
    suburb: str = ""
    state: str = ""
    postcode: str = ""
    phone: str = ""
    email: str = ""


@dataclass
class ReferrerDetails:
    family_name: str
    given_name: str = ""
    title: str = "Dr"
    provider_number: str = ""
    doctor_type: str = DoctorType.GP
    practice_name: str = ""
    street: str = ""
    suburb: str = ""
    state: str = ""
    postcode: str = ""
    phone: str = ""
    fax: str = ""
    email: str = ""


@dataclass(frozen=True)
class ClientMatch:
    client: Client
    outcome: str  # "matched", "new" or "possible_duplicate"


def clean_medicare(number: str, irn=None) -> tuple[str, int | None, list[str]]:
    """A card number and IRN we can store, and warnings for what we could not."""
    warnings: list[str] = []
    digits = "".join(ch for ch in number or "" if ch.isdigit())
    if len(digits) == 11:  # the IRN written on the end
        digits, irn = digits[:10], irn or digits[10]
    if not digits:
        return "", None, warnings
    try:
        card = check_medicare_number(digits)
    except IdentifierError as error:
        warnings.append(f"Medicare number {number!r} not stored: {error}")
        return "", None, warnings
    try:
        irn_value = check_medicare_irn(irn) if irn not in (None, "") else None
    except IdentifierError:
        warnings.append(f"IRN {irn!r} not stored: it is not a digit 1-9.")
        irn_value = None
    return card, irn_value, warnings


def _clean_address(state: str, postcode: str) -> tuple[str, str]:
    try:
        state = check_state(state) if state else ""
    except IdentifierError:
        state = ""
    try:
        postcode = check_postcode(postcode, state or None) if postcode else ""
    except IdentifierError:
        postcode = ""
    return state, postcode


def match_client(practice, details: PatientDetails) -> ClientMatch:
    clients = Client.objects.for_practice(practice)
    if details.medicare_number:
        same_card = list(clients.filter(medicare_number=details.medicare_number).order_by("pk"))
        same_birthday = [c for c in same_card if c.date_of_birth == details.date_of_birth]
        # Twins share a card and a birthday: the IRN, or else the given name, must agree
        # too, and only one person may fit; otherwise a person decides.
        agreeing = [
            c
            for c in same_birthday
            if (details.medicare_irn and c.medicare_irn == details.medicare_irn)
            or (
                not (details.medicare_irn and c.medicare_irn)
                and c.given_name.casefold() == details.given_name.strip().casefold()
            )
        ]
        if len(agreeing) == 1:
            return ClientMatch(agreeing[0], "matched")
        suspect = same_card[0] if same_card else None

    else:
        suspect = None
    suspect = (
        suspect
        or clients.filter(
            family_name__iexact=details.family_name.strip(),
            given_name__iexact=details.given_name.strip(),
            date_of_birth=details.date_of_birth,
        )
        .order_by("pk")
        .first()
    )
    state, postcode = _clean_address(details.state, details.postcode)
    client = Client.objects.create(
        practice=practice,
        given_name=details.given_name.strip()[:80],
        family_name=details.family_name.strip()[:80],
        date_of_birth=details.date_of_birth,
        medicare_number=details.medicare_number,
        medicare_irn=details.medicare_irn,
        street=details.street[:200],
        suburb=details.suburb[:80],
        state=state,
        postcode=postcode,
        phone=details.phone[:30],
        email=details.email[:254],
        possible_duplicate_of=suspect,
    )
    return ClientMatch(client, "possible_duplicate" if suspect else "new")


def match_doctor(practice, details: ReferrerDetails) -> tuple[Doctor, bool]:
    """The directory's doctor for these details, creating one if none matches."""
    doctors = Doctor.objects.for_practice(practice)
    try:
        provider_number = check_provider_number(details.provider_number)
    except IdentifierError:
        provider_number = ""
    if provider_number:
        found = doctors.filter(provider_number=provider_number).first()
        if found:
            return found, False
    same_name = doctors.filter(family_name__iexact=details.family_name.strip())
    if details.given_name:
        same_name = same_name.filter(given_name__iexact=details.given_name.strip())
    if details.practice_name:
        candidates = same_name.filter(medical_practices__name__iexact=details.practice_name.strip())
    elif details.postcode:
        candidates = same_name.filter(medical_practices__postcode=details.postcode)
    else:
        candidates = same_name.none()
    found = candidates.first()
    if found:
        if provider_number and not found.provider_number:
            found.provider_number = provider_number
            found.save(update_fields=["provider_number", "updated_at"])
        return found, False
    doctor = Doctor.objects.create(
        practice=practice,
        title=details.title[:20],
        given_name=details.given_name.strip()[:80],
        family_name=details.family_name.strip()[:80] or "(unknown)",
        doctor_type=details.doctor_type,
        # Kept as the doctor wrote it, even if it fails its check: the referral check
        # then asks the doctor to confirm it.
        provider_number=(provider_number or details.provider_number.strip().upper())[:8],
        email=details.email[:254],
        phone=details.phone[:30],
        fax=details.fax[:30],
        notes="Added automatically from a referral.",
    )
    if details.practice_name:
        doctor.medical_practices.add(_medical_practice(practice, details))
    return doctor, True


def _medical_practice(practice, details: ReferrerDetails) -> MedicalPractice:
    existing = MedicalPractice.objects.for_practice(practice).filter(
        name__iexact=details.practice_name.strip()
    )
    if details.postcode:
        existing = existing.filter(postcode=details.postcode)
    found = existing.first()
    if found:
        return found
    state, postcode = _clean_address(details.state, details.postcode)
    return MedicalPractice.objects.create(
        practice=practice,
        name=details.practice_name.strip()[:160],
        street=details.street[:200],
        suburb=details.suburb[:80],
        state=state,
        postcode=postcode,
        phone=details.phone[:30],
        fax=details.fax[:30],
    )
