"""Reading REF^I12 referral messages (HL7 v2.3.1 and v2.4, Australian usage).

Tolerant on receipt, as the ADRM asks: RF1 and PV1 are required by the AU profile
but older senders omit them, so their absence is a warning, not a rejection. What we
cannot do without (a patient with a name and date of birth, a referring provider)
is an error. See ../shared/docs/INTEROP.md §1.
"""

import base64
import binascii
import re
from dataclasses import dataclass, field
from datetime import date

import hl7

from careloop.lib.text import has_control_characters

SUPPORTED_VERSIONS = ("2.3", "2.3.1", "2.4", "2.5")
REFERRER_ROLES = ("RP", "AP", "RF", "PP", "FHCP")  # referring, authoring, …; never IR/RT

# HL7 table 0357 message error condition codes.
REQUIRED_FIELD_MISSING = "101"
DATA_TYPE_ERROR = "102"
UNSUPPORTED_MESSAGE_TYPE = "200"
UNSUPPORTED_EVENT = "201"
UNSUPPORTED_VERSION = "203"
SEGMENT_SEQUENCE_ERROR = "100"
APPLICATION_ERROR = "207"

_ATTACHMENT_TYPES = {
    ("application", "pdf"): ("application/pdf", ".pdf", b"%PDF-"),
    ("text", "rtf"): ("text/rtf", ".rtf", b"{\\rtf"),
    ("application", "rtf"): ("text/rtf", ".rtf", b"{\\rtf"),
    ("text", "html"): ("text/html", ".html", None),
    ("image", "jpeg"): ("image/jpeg", ".jpg", b"\xff\xd8\xff"),
    ("image", "png"): ("image/png", ".png", b"\x89PNG"),
    ("image", "tiff"): ("image/tiff", ".tif", None),
}


@dataclass
class Problem:
    """Why a message cannot be accepted, and where (for MSA and ERR)."""

    ack_code: str  # AE: fix and resend; AR: we will not process this kind of message
    text: str
    segment: str = ""
    sequence: int = 1
    field: int = 0
    error_code: str = APPLICATION_ERROR


class MessageRejected(Exception):
    def __init__(self, problems: list[Problem], header: "Header | None" = None):
        self.problems = problems
        self.header = header
        super().__init__("; ".join(p.text for p in problems))


@dataclass
class Header:
    # Whole HD fields (name^OID^ISO), as the ACK must echo them.
    sending_application: str = ""
    sending_facility: str = ""
    receiving_application: str = ""
    receiving_facility: str = ""
    timestamp: str = ""
    message_type: str = ""
    control_id: str = ""
    processing_id: str = "P"
    version: str = ""
    # MSH-16: when the sender wants an application acknowledgement (AL always, SU on
    # success, ER on error or reject, NE or empty never).
    application_ack_type: str = ""

    @property
    def sender(self) -> str:
        return f"{self.sending_facility}|{self.sending_application}"

    @property
    def sending_facility_name(self) -> str:
        return self.sending_facility.split("^")[0]


@dataclass
class Attachment:
    content: bytes
    content_type: str
    extension: str
    name: str


@dataclass
class Person:
    family: str = ""
    given: str = ""
    title: str = ""

    @property
    def display(self) -> str:
        return " ".join(p for p in (self.given, self.family) if p)


@dataclass
class ParsedReferral:
    header: Header
    patient: Person
    date_of_birth: date | None
    medicare: str = ""
    medicare_irn: str = ""
    patient_street: str = ""
    patient_suburb: str = ""
    patient_state: str = ""
    patient_postcode: str = ""
    patient_phone: str = ""
    referrer: Person = field(default_factory=Person)
    referrer_provider_number: str = ""
    referrer_street: str = ""
    referrer_suburb: str = ""
    referrer_state: str = ""
    referrer_postcode: str = ""
    referrer_phone: str = ""
    referral_date: date | None = None
    reason: str = ""
    medications: str = ""
    attachments: list[Attachment] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


# --- Splitting a file into messages -------------------------------------------------------


def decode(data: bytes) -> str:
    """HL7 files are usually ASCII or ISO 8859-1 (MSH-18 8859/1); some are UTF-8."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def split_messages(text: str) -> list[str]:
    """Messages in a file: one or several, CR, LF or CRLF between segments, with or
    without batch (FHS/BHS/BTS/FTS) or MLLP framing characters."""
    text = text.replace("\x0b", "").replace("\x1c", "")
    lines = [line.strip() for line in re.split(r"\r\n|\r|\n", text)]
    messages: list[list[str]] = []
    for line in lines:
        if not line or line[:3] in ("FHS", "BHS", "BTS", "FTS"):
            continue
        if line.startswith("MSH") or not messages:
            messages.append([])
        messages[-1].append(line)
    return ["\r".join(segments) + "\r" for segments in messages]


# --- Field access ------------------------------------------------------------------------


def _value(
    segment, field_num: int, component: int = 1, repeat: int = 1, subcomponent: int = 1
) -> str:
    """One value of a segment, or "" when absent (senders leave a lot out)."""
    try:
        value = segment.extract_field(1, field_num, repeat, component, subcomponent)
    except (IndexError, KeyError):
        return ""
    return str(value or "").strip()


def _whole(segment, field_num: int) -> str:
    """A field as sent, with its components (for echoing in an ACK)."""
    try:
        return str(segment[field_num]).strip()
    except IndexError:
        return ""


def _repetitions(segment, field_num: int) -> int:

    try:
        return len(segment[field_num])
    except IndexError:
        return 0


def _msh_value(msh, field_num: int, component: int = 1) -> str:
    # python-hl7 numbers MSH like any segment: MSH-1 is the field separator.
    return _value(msh, field_num, component)


def _date(value: str, where: str, segment: str, field_num: int) -> date | None:
    digits = value[:8]
    if not digits:
        return None
    try:
        return date(int(digits[:4]), int(digits[4:6]), int(digits[6:8]))
    except ValueError:
        raise MessageRejected(
            [
                Problem(
                    "AE",
                    f"{where} ({segment}-{field_num}) {value!r} is not a date (YYYYMMDD).",
                    segment,
                    1,
                    field_num,
                    DATA_TYPE_ERROR,
                )
            ]
        ) from None


def _phone(segment, field_num: int) -> str:
    # XTN: a plain number in component 1, or area code and number in components 6 and 7.
    plain = _value(segment, field_num, 1)
    if plain:
        return plain
    area, number = _value(segment, field_num, 6), _value(segment, field_num, 7)
    return f"({area}) {number}" if area and number else number


def _unescape(message, value: str) -> str:
    return message.unescape(value) if "\\" in value else value


# --- The referral ------------------------------------------------------------------------


def parse_header(raw: str):
    """(parsed message, header); MessageRejected (AR) if this is not a message we take."""
    if not raw.startswith("MSH") or len(raw) < 8:
        raise MessageRejected(
            [
                Problem(
                    "AR",
                    "Not an HL7 v2 message: it must start with an MSH segment.",
                    "MSH",
                    1,
                    0,
                    SEGMENT_SEQUENCE_ERROR,
                )
            ]
        )
    try:
        message = hl7.parse(raw)
        msh = message.segment("MSH")
    except Exception as error:  # python-hl7 raises bare ParseExceptions and others
        raise MessageRejected(
            [
                Problem(
                    "AR",
                    f"The MSH segment cannot be read: {error}.",
                    "MSH",
                    1,
                    0,
                    SEGMENT_SEQUENCE_ERROR,
                )
            ]
        ) from None
    header = Header(
        sending_application=_whole(msh, 3),
        sending_facility=_whole(msh, 4),
        receiving_application=_whole(msh, 5),
        receiving_facility=_whole(msh, 6),
        timestamp=_msh_value(msh, 7),
        message_type="^".join(p for p in (_msh_value(msh, 9, 1), _msh_value(msh, 9, 2)) if p),
        control_id=_msh_value(msh, 10),
        processing_id=_msh_value(msh, 11) or "P",
        version=_msh_value(msh, 12),
        application_ack_type=_msh_value(msh, 16).upper()[:2],
    )
    problems = []
    if len(header.control_id) > 199 or len(header.sender) > 400:
        problems.append(
            Problem(
                "AR",
                "MSH-10 (control id) or the sender (MSH-3, MSH-4) is too long to be an identifier.",
                "MSH",
                1,
                10,
                DATA_TYPE_ERROR,
            )
        )
    if not header.control_id:
        problems.append(
            Problem(
                "AR",
                "MSH-10 (message control id) is empty: each message needs a unique id.",
                "MSH",
                1,
                10,
                REQUIRED_FIELD_MISSING,
            )
        )
    if _msh_value(msh, 9, 1) != "REF":
        problems.append(
            Problem(
                "AR",
                f"Only referral messages (REF^I12) are accepted here; this is "
                f"{header.message_type or 'an untyped message'}.",
                "MSH",
                1,
                9,
                UNSUPPORTED_MESSAGE_TYPE,
            )
        )
    elif _msh_value(msh, 9, 2) != "I12":
        problems.append(
            Problem(
                "AR",
                f"Only the I12 referral event is accepted; this is {header.message_type}.",
                "MSH",
                1,
                9,
                UNSUPPORTED_EVENT,
            )
        )
    if header.version not in SUPPORTED_VERSIONS:
        problems.append(
            Problem(
                "AR",
                f"HL7 version {header.version or '(none)'} is not supported; send 2.3.1 or 2.4.",
                "MSH",
                1,
                12,
                UNSUPPORTED_VERSION,
            )
        )
    if problems:
        raise MessageRejected(problems, header)
    return message, header


def parse_referral(raw: str) -> ParsedReferral:
    message, header = parse_header(raw)
    problems: list[Problem] = []
    warnings: list[str] = []

    def segments(name):
        try:
            return list(message.segments(name))
        except KeyError:
            return []

    pids = segments("PID")
    if not pids:
        raise MessageRejected(
            [
                Problem(
                    "AE",
                    "The message has no PID (patient) segment.",
                    "PID",
                    1,
                    0,
                    REQUIRED_FIELD_MISSING,
                )
            ],
            header,
        )
    pid = pids[0]
    patient = Person(
        family=_unescape(message, _value(pid, 5, 1)),
        given=_unescape(message, _value(pid, 5, 2)),
        title=_value(pid, 5, 5),
    )
    if not patient.family:
        problems.append(
            Problem(
                "AE",
                "PID-5 (patient name) has no family name.",
                "PID",
                1,
                5,
                REQUIRED_FIELD_MISSING,
            )
        )
    dob = None
    try:
        dob = _date(_value(pid, 7), "The patient's date of birth", "PID", 7)
    except MessageRejected as rejected:
        problems.extend(rejected.problems)
    else:
        if dob is None:
            problems.append(
                Problem(
                    "AE",
                    "PID-7 (patient's date of birth) is empty.",
                    "PID",
                    1,
                    7,
                    REQUIRED_FIELD_MISSING,
                )
            )
    medicare, irn = _medicare(pid)

    referrer_prd = _referrer(segments("PRD"))
    referrer_rol = _referrer_rol(segments("ROL")) if referrer_prd is None else None
    referrer = Person()
    provider_number = ""
    address = {"street": "", "suburb": "", "state": "", "postcode": "", "phone": ""}
    if referrer_prd is not None:
        referrer = Person(
            family=_unescape(message, _value(referrer_prd, 2, 1)),
            given=_unescape(message, _value(referrer_prd, 2, 2)),
            title=_value(referrer_prd, 2, 5) or "Dr",
        )
        provider_number = _provider_number(referrer_prd)
        address = {
            "street": _value(referrer_prd, 3, 1),
            "suburb": _value(referrer_prd, 3, 3),
            "state": _value(referrer_prd, 3, 4),
            "postcode": _value(referrer_prd, 3, 5),
            "phone": _phone(referrer_prd, 5),
        }
        where = ("PRD", 2, "PRD-2")
    elif referrer_rol is not None:
        # ROL-4 is an XCN: id^family^given^middle^suffix^prefix^degree^table^authority.
        referrer = Person(
            family=_unescape(message, _value(referrer_rol, 4, 2)),
            given=_unescape(message, _value(referrer_rol, 4, 3)),
            title=_value(referrer_rol, 4, 6) or "Dr",
        )
        provider_number = _value(referrer_rol, 4, 1).upper()
        address = {
            "street": _value(referrer_rol, 11, 1),
            "suburb": _value(referrer_rol, 11, 3),
            "state": _value(referrer_rol, 11, 4),
            "postcode": _value(referrer_rol, 11, 5),
            "phone": _phone(referrer_rol, 12),
        }
        where = ("ROL", 4, "ROL-4")
    else:
        problems.append(
            Problem(
                "AE",
                "No referring provider: the message needs a PRD segment with role RP "
                "(referring) or AP (authoring), or a ROL segment with one of those roles.",
                "PRD",
                1,
                1,
                REQUIRED_FIELD_MISSING,
            )
        )
        where = None
    if where is not None and not referrer.family:
        problems.append(
            Problem(
                "AE",
                f"{where[2]} (the referring provider's name) is empty.",
                where[0],
                1,
                where[1],
                REQUIRED_FIELD_MISSING,
            )
        )

    rf1s, obrs = segments("RF1"), segments("OBR")
    if not rf1s:
        warnings.append("No RF1 segment (the Australian profile requires one).")
    if not segments("PV1"):
        warnings.append("No PV1 segment (the Australian profile requires one).")
    referral_date = None
    try:
        for source, segment, field_num in ([("RF1-7", rf1s[0], 7)] if rf1s else []) + (
            [("OBR-7", obrs[0], 7)] if obrs else []
        ):
            referral_date = _date(
                _value(segment, field_num), f"The referral date {source}", source[:3], field_num
            )
            if referral_date:
                break
        if referral_date is None:
            referral_date = _date(header.timestamp, "The message time", "MSH", 7)
    except MessageRejected as rejected:
        problems.extend(rejected.problems)

    attachments, display_text = [], []
    for index, obx in enumerate(segments("OBX"), start=1):
        value_type = _value(obx, 2)
        if value_type == "ED":
            try:
                attachment = _attachment(obx, index)
            except MessageRejected as rejected:
                problems.extend(rejected.problems)
                continue
            if attachment is None:
                warnings.append(
                    f"OBX {index}: an embedded document of type "
                    f"{_value(obx, 5, 2)}/{_value(obx, 5, 3)} was skipped."
                )
            else:
                attachments.append(attachment)
        elif value_type in ("FT", "TX", "ST") and _value(obx, 3, 3) in ("AUSPDI", ""):
            text = " ".join(
                _unescape(message, _value(obx, 5, 1, r)) for r in range(1, _repetitions(obx, 5) + 1)
            )
            if text.strip():
                display_text.append(text.replace("\\.br\\", "\n"))
    if problems:
        raise MessageRejected(problems, header)

    parsed = ParsedReferral(
        header=header,
        patient=patient,
        date_of_birth=dob,
        medicare=medicare,
        medicare_irn=irn,
        patient_street=_unescape(message, _value(pid, 11, 1)),
        patient_suburb=_value(pid, 11, 3),
        patient_state=_value(pid, 11, 4),
        patient_postcode=_value(pid, 11, 5),
        patient_phone=_phone(pid, 13),
        referrer=referrer,
        referrer_provider_number=provider_number,
        referrer_street=address["street"],
        referrer_suburb=address["suburb"],
        referrer_state=address["state"],
        referrer_postcode=address["postcode"],
        referrer_phone=address["phone"],
        referral_date=referral_date,
        reason=_reason(message, rf1s, segments("DG1"), display_text, attachments),
        medications=_medications(message, segments),
        attachments=attachments,
        warnings=warnings,
    )
    problems = _multi_line_problems(parsed, where)
    if problems:
        raise MessageRejected(problems, header)
    return parsed


def _multi_line_problems(parsed: ParsedReferral, referrer_where) -> list[Problem]:
    """Names, addresses, phone numbers and identifiers are single-line values (the
    same rule as every form, careloop.lib.text): a line break hidden in one, for
    example through an escape sequence such as \\X0D0A\\, is refused, not stored."""
    referrer_segment, referrer_field = (referrer_where or ("PRD", 2))[:2]
    rol = referrer_segment == "ROL"
    checks = [
        ("MSH", 4, "the sending facility", [parsed.header.sending_facility]),
        ("MSH", 10, "the message control id", [parsed.header.control_id]),
        (
            "PID",
            5,
            "the patient's name",
            [parsed.patient.family, parsed.patient.given, parsed.patient.title],
        ),
        (
            "PID",
            11,
            "the patient's address",
            [
                parsed.patient_street,
                parsed.patient_suburb,
                parsed.patient_state,
                parsed.patient_postcode,
            ],
        ),
        ("PID", 13, "the patient's phone number", [parsed.patient_phone]),
        (
            referrer_segment,
            referrer_field,
            "the referring provider's name",
            [parsed.referrer.family, parsed.referrer.given, parsed.referrer.title],
        ),
        (
            referrer_segment,
            4 if rol else 7,
            "the referring provider's provider number",
            [parsed.referrer_provider_number],
        ),
        (
            referrer_segment,
            11 if rol else 3,
            "the referring provider's address",
            [
                parsed.referrer_street,
                parsed.referrer_suburb,
                parsed.referrer_state,
                parsed.referrer_postcode,
            ],
        ),
        (
            referrer_segment,
            12 if rol else 5,
            "the referring provider's phone number",
            [parsed.referrer_phone],
        ),
    ]
    return [
        Problem(
            "AE",
            f"{segment}-{field_num} ({label}) contains a line break or another control "
            "character; it must be on one line.",
            segment,
            1,
            field_num,
            DATA_TYPE_ERROR,
        )
        for segment, field_num, label, values in checks
        if any(has_control_characters(value) for value in values)
    ]


def _medicare(pid) -> tuple[str, str]:
    """The Medicare number (PID-3 with type MC or authority AUSHIC), else PID-19, which
    AS 4700 v2.3.1 senders used."""
    for r in range(1, _repetitions(pid, 3) + 1):
        number = _value(pid, 3, 1, r)
        id_type, authority = _value(pid, 3, 5, r), _value(pid, 3, 4, r)
        if id_type == "MC" or (authority == "AUSHIC" and id_type != "NI"):
            return _split_irn(number)
    # Some older senders put the Medicare number in PID-2 (external id) instead.
    if _value(pid, 2, 4) == "AUSHIC" or _value(pid, 2, 5) == "MC":
        return _split_irn(_value(pid, 2, 1))
    return _split_irn(_value(pid, 19))


def _split_irn(number: str) -> tuple[str, str]:
    digits = "".join(ch for ch in number if ch.isdigit())
    if len(digits) == 11:
        return digits[:10], digits[10]
    return digits, ""


def _referrer(prds):
    """The referring PRD: role RP first, then AP, then any that is not the recipient."""

    def roles(prd):
        return {_value(prd, 1, 1, r) for r in range(1, _repetitions(prd, 1) + 1)}

    for wanted in REFERRER_ROLES:
        for prd in prds:
            if wanted in roles(prd):
                return prd
    return next((p for p in prds if not roles(p) & {"IR", "RT"}), None)


def _referrer_rol(rols):
    """A ROL segment naming the referrer (ROL-3 role RP, AP, …; never the recipient)."""

    def role(rol):
        return _value(rol, 3, 1)

    for wanted in REFERRER_ROLES:
        for rol in rols:
            if role(rol) == wanted and _value(rol, 4, 2):
                return rol
    return None


def _provider_number(prd) -> str:
    fallback = ""
    for r in range(1, _repetitions(prd, 7) + 1):
        number, authority, kind = _value(prd, 7, 1, r), _value(prd, 7, 2, r), _value(prd, 7, 3, r)
        if authority == "AUSHICPR":
            return number.upper()
        if kind == "UPIN" and not fallback:
            fallback = number.upper()
    return fallback


def _attachment(obx, index: int) -> Attachment | None:
    mime_type, subtype = _value(obx, 5, 2).lower(), _value(obx, 5, 3).lower()
    encoding, data = _value(obx, 5, 4).lower(), _value(obx, 5, 5)
    known = _ATTACHMENT_TYPES.get((mime_type, subtype))
    if known is None:
        return None
    content_type, extension, magic = known
    if encoding == "base64":
        try:
            content = base64.b64decode(data, validate=True)
        except (binascii.Error, ValueError):
            raise MessageRejected(
                [
                    Problem(
                        "AE",
                        f"OBX {index}: the embedded {subtype.upper()} is not valid base64.",
                        "OBX",
                        index,
                        5,
                        DATA_TYPE_ERROR,
                    )
                ]
            ) from None
    else:
        content = data.encode("latin-1", errors="replace")
    if not content:
        raise MessageRejected(
            [
                Problem(
                    "AE",
                    f"OBX {index}: the embedded document is empty.",
                    "OBX",
                    index,
                    5,
                    REQUIRED_FIELD_MISSING,
                )
            ]
        )
    if magic and not content.startswith(magic):
        raise MessageRejected(
            [
                Problem(
                    "AE",
                    f"OBX {index}: declared as {content_type} but its content is not.",
                    "OBX",
                    index,
                    5,
                    DATA_TYPE_ERROR,
                )
            ]
        )
    return Attachment(content, content_type, extension, f"referral-letter-{index}{extension}")


def _reason(message, rf1s, dg1s, display_text, attachments) -> str:
    parts = []
    if rf1s:
        reason = _value(rf1s[0], 10, 2) or _value(rf1s[0], 10, 1)
        if reason:
            parts.append(_unescape(message, reason))
    for dg1 in dg1s:
        diagnosis = _value(dg1, 3, 2) or _value(dg1, 4)
        if diagnosis:
            parts.append(f"Diagnosis: {_unescape(message, diagnosis)}")
    if not parts and display_text:
        parts.append("\n".join(display_text))
    if not parts:
        for attachment in attachments:
            if attachment.content_type == "text/html":
                text = re.sub(r"<[^>]+>", " ", attachment.content.decode("utf-8", "replace"))
                parts.append(re.sub(r"\s+", " ", text).strip())
                break
    return "\n".join(parts)[:4000]


def _medications(message, segments) -> str:
    names = []
    for name in ("RXO", "RXE", "RXD"):
        for segment in segments(name):
            drug = _value(segment, 1, 2) or _value(segment, 2, 2)
            if drug:
                names.append(_unescape(message, drug))
    for obx in segments("OBX"):
        label = _value(obx, 3, 2).lower()
        if "medication" in label and _value(obx, 2) in ("ST", "FT", "TX", "CE"):
            names.append(_unescape(message, _value(obx, 5, 2) or _value(obx, 5, 1)))
    return "; ".join(n for n in names if n)[:2000]
