"""General acknowledgements (ACK) the ADRM way (INTEROP.md §1.5): addressed back to
the sender, echoing its control id in MSA-2, with the reason in MSA-3 and ERR."""

import secrets
from collections.abc import Sequence

from django.utils import timezone

from .parser import Header, Problem

ACK_PROFILE = "HL7AU-OO-ACK-201701"


def echo(field: str) -> str:
    """A field copied from the message as sent: its component separators stay."""
    return field.replace("|", "\\F\\").replace("\r", " ")


def escape(text: str) -> str:
    """HL7 escape sequences for the default delimiters |^~\\&."""
    text = text.replace("\\", "\\E\\")
    for char, code in (("|", "F"), ("^", "S"), ("&", "T"), ("~", "R")):
        text = text.replace(char, f"\\{code}\\")
    return text.replace("\r", " ").replace("\n", " ")


def build_ack(
    header: Header | None, code: str, text: str = "", problems: Sequence[Problem] = ()
) -> str:
    header = header or Header()
    now = timezone.localtime()
    version = header.version if header.version else "2.4"
    version_field = (
        f"{version}^AUS&Australia&ISO3166_1^{ACK_PROFILE}&&L" if version == "2.4" else version
    )
    event = header.message_type.split("^")[1] if "^" in header.message_type else ""
    msh = "|".join(
        [
            "MSH",
            "^~\\&",
            "CARELOOP",
            echo(header.receiving_facility),
            echo(header.sending_application),
            echo(header.sending_facility),
            now.strftime("%Y%m%d%H%M%S%z"),
            "",
            f"ACK^{event}^ACK" if event else "ACK",
            f"CL{now:%Y%m%d%H%M%S}{secrets.token_hex(4).upper()}",
            escape(header.processing_id or "P"),
            version_field,
            "",
            "",
            "NE",
            "NE",
            "AUS",
        ]
    )
    msa = "|".join(["MSA", code, escape(header.control_id), escape(text[:400])])
    segments = [msh, msa]
    for problem in problems:
        location = (
            f"{problem.segment}^{problem.sequence}^{problem.field}" if problem.segment else ""
        )
        segments.append(
            "|".join(
                [
                    "ERR",
                    f"{location}^{problem.error_code}&{escape(problem.text)[:200]}&HL70357"
                    if location
                    else "",
                    location,
                    f"{problem.error_code}^^HL70357",
                    "E",
                    "",
                    "",
                    "",
                    escape(problem.text),
                ]
            )
        )
    return "\r".join(segments) + "\r"
