"""The application acknowledgement of a referral: an RRI^I12 (ADRM §8, INTEROP.md §1.5),
sent when the practice accepts or declines a referral that came by HL7, to senders whose
MSH-16 asked for one.

The message itself was processed either way, so MSA-1 is AA; whether the practice takes
the referral on is RF1-1 (HL7 table 0283: A accepted, R rejected). AE and AR mean the
message could not be processed ("fix and resend", or an unsupported message), and would
invite the sender's system to send the referral again."""

import re
from datetime import datetime

from .ack import echo, escape
from .oru import segment
from .parser import parse_header

PROFILE = "HL7AU-OO-REF-SIMPLIFIED-201706"
ACCEPTED = "A^Accepted^HL70283"
REJECTED = "R^Rejected^HL70283"
DEFAULT_DELIMITERS = "|^~\\&"

# Which outcomes each MSH-16 value asks to hear about. Both outcomes are processed
# messages (MSA-1 AA), so "error or reject only" (ER) asks for neither.
WANTED = {"AL": True, "SU": True}


def wants_application_ack(application_ack_type: str) -> bool:
    return WANTED.get(application_ack_type.upper(), False)


def control_id(message_uuid) -> str:
    """One per inbound message, so a second attempt rewrites the same acknowledgement
    rather than sending another."""
    return f"RRI{message_uuid.hex[:17].upper()}"


def build_rri(original: str, *, accepted: bool, control_id: str, text: str, now: datetime) -> str:
    """The RRI^I12 answering `original` (the REF^I12 as received), echoing its RF1, PRD
    and PID segments with RF1-1 set to the practice's decision."""
    _, header = parse_header(original)
    version = header.version or "2.4"
    msh = segment(
        "MSH",
        {
            2: "^~\\&",
            3: "CARELOOP",
            4: echo(header.receiving_facility),
            5: echo(header.sending_application),
            6: echo(header.sending_facility),
            7: now.strftime("%Y%m%d%H%M%S%z"),
            9: "RRI^I12^RRI_I12",
            10: control_id,
            11: escape(header.processing_id or "P"),
            12: f"{version}^AUS&Australia&ISO3166_1^{PROFILE}&&L" if version == "2.4" else version,
            # An acknowledgement is not itself acknowledged (ADRM §8).
            15: "NE",
            16: "NE",
            17: "AUS",
        },
    )
    msa = segment("MSA", {1: "AA", 2: escape(header.control_id), 3: escape(text[:80])})
    status = ACCEPTED if accepted else REJECTED
    segments = [msh, msa, *_echoed(original, status)]
    return "\r".join(segments) + "\r"


def _echoed(original: str, status: str) -> list[str]:
    """RF1 (with the decision), the PRDs and the PID as the sender wrote them. They can
    be copied only when the sender used the standard delimiters; otherwise the RRI
    carries the decision alone."""
    lines = [line for line in re.split(r"\r\n|\r|\n", original) if line.strip()]
    if not lines or lines[0][3:8] != DEFAULT_DELIMITERS:
        return [f"RF1|{status}"]
    rf1 = next((line for line in lines if line.startswith("RF1|")), "RF1|")
    fields = rf1.split("|")
    fields[1:2] = [status]
    echoed = ["|".join(fields)]
    echoed += [line for line in lines if line.startswith("PRD|")]
    echoed += [line for line in lines if line.startswith("PID|")][:1]
    return echoed
