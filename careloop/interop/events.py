from dataclasses import dataclass

from careloop.events import Event


@dataclass(frozen=True)
class AcknowledgementReceived(Event):
    """A recipient's HL7 ACK arrived for one of a practice's outbound messages. Handled in
    the import's transaction; a handler that recognises the control id returns a short
    description of what it recorded, so the import can report it."""

    in_transaction = True

    practice_id: int
    control_id: str
    code: str
    text: str
