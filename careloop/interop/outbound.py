"""What a letter's outgoing message carries. The letters app (a higher layer) gathers
it; the HL7 v2 and FHIR builders only read it."""

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from careloop.clients.models import Client
from careloop.directory.models import Doctor
from careloop.practices.models import Practice, User


@dataclass(frozen=True)
class OutboundLetter:
    letter_id: UUID
    message_id: UUID  # one per delivery: a resend is a new message
    title: str
    practice: Practice
    client: Client
    doctor: Doctor  # the recipient
    author: User | None  # the clinician who signed it
    signed_at: datetime
    pdf: bytes
