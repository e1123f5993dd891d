"""Referrals that arrive from outside (the doctors' web form, secure messages)."""

from django.db import transaction

from careloop.practices.models import Niche, User

from . import actions
from .matching import PatientDetails, ReferrerDetails, match_client, match_doctor
from .models import Referral, ReferralSource


def receive_web_referral(practice, data: dict, *, letter, letter_kind) -> Referral:
    """Store a referral sent through the practice's public form: doctor and client
    matched (never silently merged), the letter attached, the clock started."""
    with transaction.atomic():
        doctor, created = match_doctor(
            practice,
            ReferrerDetails(
                given_name=data["doctor_given_name"],
                family_name=data["doctor_family_name"],
                doctor_type=data["doctor_type"],
                provider_number=data["provider_number"],
                practice_name=data["practice_name"],
                suburb=data.get("practice_suburb", ""),
                postcode=data.get("practice_postcode", ""),
                phone=data["doctor_phone"],
                email=data.get("doctor_email", ""),
            ),
        )
        match = match_client(
            practice,
            PatientDetails(
                given_name=data["patient_given_name"],
                family_name=data["patient_family_name"],
                date_of_birth=data["patient_date_of_birth"],
                medicare_number=data.get("patient_medicare_number", ""),
                medicare_irn=data.get("patient_medicare_irn"),
                street=data["patient_street"],
                suburb=data["patient_suburb"],
                state=data["patient_state"],
                postcode=data["patient_postcode"],
                phone=data["patient_phone"],
            ),
        )
        preferred = data.get("preferred_clinician")
        niche = data.get("preferred_niche")
        referral = Referral(
            practice=practice,
            source=ReferralSource.FORM,
            client=match.client,
            referring_doctor=doctor,
            referral_date=_today(practice),
            basis=data["basis"],
            sessions_referred=data["sessions_referred"],
            reason=data["reason"],
            medications=data["medications"],
            urgency=data["urgency"],
            preferred_clinician=preferred if isinstance(preferred, User) else None,
            preferred_niche=niche if isinstance(niche, Niche) else None,
            # Staff tick it once they have seen the signature on the uploaded letter.
            letter_signed=False,
            # Anyone can type a known doctor's name and provider number into a public
            # form: the credit to that doctor waits for staff to confirm it.
            sender_unverified=not created,
        )
        note = "Sent through the practice website's referral form."
        if not created:
            note += (
                f" The sender gave the details of {doctor.display_name}, already on file: "
                "confirm the referral came from them."
            )
        if match.outcome == "possible_duplicate":
            note += " The client may already be on file: check before booking."
        actions.receive(referral, note=note)
        actions.attach_document(
            referral, letter, kind=letter_kind, name=letter.name or "referral-letter"
        )
    return referral


def _today(practice):
    return practice.today()
