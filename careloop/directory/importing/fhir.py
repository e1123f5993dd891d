"""FHIR R4 directory resources (AU Base profiles) to records.

A file is a Bundle (of any type) of Practitioner, PractitionerRole, Organization and
Location, or one such resource on its own. Each resource is validated with the R4B
model of fhir.resources, then read:

- a Location is a medical practice; its managing Organization fills what it lacks
  (name, contacts, address) and gives its HPI-O when it is that organisation's only
  location in the file;
- an Organization that no Location in the file belongs to is a medical practice;
- a Practitioner is a doctor (name, HPI-I, contacts);
- a PractitionerRole adds the Medicare provider number, the doctor's type (from its
  code or specialty) and the practice the doctor works at.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from fhir.resources.R4B import get_fhir_model_class
from pydantic import ValidationError

from . import checks, fhirxml
from .checks import CellError
from .records import FHIR_JSON, FHIR_XML, DoctorRecord, ParsedFile, PracticeRecord, Problem

# AU Base identifier systems (the same as careloop/interop/au.py, a layer above).
MEDICARE_PROVIDER_NUMBER = "http://ns.electronichealth.net.au/id/medicare-provider-number"
HPII = "http://ns.electronichealth.net.au/id/hi/hpii/1.0"
HPIO = "http://ns.electronichealth.net.au/id/hi/hpio/1.0"

DIRECTORY_TYPES = ("Practitioner", "PractitionerRole", "Organization", "Location")

# SNOMED CT and ANZSCO codes for the doctor types the directory knows.
_TYPE_CODES = {
    "62247001": "gp",  # SNOMED: general practitioner
    "253111": "gp",  # ANZSCO: General Practitioner
    "80584001": "psychiatrist",
    "253411": "psychiatrist",
    "82296001": "paediatrician",
    "253321": "paediatrician",
}

MAX_ENTRIES = 50_000


def read_fhir_json(text: str, *, drop_bad_identifiers: bool = False) -> ParsedFile:
    parsed = ParsedFile(FHIR_JSON)
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        parsed.problems.append(
            Problem("File", "", f"Not valid JSON (line {error.lineno}): {error.msg}.")
        )
        return parsed
    if not isinstance(data, dict) or "resourceType" not in data:
        parsed.problems.append(
            Problem("File", "", "This JSON is not a FHIR resource (it has no resourceType).")
        )
        return parsed
    return _read(data, parsed, drop_bad_identifiers)


def read_fhir_xml(text: str, *, drop_bad_identifiers: bool = False) -> ParsedFile:
    parsed = ParsedFile(FHIR_XML)
    try:
        data = fhirxml.parse(text)
    except fhirxml.FhirXmlError as error:
        parsed.problems.append(Problem("File", "", str(error)))
        return parsed
    return _read(data, parsed, drop_bad_identifiers)


def _read(data: dict[str, Any], parsed: ParsedFile, drop_bad_identifiers: bool) -> ParsedFile:
    kind = data.get("resourceType")
    if kind == "Bundle":
        entries = [(e or {}).get("resource") for e in data.get("entry") or []]
        full_urls = [(e or {}).get("fullUrl") or "" for e in data.get("entry") or []]
    elif kind in DIRECTORY_TYPES:
        entries, full_urls = [data], [""]
    else:
        parsed.problems.append(
            Problem(
                "File",
                "resourceType",
                f"This is a FHIR {kind}; a directory import takes a Bundle of "
                "Practitioner, PractitionerRole, Organization and Location resources.",
            )
        )
        return parsed
    if not entries:
        parsed.problems.append(Problem("File", "entry", "The bundle holds no resources."))
        return parsed
    if len(entries) > MAX_ENTRIES:
        parsed.problems.append(
            Problem("File", "entry", f"An import takes at most {MAX_ENTRIES:,} resources.")
        )
        return parsed
    reader = _BundleReader(parsed, drop_bad_identifiers)
    for number, (resource, full_url) in enumerate(zip(entries, full_urls, strict=True), start=1):
        reader.add(number, resource, full_url)
    if not parsed.problems:
        reader.build()
    return parsed


class _Entry:
    def __init__(self, number: int, resource: Any, full_url: str):
        self.number = number
        self.resource = resource
        self.type = resource.get_resource_type()
        self.id = resource.id or ""
        self.where = (
            f"Entry {number} ({self.type}/{self.id})"
            if self.id
            else f"Entry {number} ({self.type})"
        )
        self.keys = {k for k in (full_url, f"{self.type}/{self.id}" if self.id else "") if k}


class _BundleReader:
    def __init__(self, parsed: ParsedFile, drop_bad_identifiers: bool):
        self.parsed = parsed
        self.drop_bad_identifiers = drop_bad_identifiers
        self.entries: list[_Entry] = []
        self.by_reference: dict[str, _Entry] = {}

    def problem(self, entry: _Entry | None, column: str, message: str, number: int = 0) -> None:
        where = entry.where if entry else f"Entry {number}"
        self.parsed.problems.append(
            Problem(where, column, message, row=entry.number if entry else number)
        )

    def add(self, number: int, data: Any, full_url: str) -> None:
        self.parsed.rows += 1
        if not isinstance(data, dict) or "resourceType" not in data:
            self.problem(None, "resource", "This entry holds no FHIR resource.", number)
            return
        kind = data["resourceType"]
        if kind not in DIRECTORY_TYPES:
            self.problem(
                None,
                "resourceType",
                f"A {kind} is not a directory resource: the file may hold only "
                "Practitioner, PractitionerRole, Organization and Location.",
                number,
            )
            return
        try:
            resource = get_fhir_model_class(kind).model_validate(data)
        except ValidationError as error:
            for item in error.errors()[:5]:
                path = ".".join(str(p) for p in item["loc"] if p != "__root__")
                self.problem(None, f"{kind}.{path}" if path else kind, item["msg"], number)
            return
        entry = _Entry(number, resource, full_url)
        self.entries.append(entry)
        for key in entry.keys:
            self.by_reference[key] = entry

    # --- reading ---------------------------------------------------------------

    def _identifier(
        self, entry: _Entry, system: str, check: Callable[[str], str], label: str
    ) -> str:
        for identifier in entry.resource.identifier or []:
            if identifier.system == system and identifier.value:
                try:
                    return check(identifier.value)
                except CellError as error:
                    if self.drop_bad_identifiers:
                        self.parsed.warnings.append(
                            Problem(
                                entry.where,
                                f"identifier ({label})",
                                f"{error} Imported without it.",
                                row=entry.number,
                            )
                        )
                        return ""
                    self.problem(entry, f"identifier ({label})", str(error))
                    return ""
        return ""

    def _text(self, entry: _Entry, value: str | None, field: str, column: str) -> str:
        try:
            return checks.text(value or "", field)
        except CellError as error:
            self.problem(entry, column, str(error))
            return ""

    def _telecom(self, entry: _Entry, telecoms: Any) -> dict[str, Any]:
        found: dict[str, Any] = {}
        for contact in telecoms or []:
            if contact.system in ("phone", "fax", "email") and contact.value:
                found.setdefault(contact.system, contact.value.strip())
        if "email" in found:
            try:
                found["email"] = checks.email(found["email"])
            except CellError as error:
                self.problem(entry, "telecom (email)", str(error))
        for key in ("phone", "fax"):
            if key in found:
                found[key] = self._text(entry, found[key], key, f"telecom ({key})")
        return found

    def _address(self, entry: _Entry, address: Any) -> dict[str, Any]:
        if isinstance(address, list):
            address = next(
                (a for a in address if a.use in (None, "work")), address[0] if address else None
            )
        if address is None:
            return {}
        state = ""
        try:
            state = checks.state(address.state or "")
        except CellError as error:
            self.problem(entry, "address.state", str(error))
        postcode = ""
        try:
            postcode = checks.postcode(address.postalCode or "", state)
        except CellError as error:
            self.problem(entry, "address.postalCode", str(error))
        return {
            "street": self._text(entry, ", ".join(address.line or []), "street", "address.line"),
            "suburb": self._text(entry, address.city, "suburb", "address.city"),
            "state": state,
            "postcode": postcode,
        }

    def _ref(self, entry: _Entry, reference: Any, kind: str, column: str) -> _Entry | None:
        if reference is None or not reference.reference:
            return None
        target = self.by_reference.get(reference.reference)
        if target is None or target.type != kind:
            self.problem(
                entry,
                column,
                f"Refers to {reference.reference}, which is not a {kind} in this file.",
            )
            return None
        return target

    def build(self) -> None:
        organizations = [e for e in self.entries if e.type == "Organization"]
        locations = [e for e in self.entries if e.type == "Location"]
        org_practice: dict[int, PracticeRecord] = {}
        org_locations: dict[int, list[_Entry]] = {}
        location_org: dict[int, _Entry] = {}
        for entry in locations:
            org = self._ref(
                entry, entry.resource.managingOrganization, "Organization", "managingOrganization"
            )
            if org is not None:
                location_org[entry.number] = org
                org_locations.setdefault(org.number, []).append(entry)
        for org in organizations:
            org_practice[org.number] = self._organization(org)
        practices_by_entry: dict[int, PracticeRecord] = {}
        for entry in locations:
            org = location_org.get(entry.number)
            record = self._location(entry)
            if org is not None:
                base = org_practice[org.number]
                if not record.name:
                    record.name = base.name
                if len(org_locations[org.number]) > 1:
                    base = PracticeRecord(**{**base.__dict__, "hpio": ""})
                record.fill_blanks_from(base)
            if not record.name:
                self.problem(
                    entry,
                    "name",
                    "The location has no name, and no organisation in the file names it.",
                )
            practices_by_entry[entry.number] = record
        for org in organizations:
            if org.number not in org_locations:
                practices_by_entry[org.number] = org_practice[org.number]
        for record in practices_by_entry.values():
            self.parsed.practices.append(record)
        doctors: dict[int, DoctorRecord] = {}
        for entry in self.entries:
            if entry.type == "Practitioner":
                doctors[entry.number] = self._practitioner(entry)
        for entry in self.entries:
            if entry.type == "PractitionerRole":
                self._role(entry, doctors, practices_by_entry, org_locations)
        self.parsed.doctors += doctors.values()

    def _organization(self, entry: _Entry) -> PracticeRecord:
        org = entry.resource
        contacts = self._telecom(entry, org.telecom)
        return PracticeRecord(
            key=f"entry:{entry.number}",
            row=entry.number,
            where=entry.where,
            name=self._text(entry, org.name, "name", "name"),
            hpio=self._identifier(entry, HPIO, checks.hpio, "HPI-O"),
            **self._address(entry, org.address),
            **contacts,
        )

    def _location(self, entry: _Entry) -> PracticeRecord:
        location = entry.resource
        contacts = self._telecom(entry, location.telecom)
        latitude = longitude = None
        if location.position is not None:
            try:
                latitude = checks.latitude(str(location.position.latitude))
                longitude = checks.longitude(str(location.position.longitude))
            except CellError as error:
                self.problem(entry, "position", str(error))
        return PracticeRecord(
            key=f"entry:{entry.number}",
            row=entry.number,
            where=entry.where,
            name=self._text(entry, location.name, "name", "name"),
            hpio=self._identifier(entry, HPIO, checks.hpio, "HPI-O"),
            latitude=latitude,
            longitude=longitude,
            **self._address(entry, location.address),
            **contacts,
        )

    def _practitioner(self, entry: _Entry) -> DoctorRecord:
        practitioner = entry.resource
        names = practitioner.name or []
        name = next((n for n in names if n.use == "official"), names[0] if names else None)
        given = " ".join(name.given or []) if name else ""
        family = name.family if name else ""
        if not family:
            self.problem(entry, "name.family", "A doctor needs a family name.")
        if not given:
            self.problem(entry, "name.given", "A doctor needs a given name.")
        contacts = self._telecom(entry, practitioner.telecom)
        return DoctorRecord(
            row=entry.number,
            where=entry.where,
            given_name=self._text(entry, given, "given_name", "name.given"),
            family_name=self._text(entry, family, "family_name", "name.family"),
            title=self._text(
                entry, (name.prefix or [""])[0] if name else "", "title", "name.prefix"
            ),
            hpii=self._identifier(entry, HPII, checks.hpii, "HPI-I"),
            **contacts,
        )

    def _role(
        self,
        entry: _Entry,
        doctors: dict[int, DoctorRecord],
        practices: dict[int, PracticeRecord],
        org_locations: dict[int, list[_Entry]],
    ) -> None:
        role = entry.resource
        practitioner = self._ref(entry, role.practitioner, "Practitioner", "practitioner")
        if practitioner is None:
            if role.practitioner is None or not role.practitioner.reference:
                self.problem(entry, "practitioner", "The role names no practitioner.")
            return
        doctor = doctors[practitioner.number]
        number = self._identifier(
            entry, MEDICARE_PROVIDER_NUMBER, checks.provider_number, "Medicare provider number"
        )
        if number and doctor.provider_number and number != doctor.provider_number:
            self.parsed.warnings.append(
                Problem(
                    entry.where,
                    "identifier (Medicare provider number)",
                    f"{doctor.given_name} {doctor.family_name} has more than one provider "
                    f"number; the directory keeps one, {doctor.provider_number}.",
                    row=entry.number,
                )
            )
        elif number:
            doctor.provider_number = number
        codes = [
            c.code
            for concept in (role.code or []) + (role.specialty or [])
            for c in (concept.coding or [])
            if c.code
        ]
        if codes and not doctor.doctor_type:
            doctor.doctor_type = next((_TYPE_CODES[c] for c in codes if c in _TYPE_CODES), "other")
        contacts = self._telecom(entry, role.telecom)
        for key, value in contacts.items():
            if not getattr(doctor, key):
                setattr(doctor, key, value)
        targets = []
        for reference in role.location or []:
            location = self._ref(entry, reference, "Location", "location")
            if location is not None:
                targets.append(practices[location.number])
        if not targets and role.organization is not None:
            org = self._ref(entry, role.organization, "Organization", "organization")
            if org is not None:
                if org.number in practices:
                    targets.append(practices[org.number])
                elif len(org_locations.get(org.number, [])) == 1:
                    targets.append(practices[org_locations[org.number][0].number])
        for target in targets:
            if target.key not in doctor.practice_keys:
                doctor.practice_keys.append(target.key)
