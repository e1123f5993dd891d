"""From uploaded bytes to a ParsedFile, refusing what is not a directory file."""

from __future__ import annotations

from collections.abc import Mapping

from .csvfile import read_csv
from .fhir import read_fhir_json, read_fhir_xml
from .records import ParsedFile

MAX_BYTES = 20 * 1024 * 1024

_BINARY_SIGNATURES = [
    (b"PK\x03\x04", "a zip archive or an Excel workbook (.xlsx)"),
    (b"\xd0\xcf\x11\xe0", "an old Excel workbook (.xls) or Word document"),
    (b"%PDF-", "a PDF"),
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"\x1f\x8b", "a gzip archive"),
]


class UnreadableFile(ValueError):
    """The file as a whole is not something an import can read. Nothing is written."""


def decode(data: bytes) -> str:
    """The file's text, or UnreadableFile saying why not and what to do."""
    if len(data) > MAX_BYTES:
        raise UnreadableFile(
            f"The file is {len(data) / 1024 / 1024:.0f} MB; an import takes at most "
            f"{MAX_BYTES // 1024 // 1024} MB. Split it into smaller files."
        )
    for signature, what in _BINARY_SIGNATURES:
        if data.startswith(signature):
            raise UnreadableFile(
                f"This is {what}, not a CSV or FHIR file. In Excel, use File › Save As › "
                "“CSV UTF-8 (comma delimited)” and import that."
            )
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError:
            raise UnreadableFile("The file says it is UTF-16 text but is not.") from None
    else:
        if b"\x00" in data[:8192]:
            raise UnreadableFile("This is not a text file (it holds binary data).")
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as error:
            line = data[: error.start].count(b"\n") + 1
            raise UnreadableFile(
                f"The file is not UTF-8 text: the character at line {line} cannot be read "
                "(it was probably saved as Windows or Latin-1 text). Save it again as "
                "“CSV UTF-8” and import that, so that names like Zoë come through intact."
            ) from None
    if not text.strip():
        raise UnreadableFile("The file is empty.")
    return text


def kind_of(text: str) -> str:
    start = text.lstrip()[:1]
    if start == "{":
        return "json"
    if start == "<":
        return "xml"
    return "csv"


def read_directory_file(
    data: bytes,
    *,
    mapping: Mapping[int, str] | None = None,
    drop_bad_identifiers: bool | None = None,
) -> ParsedFile:
    """Read and check a whole file. Problems come back in the result; only a file that
    is not readable at all raises UnreadableFile. With `drop_bad_identifiers`, an
    identifier failing its check is left out (and warned about) instead of stopping
    the import. Unsaid, a FHIR bundle drops it and a CSV file stops: a spreadsheet's
    typo is the user's to fix, but a directory service's export cannot be edited, and
    its records are worth having without the one number (the AU Base examples carry
    a provider number whose check character is wrong)."""
    text = decode(data)
    kind = kind_of(text)
    if drop_bad_identifiers is None:
        drop_bad_identifiers = kind in ("json", "xml")
    if kind == "json":
        return read_fhir_json(text, drop_bad_identifiers=drop_bad_identifiers)
    if kind == "xml":
        return read_fhir_xml(text, drop_bad_identifiers=drop_bad_identifiers)
    return read_csv(text, mapping, drop_bad_identifiers=drop_bad_identifiers)
