"""The documented CSV format (docs/directory-import.md) and its column mapping.

One row is a doctor, a medical practice, or a doctor at a medical practice. Rows that
repeat a practice (same HPI-O, or same name and suburb) describe the same practice;
rows that repeat a doctor at another practice add that practice to the doctor.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from . import checks
from .checks import CellError
from .records import CSV, DoctorRecord, ParsedFile, PracticeRecord, Problem

MAX_ROWS = 50_000


@dataclass(frozen=True)
class Column:
    name: str
    label: str
    help: str


COLUMNS = (
    Column("title", "Title", "Dr, Prof, A/Prof…; Dr when blank."),
    Column(
        "given_name",
        "Given name",
        "The doctor's first name. With the family name, makes the row a doctor.",
    ),
    Column("family_name", "Family name", "The doctor's surname."),
    Column(
        "doctor_type", "Doctor type", "GP, psychiatrist, paediatrician or other; GP when blank."
    ),
    Column("provider_number", "Medicare provider number", "8 characters, e.g. 2123456A; checked."),
    Column("hpii", "HPI-I", "16 digits starting 800361; checked."),
    Column("email", "Doctor's e-mail", ""),
    Column("phone", "Doctor's phone", ""),
    Column("fax", "Doctor's fax", ""),
    Column(
        "secure_messaging_address", "Secure-messaging id", "The doctor's HealthLink, Argus… id."
    ),
    Column(
        "secure_messaging_service",
        "Secure-messaging network",
        "HealthLink, Argus, Medical-Objects or ReferralNet.",
    ),
    Column(
        "practice_name",
        "Medical practice",
        "Where the doctor works, or the practice the row is about.",
    ),
    Column("practice_hpio", "Practice HPI-O", "16 digits starting 800362; checked."),
    Column("street", "Street address", ""),
    Column("suburb", "Suburb", ""),
    Column("state", "State", "NSW, VIC, QLD, SA, WA, TAS, NT or ACT."),
    Column("postcode", "Postcode", "4 digits; must belong to the state."),
    Column("practice_phone", "Practice phone", ""),
    Column("practice_fax", "Practice fax", ""),
    Column("practice_email", "Practice e-mail", ""),
    Column("latitude", "Latitude", "Decimal degrees; found from the suburb when blank."),
    Column("longitude", "Longitude", "Decimal degrees; found from the suburb when blank."),
)
COLUMN_NAMES = tuple(c.name for c in COLUMNS)
LABELS = {c.name: c.label for c in COLUMNS}

# Headings other systems use, for guessing the mapping. The user confirms the guess.
SYNONYMS = {
    "first_name": "given_name",
    "firstname": "given_name",
    "given": "given_name",
    "forename": "given_name",
    "surname": "family_name",
    "last_name": "family_name",
    "lastname": "family_name",
    "family": "family_name",
    "type": "doctor_type",
    "specialty": "doctor_type",
    "speciality": "doctor_type",
    "provider_no": "provider_number",
    "provider": "provider_number",
    "medicare_provider_number": "provider_number",
    "prov_no": "provider_number",
    "hpi_i": "hpii",
    "hpio": "practice_hpio",
    "hpi_o": "practice_hpio",
    "email_address": "email",
    "e_mail": "email",
    "phone_number": "phone",
    "telephone": "phone",
    "mobile": "phone",
    "fax_number": "fax",
    "edi": "secure_messaging_address",
    "healthlink_edi": "secure_messaging_address",
    "secure_messaging_id": "secure_messaging_address",
    "practice": "practice_name",
    "clinic": "practice_name",
    "medical_practice": "practice_name",
    "clinic_name": "practice_name",
    "organisation": "practice_name",
    "organization": "practice_name",
    "address": "street",
    "address_line_1": "street",
    "street_address": "street",
    "town": "suburb",
    "city": "suburb",
    "locality": "suburb",
    "post_code": "postcode",
    "postal_code": "postcode",
    "lat": "latitude",
    "lng": "longitude",
    "lon": "longitude",
    "long": "longitude",
}


def normalise_heading(heading: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", heading.strip().lower()).strip("_")


def guess_column(heading: str) -> str:
    key = normalise_heading(heading)
    if key in COLUMN_NAMES:
        return key
    return SYNONYMS.get(key, "")


def read_headings(text: str) -> list[str]:
    reader = csv.reader(io.StringIO(text))
    return next(reader, [])


def read_first_rows(text: str, count: int) -> list[list[str]]:
    reader = csv.reader(io.StringIO(text, newline=""))
    rows = []
    try:
        for row in reader:
            rows.append(row)
            if len(rows) >= count:
                break
    except csv.Error:
        pass
    return rows


def needs_mapping(headings: list[str]) -> bool:
    """True unless every heading is one of the documented columns (in any case or
    spacing): anything else is for the user to map, not for us to guess."""
    return any(normalise_heading(h) not in COLUMN_NAMES for h in headings if h.strip())


def standard_mapping(headings: list[str]) -> dict[int, str]:
    return {
        index: normalise_heading(h)
        for index, h in enumerate(headings)
        if normalise_heading(h) in COLUMN_NAMES
    }


def check_mapping(headings: list[str], mapping: Mapping[int, str]) -> list[str]:
    """What is wrong with a mapping of column index to documented column."""
    errors = []
    chosen: dict[str, int] = {}
    for index, name in sorted(mapping.items()):
        if not name:
            continue
        if name not in COLUMN_NAMES:
            errors.append(f"{name!r} is not one of the columns an import knows.")
        elif name in chosen:
            errors.append(
                f"“{headings[chosen[name]]}” and “{headings[index]}” are both marked as "
                f"{LABELS[name]}; choose one."
            )
        else:
            chosen[name] = index
    names = set(chosen)
    if not ({"given_name", "family_name"} <= names or "practice_name" in names):
        errors.append(
            "Mark which columns hold the doctor's given and family names, or the "
            "medical practice's name: without them no row can be imported."
        )
    elif ("given_name" in names) != ("family_name" in names):
        errors.append("Mark both the given name and the family name column.")
    return errors


IDENTIFIER_CHECKS = (checks.provider_number, checks.hpii, checks.hpio)


def read_csv(
    text: str, mapping: Mapping[int, str] | None = None, *, drop_bad_identifiers: bool = False
) -> ParsedFile:
    parsed = ParsedFile(CSV)
    rows = csv.reader(io.StringIO(text, newline=""))
    try:
        headings = next(rows)
    except StopIteration:
        parsed.problems.append(Problem("Row 1", "", "The file has no heading row."))
        return parsed
    except csv.Error as error:
        parsed.problems.append(Problem("Row 1", "", f"Not readable as CSV: {error}."))
        return parsed
    if mapping is None:
        if needs_mapping(headings):
            unknown = [
                h for h in headings if h.strip() and normalise_heading(h) not in COLUMN_NAMES
            ]
            parsed.problems.append(
                Problem(
                    "Row 1",
                    "",
                    "These column headings are not the documented ones: "
                    + ", ".join(f"“{h}”" for h in unknown)
                    + ". Rename them (see docs/directory-import.md) or use the upload page, "
                    "which lets you say which column is which.",
                    row=1,
                )
            )
            return parsed
        mapping = standard_mapping(headings)
    mapping_errors = check_mapping(headings, mapping)
    if mapping_errors:
        parsed.problems += [Problem("Row 1", "", e, row=1) for e in mapping_errors]
        return parsed
    reader = _RowReader(parsed, headings, mapping, drop_bad_identifiers)
    try:
        for number, cells in enumerate(rows, start=2):
            if number - 1 > MAX_ROWS:
                parsed.problems.append(
                    Problem(
                        f"Row {number}",
                        "",
                        f"An import takes at most {MAX_ROWS:,} rows; split the file.",
                        row=number,
                    )
                )
                break
            if not any(c.strip() for c in cells):
                continue
            parsed.rows += 1
            reader.read(number, cells)
    except csv.Error as error:
        parsed.problems.append(
            Problem(f"Row {rows.line_num}", "", f"Not readable as CSV: {error}.", row=rows.line_num)
        )
    return parsed


class _RowReader:
    def __init__(
        self,
        parsed: ParsedFile,
        headings: list[str],
        mapping: Mapping[int, str],
        drop_bad_identifiers: bool,
    ):
        self.parsed = parsed
        self.drop_bad_identifiers = drop_bad_identifiers
        self.headings = headings
        self.index = {name: index for index, name in mapping.items() if name}
        self.practices: dict[str, PracticeRecord] = {}
        self.by_name: dict[str, str] = {}
        self.width = len(headings)

    def heading(self, name: str) -> str:
        return self.headings[self.index[name]].strip() or LABELS[name]

    def read(self, number: int, cells: list[str]) -> None:
        where = f"Row {number}"
        problems: list[Problem] = []
        if len(cells) > self.width and any(c.strip() for c in cells[self.width :]):
            problems.append(
                Problem(
                    where,
                    "",
                    f"This row has {len(cells)} cells but the heading row "
                    f"has {self.width}: check for a stray comma.",
                    row=number,
                )
            )

        def cell(name: str, check: Callable[[str], object] = lambda v: v) -> object:
            index = self.index.get(name)
            raw = cells[index] if index is not None and index < len(cells) else ""
            try:
                return check(raw)
            except CellError as error:
                if self.drop_bad_identifiers and check in IDENTIFIER_CHECKS:
                    self.parsed.warnings.append(
                        Problem(
                            where, self.heading(name), f"{error} Imported without it.", row=number
                        )
                    )
                else:
                    problems.append(Problem(where, self.heading(name), str(error), row=number))
                return ""

        given = str(cell("given_name", lambda v: checks.text(v, "given_name")))
        family = str(cell("family_name", lambda v: checks.text(v, "family_name")))
        practice_name = str(cell("practice_name", lambda v: checks.text(v, "name")))
        state = str(cell("state", checks.state))
        practice = PracticeRecord(
            key="",
            row=number,
            where=where,
            name=practice_name,
            street=str(cell("street", lambda v: checks.text(v, "street"))),
            suburb=str(cell("suburb", lambda v: checks.text(v, "suburb"))),
            state=state,
            postcode=str(cell("postcode", lambda v: checks.postcode(v, state))),
            hpio=str(cell("practice_hpio", checks.hpio)),
            phone=str(cell("practice_phone", lambda v: checks.text(v, "phone"))),
            fax=str(cell("practice_fax", lambda v: checks.text(v, "fax"))),
            email=str(cell("practice_email", checks.email)),
            latitude=cell("latitude", checks.latitude) or None,  # type: ignore[arg-type]
            longitude=cell("longitude", checks.longitude) or None,  # type: ignore[arg-type]
        )
        if (practice.latitude is None) != (practice.longitude is None) and not problems:
            missing = "longitude" if practice.longitude is None else "latitude"
            problems.append(
                Problem(
                    where,
                    self.heading(missing) if missing in self.index else LABELS[missing],
                    "Give both latitude and longitude, or neither.",
                    row=number,
                )
            )
        doctor = None
        if given or family:
            for name, value in (("given_name", given), ("family_name", family)):
                if not value and name in self.index:
                    problems.append(
                        Problem(
                            where,
                            self.heading(name),
                            "A doctor needs a given name and a family name.",
                            row=number,
                        )
                    )
            doctor = DoctorRecord(
                row=number,
                where=where,
                given_name=given,
                family_name=family,
                title=str(cell("title", lambda v: checks.text(v, "title"))),
                doctor_type=str(cell("doctor_type", checks.doctor_type)),
                provider_number=str(cell("provider_number", checks.provider_number)),
                hpii=str(cell("hpii", checks.hpii)),
                email=str(cell("email", checks.email)),
                phone=str(cell("phone", lambda v: checks.text(v, "phone"))),
                fax=str(cell("fax", lambda v: checks.text(v, "fax"))),
                secure_messaging_address=str(
                    cell(
                        "secure_messaging_address",
                        lambda v: checks.text(v, "secure_messaging_address"),
                    )
                ),
                secure_messaging_service=str(
                    cell("secure_messaging_service", checks.secure_messaging_service)
                ),
            )
        has_practice_details = any(
            (practice.street, practice.suburb, practice.hpio, practice.phone, practice.email)
        )
        if not practice_name and has_practice_details:
            column = (
                self.heading("practice_name")
                if "practice_name" in self.index
                else LABELS["practice_name"]
            )
            problems.append(
                Problem(
                    where,
                    column,
                    "The medical practice's address or contacts are given without its name.",
                    row=number,
                )
            )
        if doctor is None and not practice_name and not problems:
            problems.append(
                Problem(
                    where,
                    "",
                    "This row has neither a doctor's name nor a medical practice's name.",
                    row=number,
                )
            )
        if problems:
            self.parsed.problems += problems
            return
        if practice_name:
            practice.key = self._practice_key(practice)
            known = self.practices.get(practice.key)
            if known is None:
                self.practices[practice.key] = practice
                self.parsed.practices.append(practice)
            else:
                known.fill_blanks_from(practice)
        if doctor is not None:
            if practice_name:
                doctor.practice_keys.append(practice.key)
            self.parsed.doctors.append(doctor)

    def _practice_key(self, practice: PracticeRecord) -> str:
        """Rows repeating a practice join it: by HPI-O, or by name and suburb (so a
        row naming it without its HPI-O joins the row with it)."""
        name_key = f"name:{practice.name.lower()}|{practice.suburb.lower()}"
        key = self.by_name.get(name_key)
        if key is None:
            key = f"hpio:{practice.hpio}" if practice.hpio else name_key
            self.by_name[name_key] = key
        return key
