"""What a Better Access referral must contain (MBS note MN.6.3; BETTER_ACCESS.md §2.3).

`missing_items` looks at plain facts, so every intake path (web form, HL7, upload,
typed) is judged the same way. About a third of GP referrals lack something.
"""

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from careloop.lib.identifiers import IdentifierError, check_provider_number

if TYPE_CHECKING:
    from .models import Referral


@dataclass(frozen=True)
class ReferralFacts:
    client_name: str
    date_of_birth: object | None
    client_address: str
    reason: str
    basis: str
    medications: str
    sessions_referred: int | None
    signed: bool
    referral_date: object | None
    referrer_name: str
    referrer_provider_number: str
    self_referral: bool = False


@dataclass(frozen=True)
class MissingItem:
    code: str
    label: str  # said to the doctor: "Please send …"
    staff_label: str = ""  # said to practice staff, where the doctor's words differ

    @property
    def for_staff(self) -> str:
        return self.staff_label or self.label


COURSE_LIMIT = 6  # MN.6.3: up to six services per course; the engine reads it from data


def missing_items(facts: ReferralFacts) -> list[MissingItem]:
    if facts.self_referral:
        # No Medicare rebate without a doctor's referral, so nothing to check against.
        return []
    items = []
    if not facts.client_name.strip():
        items.append(MissingItem("patient_name", "the patient's full name"))
    if not facts.date_of_birth:
        items.append(MissingItem("date_of_birth", "the patient's date of birth"))
    if not facts.client_address.strip():
        items.append(MissingItem("address", "the patient's address"))
    if not facts.reason.strip():
        items.append(MissingItem("diagnosis", "the symptoms or diagnosis"))
    if facts.basis in ("", "unstated", "other"):
        items.append(
            MissingItem(
                "plan",
                "which plan applies (a GP Mental Health Treatment Plan or a psychiatrist "
                "assessment and management plan)",
            )
        )
    if not facts.medications.strip():
        items.append(MissingItem("medications", "a list of current medications (or 'nil')"))
    if facts.sessions_referred is None:
        items.append(MissingItem("sessions", "the number of sessions referred (up to 6)"))
    elif facts.sessions_referred > COURSE_LIMIT:
        items.append(
            MissingItem(
                "sessions_over_limit",
                f"confirmation of the number of sessions: the referral says "
                f"{facts.sessions_referred}, and a course of treatment is at most {COURSE_LIMIT}",
            )
        )
    if not facts.signed or not facts.referral_date:
        items.append(
            MissingItem(
                "signature",
                "the referral signed and dated by you",
                "the doctor's signature and date on the referral",
            )
        )
    if not facts.referrer_provider_number.strip():
        items.append(
            MissingItem(
                "provider_number",
                "your Medicare provider number",
                "the doctor's Medicare provider number",
            )
        )
    else:
        try:
            check_provider_number(facts.referrer_provider_number)
        except IdentifierError:
            items.append(
                MissingItem(
                    "provider_number",
                    f"your Medicare provider number (we have "
                    f"{facts.referrer_provider_number}, which fails its check character)",
                    f"the doctor's Medicare provider number ({facts.referrer_provider_number} "
                    "fails its check character)",
                )
            )
    return items


def facts_of(referral: "Referral") -> ReferralFacts:
    """Facts of a stored referral (client and doctor should be select_related)."""
    client = referral.client
    doctor = referral.referring_doctor
    address = " ".join(p for p in (client.street, client.suburb, client.postcode) if p)
    return ReferralFacts(
        client_name=f"{client.given_name} {client.family_name}".strip()
        if client.given_name and client.family_name
        else "",
        date_of_birth=client.date_of_birth,
        client_address=address,
        reason=referral.reason,
        basis=referral.basis,
        medications=referral.medications,
        sessions_referred=referral.sessions_referred,
        signed=referral.letter_signed,
        referral_date=referral.referral_date,
        referrer_name=doctor.display_name if doctor else "",
        referrer_provider_number=doctor.provider_number if doctor else "",
        self_referral=referral.basis == "self",
    )


def referral_date_problem(
    referral_date: date | None, date_of_birth: date | None, today: date
) -> str | None:
    """Why a referral's date cannot be right, or None. A letter dated in the future, or
    before the client was born, is a typing mistake or a letter about someone else."""
    if referral_date is None:
        return None
    if referral_date > today:
        return (
            f"The referral is dated {referral_date:%d/%m/%Y}, which is in the future: "
            "check the date on the letter."
        )
    if date_of_birth is not None and referral_date < date_of_birth:
        return (
            f"The referral is dated {referral_date:%d/%m/%Y}, before the client was born "
            f"({date_of_birth:%d/%m/%Y}): check the date, and that it is the right client."
        )
    return None
