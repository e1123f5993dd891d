"""The doctors' web referral form, read into the shape every intake channel shares."""

from careloop.lib.uploads import DocumentKind
from careloop.practices.models import Niche, User
from careloop.referrals.intake import IncomingDocument, IncomingReferral
from careloop.referrals.matching import PatientDetails, ReferrerDetails
from careloop.referrals.models import Referral, ReferralSource


def incoming_from_form(practice, data: dict, letter_kind: DocumentKind) -> IncomingReferral:
    preferred = data.get("preferred_clinician")
    niche = data.get("preferred_niche")
    letter = data["letter"]
    return IncomingReferral(
        referral=Referral(
            source=ReferralSource.FORM,
            referral_date=practice.today(),
            basis=data["basis"],
            sessions_referred=data["sessions_referred"],
            reason=data["reason"],
            medications=data["medications"],
            urgency=data["urgency"],
            preferred_clinician=preferred if isinstance(preferred, User) else None,
            preferred_niche=niche if isinstance(niche, Niche) else None,
            # Staff tick it once they have seen the signature on the uploaded letter.
            letter_signed=False,
        ),
        referrer=ReferrerDetails(
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
        patient=PatientDetails(
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
        documents=[IncomingDocument(letter.name or "referral-letter", letter, letter_kind)],
        note="Sent through the practice website's referral form.",
        verify_known_sender=True,
    )
