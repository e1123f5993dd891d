"""What a directory file holds once read and checked, whatever its format."""

from __future__ import annotations

from dataclasses import dataclass, field, fields

CSV = "CSV"
FHIR_JSON = "FHIR JSON"
FHIR_XML = "FHIR XML"


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the file, named by row (or bundle entry) and column (or
    element) so that whoever fixes the file can find it."""

    where: str  # "Row 12" or "Entry 3 (PractitionerRole/example0)"
    column: str  # the file's own column heading, or the FHIR element
    message: str
    row: int = 0  # for sorting: the row or entry number

    def __str__(self) -> str:
        column = f", {self.column}" if self.column else ""
        return f"{self.where}{column}: {self.message}"

    def as_json(self) -> dict[str, object]:
        return {
            "row": self.row,
            "where": self.where,
            "column": self.column,
            "message": self.message,
        }


@dataclass
class PracticeRecord:
    """A medical practice as the file describes it. `key` joins doctors to it within
    the file; it means nothing outside it."""

    key: str
    row: int
    where: str
    name: str
    street: str = ""
    suburb: str = ""
    state: str = ""
    postcode: str = ""
    hpio: str = ""
    phone: str = ""
    fax: str = ""
    email: str = ""
    latitude: float | None = None
    longitude: float | None = None

    def fill_blanks_from(self, other: PracticeRecord) -> None:
        for name in PRACTICE_FIELDS:
            if getattr(self, name) in ("", None) and getattr(other, name) not in ("", None):
                setattr(self, name, getattr(other, name))


@dataclass
class DoctorRecord:
    row: int
    where: str
    given_name: str
    family_name: str
    title: str = ""
    doctor_type: str = ""
    provider_number: str = ""
    hpii: str = ""
    email: str = ""
    phone: str = ""
    fax: str = ""
    secure_messaging_address: str = ""
    secure_messaging_service: str = ""
    practice_keys: list[str] = field(default_factory=list)

    def fill_blanks_from(self, other: DoctorRecord) -> None:
        for name in DOCTOR_FIELDS:
            if not getattr(self, name) and getattr(other, name):
                setattr(self, name, getattr(other, name))
        for key in other.practice_keys:
            if key not in self.practice_keys:
                self.practice_keys.append(key)


# The fields an import writes on the models of the same names.
PRACTICE_FIELDS = tuple(
    f.name for f in fields(PracticeRecord) if f.name not in {"key", "row", "where"}
)
DOCTOR_FIELDS = tuple(
    f.name for f in fields(DoctorRecord) if f.name not in {"row", "where", "practice_keys"}
)


@dataclass
class ParsedFile:
    kind: str
    rows: int = 0
    doctors: list[DoctorRecord] = field(default_factory=list)
    practices: list[PracticeRecord] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems
