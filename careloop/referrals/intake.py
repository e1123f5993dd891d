"""One way in for every referral, whatever channel it came by.

The doctors' web form, a secure message (HL7), a letter staff uploaded and typed, and a
referral staff typed from a phone call or fax all go through `take_in`: match the
doctor, match the client (never silently merged), store the referral, note what needs
checking, start the response clock, attach the documents, and audit it, in one
transaction. A new channel (an e-mail inbox, a FHIR ServiceRequest) needs only a
parser that produces an `IncomingReferral`.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field

from django.core.files.base import ContentFile, File
from django.db import transaction

from careloop import events
from careloop.audit.actions import Via, record_change
from careloop.clients.models import Client
from careloop.directory.models import Doctor
from careloop.lib.uploads import DocumentKind

from . import actions
from .events import ReferralReceived
from .matching import PatientDetails, ReferrerDetails, match_client, match_doctor
from .models import Referral, ReferralDocument
from .validity import referral_date_problem


@dataclass(frozen=True)
class IncomingDocument:
    """A letter or attachment that came with the referral; its kind was detected from
    its content, and names the stored file."""

    name: str
    content: bytes | File
    kind: DocumentKind


@dataclass
class IncomingReferral:
    """A referral as a channel's parser understood it.

    `referral` is unsaved and carries the referral's own fields (date, basis, reason,
    sessions…). Who it is from and about is given either as details to match
    (`referrer`, `patient`: channels from outside) or as records staff chose
    (`doctor`, `client`)."""

    referral: Referral
    referrer: ReferrerDetails | None = None
    patient: PatientDetails | None = None
    doctor: Doctor | None = None
    client: Client | None = None
    documents: Sequence[IncomingDocument] = ()
    # Letters already stored and waiting to be typed (scanned uploads).
    waiting_documents: Sequence[ReferralDocument] = ()
    note: str = ""
    warnings: list[str] = field(default_factory=list)
    # A web form is open to anyone: a referral that names a doctor already on file is
    # credited to them only once staff confirm the sender.
    verify_known_sender: bool = False


class IntakeRefused(ValueError):
    """The referral cannot be right as given (e.g. dated in the future); nothing stored."""


@dataclass(frozen=True)
class Intake:
    referral: Referral
    doctor_created: bool
    client_outcome: str  # "chosen", "matched", "new" or "possible_duplicate"
    warnings: list[str]


def take_in(practice, incoming: IncomingReferral, *, by, via: Via) -> Intake:
    referral = incoming.referral
    warnings = list(incoming.warnings)
    notes = [incoming.note] if incoming.note else []
    with transaction.atomic():
        doctor, doctor_created = incoming.doctor, False
        if doctor is None and incoming.referrer is not None:
            doctor, doctor_created = match_doctor(practice, incoming.referrer)
            if incoming.verify_known_sender and not doctor_created:
                referral.sender_unverified = True
                notes.append(
                    f"The sender gave the details of {doctor.display_name}, already on "
                    "file: confirm the referral came from them."
                )
        client, outcome = incoming.client, "chosen"
        if client is None:
            if incoming.patient is None:
                raise ValueError("A referral needs the client it is about.")
            match = match_client(practice, incoming.patient)
            client, outcome = match.client, match.outcome
            if outcome == "possible_duplicate":
                notes.append("The client may already be on file: check before booking.")
                warnings.append("Possible duplicate client: flagged for staff to confirm.")
        problem = referral_date_problem(
            referral.referral_date, client.date_of_birth, practice.today()
        )
        if problem:
            raise IntakeRefused(problem)
        referral.practice = practice
        referral.client = client
        if referral.received_at is None:
            # A scanned letter's clock started when it arrived, not when it was typed.
            arrived = [d.arrived_at for d in incoming.waiting_documents]
            if arrived:
                referral.received_at = min(arrived)
        referral.referring_doctor = doctor
        note = " ".join([*notes, *incoming.warnings])
        actions.receive(referral, by=by, note=note)
        record_change(
            referral,
            by=by,
            via=via,
            client=client,
            created=True,
            changed_fields=[f"received by {referral.get_source_display().lower()}"],
        )
        for document in incoming.documents:
            content = document.content
            actions.attach_document(
                referral,
                content if isinstance(content, File) else ContentFile(content),
                kind=document.kind,
                name=document.name,
                by=by,
                via=via,
            )
        for waiting in incoming.waiting_documents:
            actions.file_document(waiting, referral, by=by, via=via)
        events.publish(ReferralReceived(referral.pk))
    return Intake(referral, doctor_created, outcome, warnings)
