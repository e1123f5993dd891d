"""Writes of the directory app that are more than saving a form."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone

from careloop.audit.actions import AuditItem, Via, record_many
from careloop.audit.models import AuditAction
from careloop.lib.geo import locate

from .importing.matching import KnownDoctor, KnownPractice, Target, match_doctors, match_practices
from .importing.records import DOCTOR_FIELDS, PRACTICE_FIELDS, ParsedFile, Problem
from .models import Doctor, DoctorType, MedicalPractice

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from careloop.practices.models import Practice, User

BATCH = 1000
IMPORT_OBJECT_TYPE = "directory import"

# progress(stage, done, total): the command line draws a bar from it.
Progress = Callable[[str, int, int], None]


@dataclass
class ImportResult:
    file_kind: str
    rows: int
    dry_run: bool
    problems: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    doctors_added: int = 0
    doctors_updated: int = 0
    doctors_unchanged: int = 0
    practices_added: int = 0
    practices_updated: int = 0
    practices_unchanged: int = 0
    links_added: int = 0
    geocoded: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def summary(self) -> str:
        if self.problems:
            return (
                f"Nothing imported: {len(self.problems)} problem"
                f"{'s' if len(self.problems) != 1 else ''} to fix first."
            )
        verb = "would be" if self.dry_run else "were"
        return (
            f"Doctors: {self.doctors_added} {verb} added, {self.doctors_updated} changed, "
            f"{self.doctors_unchanged} already up to date. Medical practices: "
            f"{self.practices_added} {verb} added, {self.practices_updated} changed, "
            f"{self.practices_unchanged} already up to date."
        )

    def as_json(self) -> dict[str, Any]:
        return {
            "file_kind": self.file_kind,
            "rows": self.rows,
            "dry_run": self.dry_run,
            "imported": self.ok and not self.dry_run,
            "doctors": {
                "added": self.doctors_added,
                "updated": self.doctors_updated,
                "unchanged": self.doctors_unchanged,
            },
            "medical_practices": {
                "added": self.practices_added,
                "updated": self.practices_updated,
                "unchanged": self.practices_unchanged,
            },
            "links_added": self.links_added,
            "geocoded": self.geocoded,
            "problems": [p.as_json() for p in self.problems],
            "warnings": [w.as_json() for w in self.warnings],
        }


def _coordinate(value: float | None) -> Decimal | None:
    return None if value is None else Decimal(f"{value:.6f}")


def _apply(obj: Any, values: dict[str, Any]) -> list[str]:
    """Set the file's non-blank values; blank cells never wipe what staff entered."""
    changed = []
    for name, value in values.items():
        if value in ("", None):
            continue
        if getattr(obj, name) != value:
            setattr(obj, name, value)
            changed.append(name)
    return changed


def _practice_values(target: Target) -> dict[str, Any]:
    record = target.record
    values = {name: getattr(record, name) for name in PRACTICE_FIELDS}
    values["latitude"] = _coordinate(values["latitude"])
    values["longitude"] = _coordinate(values["longitude"])
    return values


def _geocode(practice: MedicalPractice) -> bool:
    if practice.latitude is not None and practice.longitude is not None:
        return False
    found = locate(practice.suburb, practice.state, practice.postcode)
    if found is None:
        return False
    practice.latitude, practice.longitude = _coordinate(found[0]), _coordinate(found[1])
    return True


def import_directory(
    parsed: ParsedFile,
    *,
    practice: Practice,
    by: User | AnonymousUser | None,
    via: Via,
    dry_run: bool = False,
    file_name: str = "",
    progress: Progress | None = None,
) -> ImportResult:
    """Add and update the practice's doctors and medical practices from a checked
    file: all of it in one transaction, or (with problems, or a dry run) nothing.

    A fixed number of queries whatever the file's size, apart from one INSERT or
    UPDATE per thousand records: the practice's directory is read once into
    dictionaries and matched in memory (importing/matching.py).
    """
    result = ImportResult(
        parsed.kind, parsed.rows, dry_run, list(parsed.problems), list(parsed.warnings)
    )
    if parsed.problems:
        return result
    report = progress or (lambda stage, done, total: None)

    known_practices = {p.id: p for p in MedicalPractice.objects.filter(practice=practice)}
    known_doctors = {d.id: d for d in Doctor.objects.filter(practice=practice)}
    Link = Doctor.medical_practices.through
    links = set(
        Link.objects.filter(doctor__practice=practice).values_list(
            "doctor_id", "medicalpractice_id"
        )
    )

    # Medical practices.
    practice_targets, target_of_key = match_practices(
        parsed.practices,
        (KnownPractice(p.id, p.name, p.suburb, p.hpio) for p in known_practices.values()),
    )
    new_practices: list[MedicalPractice] = []
    changed_practices: dict[int, list[str]] = {}
    model_of_target: dict[int, MedicalPractice] = {}
    for target in practice_targets:
        values = _practice_values(target)
        if target.existing_id is None:
            obj = MedicalPractice(practice=practice)
            _apply(obj, values)
            new_practices.append(obj)
        else:
            obj = known_practices[target.existing_id]
            changed = _apply(obj, values)
            if changed:
                changed_practices[obj.id] = changed
        if _geocode(obj):
            result.geocoded += 1
            if obj.pk is not None:
                changed_practices.setdefault(obj.id, []).extend(["latitude", "longitude"])
        model_of_target[id(target)] = obj
    result.practices_added = len(new_practices)
    result.practices_updated = len(changed_practices)
    result.practices_unchanged = len(practice_targets) - len(new_practices) - len(changed_practices)

    # Doctors: a known doctor's suburbs are those of the practices they work at.
    suburbs: dict[int, set[str]] = {}
    for doctor_id, practice_id in links:
        suburb = known_practices[practice_id].suburb
        if suburb:
            suburbs.setdefault(doctor_id, set()).add(suburb)
    suburb_of_key = {key: model_of_target[id(t)].suburb for key, t in target_of_key.items()}
    doctor_targets = match_doctors(
        parsed.doctors,
        (
            KnownDoctor(
                d.id,
                d.given_name,
                d.family_name,
                d.provider_number,
                d.hpii,
                frozenset(suburbs.get(d.id, ())),
            )
            for d in known_doctors.values()
        ),
        suburb_of_key,
    )
    new_doctors: list[Doctor] = []
    changed_doctors: dict[int, list[str]] = {}
    doctor_links: list[tuple[Doctor, MedicalPractice]] = []
    for target in doctor_targets:
        values = {name: getattr(target.record, name) for name in DOCTOR_FIELDS}
        if target.existing_id is None:
            doctor = Doctor(practice=practice)
            values["doctor_type"] = values["doctor_type"] or DoctorType.GP
            _apply(doctor, values)
            new_doctors.append(doctor)
        else:
            doctor = known_doctors[target.existing_id]
            changed = _apply(doctor, values)
            if changed:
                changed_doctors[doctor.id] = changed
        for key in target.record.practice_keys:  # type: ignore[union-attr]
            doctor_links.append((doctor, model_of_target[id(target_of_key[key])]))
    result.doctors_added = len(new_doctors)
    result.doctors_updated = len(changed_doctors)
    result.doctors_unchanged = len(doctor_targets) - len(new_doctors) - len(changed_doctors)
    result.links_added = len(
        {
            (id(d), id(p))
            for d, p in doctor_links
            if d.pk is None or p.pk is None or (d.pk, p.pk) not in links
        }
    )
    if dry_run:
        return result

    now = timezone.now()
    total = len(new_practices) + len(changed_practices) + len(new_doctors) + len(changed_doctors)
    done = 0

    def write(stage: str, objects: Sequence[Any], save: Callable[[Sequence[Any]], Any]) -> None:
        nonlocal done
        for start in range(0, len(objects), BATCH):
            chunk = objects[start : start + BATCH]
            save(chunk)
            done += len(chunk)
            report(stage, done, total)

    # Bulk writes skip save(), which keeps the pickers' and the lists' search keys.
    for new_practice in new_practices:
        new_practice.refresh_search_keys()
    for new_doctor in new_doctors:
        new_doctor.refresh_search_keys()
    with transaction.atomic():
        write(
            "medical practices",
            new_practices,
            lambda chunk: MedicalPractice.objects.bulk_create(chunk),
        )
        updated = [known_practices[pk] for pk in changed_practices]
        for obj in updated:
            obj.updated_at = now
            obj.refresh_search_keys()
        practice_fields = sorted(
            {f for names in changed_practices.values() for f in names}
            | {"updated_at", "search_name", "search_text"}
        )
        write(
            "medical practices",
            updated,
            lambda chunk: MedicalPractice.objects.bulk_update(chunk, practice_fields),
        )
        write("doctors", new_doctors, lambda chunk: Doctor.objects.bulk_create(chunk))
        updated_doctors = [known_doctors[pk] for pk in changed_doctors]
        for doctor in updated_doctors:
            doctor.updated_at = now
            doctor.refresh_search_keys()
        doctor_fields = sorted(
            {f for names in changed_doctors.values() for f in names}
            | {"updated_at", "search_family", "search_given", "search_text"}
        )
        write(
            "doctors",
            updated_doctors,
            lambda chunk: Doctor.objects.bulk_update(chunk, doctor_fields),
        )
        new_links = {(d.pk, p.pk) for d, p in doctor_links if (d.pk, p.pk) not in links}
        Link.objects.bulk_create(
            [Link(doctor_id=d, medicalpractice_id=p) for d, p in sorted(new_links)],
            batch_size=BATCH,
        )
        result.links_added = len(new_links)
        record_many(
            practice.id,
            _audit_items(
                result,
                file_name,
                new_practices,
                changed_practices,
                known_practices,
                new_doctors,
                changed_doctors,
                known_doctors,
            ),
            by=by,
            via=via,
        )
    return result


def _audit_items(
    result: ImportResult,
    file_name: str,
    new_practices: list[MedicalPractice],
    changed_practices: dict[int, list[str]],
    known_practices: dict[int, MedicalPractice],
    new_doctors: list[Doctor],
    changed_doctors: dict[int, list[str]],
    known_doctors: dict[int, Doctor],
) -> Iterator[AuditItem]:
    """One row per record added or changed, so each doctor's history shows the import,
    and one row for the import as a whole."""
    for obj in new_practices:
        yield AuditItem(obj.uuid, "medical practice", str(obj), AuditAction.CREATE)
    for pk, names in changed_practices.items():
        obj = known_practices[pk]
        yield AuditItem(obj.uuid, "medical practice", str(obj), AuditAction.UPDATE, tuple(names))
    for doctor in new_doctors:
        yield AuditItem(doctor.uuid, "doctor", str(doctor), AuditAction.CREATE)
    for pk, names in changed_doctors.items():
        doctor = known_doctors[pk]
        yield AuditItem(doctor.uuid, "doctor", str(doctor), AuditAction.UPDATE, tuple(names))
    name = f" {file_name}" if file_name else ""
    yield AuditItem(
        uuid.uuid4(),
        IMPORT_OBJECT_TYPE,
        f"Directory import{name} ({result.file_kind}, {result.rows} rows): {result.summary}",
        AuditAction.CREATE,
    )
