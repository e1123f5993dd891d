"""Importing REF^I12 messages: parse, find the practice, match doctor and client, store
the referral with its letters, and answer with an ACK. All or nothing per message."""

import logging
from dataclasses import dataclass, field
from typing import Any

import hl7
from django.db import IntegrityError, transaction

from careloop import events
from careloop.audit.actions import COMMAND_LINE, SECURE_MESSAGING, Via
from careloop.interop.events import AcknowledgementReceived
from careloop.interop.models import InboundMessage
from careloop.lib.uploads import DocumentKind
from careloop.practices.models import Practice
from careloop.referrals.intake import (
    IncomingDocument,
    IncomingReferral,
    IntakeRefused,
    take_in,
)
from careloop.referrals.matching import (
    PatientDetails,
    ReferrerDetails,
    clean_medicare,
)
from careloop.referrals.models import Referral, ReferralBasis, ReferralSource

from .ack import build_ack
from .parser import (
    APPLICATION_ERROR,
    MessageRejected,
    ParsedReferral,
    Problem,
    parse_referral,
    split_messages,
)

log = logging.getLogger(__name__)

# The most one gateway request may carry (a scanned letter base64-encoded is ~1.35x).
MAX_BODY_BYTES = 25 * 1024 * 1024

ACCEPTED, DUPLICATE, REJECTED = "accepted", "duplicate", "rejected"
ACKNOWLEDGED = "acknowledged"  # an ACK for a letter we sent
# Acknowledgements are never acknowledged (ADRM §8).
_NOT_ACKNOWLEDGED = ("ACK", "RRI")


@dataclass
class ImportResult:
    status: str
    control_id: str = ""
    ack_code: str = ""
    ack: str | None = None
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    parsed: ParsedReferral | None = None
    referral: Referral | None = None
    practice: Practice | None = None
    dry_run: bool = False

    def as_json(self) -> dict[str, Any]:
        parsed = self.parsed
        patient = referrer = None
        if parsed is not None:
            patient = {
                "family": parsed.patient.family,
                "given": parsed.patient.given,
                "dob": parsed.date_of_birth.isoformat() if parsed.date_of_birth else None,
                "medicare": parsed.medicare or None,
            }
            referrer = {
                "name": parsed.referrer.display,
                "provider_number": parsed.referrer_provider_number or None,
            }
        return {
            "status": self.status,
            "control_id": self.control_id,
            "ack": self.ack_code or None,
            "practice": self.practice.slug if self.practice else None,
            "patient": patient,
            "referrer": referrer,
            "referral_date": parsed.referral_date.isoformat()
            if parsed and parsed.referral_date
            else None,
            "attachments": len(parsed.attachments) if parsed else 0,
            "reference": self.referral.reference if self.referral else None,
            "dry_run": self.dry_run,
            "errors": self.errors,
            "warnings": self.warnings,
        }


def find_practice(receiving_facility: str) -> Practice | None:
    """The practice that MSH-6 names, from each practice's configured facility ids."""
    # MSH-6 is name^universal id^type; any of the first two may be configured.
    wanted = {part.strip().lower() for part in receiving_facility.split("^")[:2] if part.strip()}

    if not wanted:
        return None
    for practice in Practice.objects.exclude(hl7_facility_ids=""):
        ids = {i.strip().lower() for i in practice.hl7_facility_ids.split(",") if i.strip()}
        if ids & wanted:
            return practice
    return None


def _rejected(header, problems, *, control_id="", parsed=None, practice=None, dry_run=False):
    code = "AR" if any(p.ack_code == "AR" for p in problems) else "AE"
    text = (
        problems[0].text
        if len(problems) == 1
        else f"{len(problems)} problems: " + " ".join(p.text for p in problems)
    )
    ack = None
    if header is None or header.message_type.split("^")[0] not in _NOT_ACKNOWLEDGED:
        ack = build_ack(header, code, text, problems)
    return ImportResult(
        REJECTED,
        control_id=control_id or (header.control_id if header else ""),
        ack_code=code,
        ack=ack,
        errors=[p.text for p in problems],
        parsed=parsed,
        practice=practice,
        dry_run=dry_run,
    )


def import_message(
    raw: str, *, practice: Practice | None = None, dry_run: bool = False, via: str = "file"
) -> ImportResult:
    try:
        parsed = parse_referral(raw)
    except MessageRejected as rejected:
        header = rejected.header
        if header is not None and header.message_type.split("^")[0] == "ACK" and not dry_run:
            acknowledged = _acknowledgement_of_our_letter(
                raw, practice or find_practice(header.receiving_facility)
            )
            if acknowledged is not None:
                return acknowledged
        return _rejected(rejected.header, rejected.problems, dry_run=dry_run)
    header = parsed.header

    practice = practice or find_practice(header.receiving_facility)
    if practice is None:
        return _rejected(
            header,
            [
                Problem(
                    "AR",
                    f"MSH-6 receiving facility {header.receiving_facility!r} is not a practice "
                    "on this server (configure its HL7 facility ids, or import with --practice).",
                    "MSH",
                    1,
                    6,
                    APPLICATION_ERROR,
                )
            ],
            parsed=parsed,
            dry_run=dry_run,
        )

    existing = InboundMessage.objects.filter(
        practice=practice, sender=header.sender, control_id=header.control_id
    ).first()
    if existing is not None:
        return _duplicate(existing, parsed, practice, dry_run)

    medicare, irn, medicare_warnings = clean_medicare(parsed.medicare, parsed.medicare_irn)
    warnings = parsed.warnings + medicare_warnings
    if dry_run:
        ack = build_ack(header, "AA", "Would be accepted (dry run).")
        return ImportResult(
            ACCEPTED,
            control_id=header.control_id,
            ack_code="AA",
            ack=ack,
            warnings=warnings,
            parsed=parsed,
            practice=practice,
            dry_run=True,
        )
    try:
        with transaction.atomic():
            referral = _store(parsed, practice, medicare, irn, warnings, raw, via)
    except IntakeRefused as refused:
        return _rejected(
            header,
            [Problem("AE", str(refused), "RF1", 1, 7)],
            parsed=parsed,
            practice=practice,
        )
    except IntegrityError:
        # The same message, imported at the same moment by another process.
        existing = InboundMessage.objects.get(
            practice=practice, sender=header.sender, control_id=header.control_id
        )
        return _duplicate(existing, parsed, practice, dry_run)
    log.info(
        "HL7 %s from %s accepted as referral %s",
        header.control_id,
        header.sender,
        referral.reference,
    )
    message = referral.inbound_messages.get()
    return ImportResult(
        ACCEPTED,
        control_id=header.control_id,
        ack_code="AA",
        ack=message.ack,
        warnings=warnings,
        parsed=parsed,
        referral=referral,
        practice=practice,
    )


def _acknowledgement_of_our_letter(raw: str, practice: Practice | None) -> ImportResult | None:
    """An ACK for a letter we sent by HL7 marks it delivered (or refused by them).
    Acknowledgements are not themselves acknowledged. Only the receiving practice's
    letters are matched (the gateway token's, or the one MSH-6 names)."""
    if practice is None:
        return None
    try:
        msa = hl7.parse(raw).segment("MSA")
        code, control_id = str(msa[1]).strip(), str(msa[2]).strip()
        text = str(msa[3]).strip() if len(msa) > 3 else ""
    except (KeyError, IndexError):
        return None
    recorded = [
        outcome
        for outcome in events.publish(AcknowledgementReceived(practice.pk, control_id, code, text))
        if outcome
    ]
    if not recorded:
        return None
    return ImportResult(
        ACKNOWLEDGED,
        control_id=control_id,
        ack_code=code,
        ack=None,
        warnings=[f"Acknowledgement of our letter: {outcome}" for outcome in recorded],
    )


def _duplicate(existing, parsed, practice, dry_run) -> ImportResult:
    return ImportResult(
        DUPLICATE,
        control_id=existing.control_id,
        ack_code="AA",
        ack=existing.ack,
        warnings=[
            "Already received: this message control id from this sender was imported "
            "before; nothing new was stored."
        ],
        parsed=parsed,
        referral=existing.referral,
        practice=practice,
        dry_run=dry_run,
    )


def _store(parsed: ParsedReferral, practice, medicare, irn, warnings, raw, via) -> Referral:
    header = parsed.header
    assert parsed.date_of_birth is not None  # the parser rejects a message without one
    intake = take_in(
        practice,
        IncomingReferral(
            referral=Referral(
                source=ReferralSource.HL7,
                referral_date=parsed.referral_date or practice.today(),
                basis=ReferralBasis.UNSTATED,
                reason=parsed.reason,
                medications=parsed.medications,
                # A secure message is authenticated and signed by the sender's system.
                letter_signed=True,
            ),
            referrer=ReferrerDetails(
                family_name=parsed.referrer.family,
                given_name=parsed.referrer.given,
                title=parsed.referrer.title or "Dr",
                provider_number=parsed.referrer_provider_number,
                practice_name=""
                if "." in header.sending_facility_name
                else header.sending_facility_name,
                street=parsed.referrer_street,
                suburb=parsed.referrer_suburb,
                state=parsed.referrer_state,
                postcode=parsed.referrer_postcode,
                phone=parsed.referrer_phone,
            ),
            patient=PatientDetails(
                family_name=parsed.patient.family,
                given_name=parsed.patient.given,
                date_of_birth=parsed.date_of_birth,
                medicare_number=medicare,
                medicare_irn=irn,
                street=parsed.patient_street,
                suburb=parsed.patient_suburb,
                state=parsed.patient_state,
                postcode=parsed.patient_postcode,
                phone=parsed.patient_phone,
            ),
            documents=[
                IncomingDocument(a.name, a.content, DocumentKind(a.content_type, a.extension))
                for a in parsed.attachments
            ],
            note=f"Secure message {header.control_id} from "
            f"{header.sending_facility_name or 'sender'}.",
            warnings=warnings,
        ),
        by=None,
        via=Via(SECURE_MESSAGING if via == "http" else COMMAND_LINE),
    )
    warnings[:] = intake.warnings
    referral = intake.referral
    ack = build_ack(header, "AA", f"Referral received, reference {referral.reference}.")
    InboundMessage.objects.create(
        practice=practice,
        sender=header.sender,
        control_id=header.control_id,
        message_type=header.message_type,
        raw=raw,
        ack=ack,
        warnings=warnings,
        referral=referral,
        received_via=via,
        application_ack_type=header.application_ack_type,
    )
    return referral


def import_text(text: str, **kwargs) -> list[ImportResult]:
    """Every message in a file or request body, each on its own."""
    messages = split_messages(text)
    if not messages:
        return [
            _rejected(
                None,
                [Problem("AR", "The file holds no HL7 message.", "MSH", 1, 0, APPLICATION_ERROR)],
                dry_run=kwargs.get("dry_run", False),
            )
        ]
    return [import_message(raw, **kwargs) for raw in messages]
