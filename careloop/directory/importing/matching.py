"""Which of the practice's doctors and medical practices each record is.

Doctors match on Medicare provider number, then HPI-I, then given and family name with
the suburb of a practice they work at. Medical practices match on HPI-O, then name with
suburb. Records in one file that match each other become one: a doctor on two rows
(two practices) is one doctor at both. Pure: the caller passes what the practice
already holds, fetched in a handful of queries.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from .records import DoctorRecord, PracticeRecord


@dataclass(frozen=True)
class KnownPractice:
    id: int
    name: str
    suburb: str
    hpio: str


@dataclass(frozen=True)
class KnownDoctor:
    id: int
    given_name: str
    family_name: str
    provider_number: str
    hpii: str
    suburbs: frozenset[str] = frozenset()


@dataclass
class Target:
    """One record to write: `existing_id` None means a new one."""

    record: DoctorRecord | PracticeRecord
    existing_id: int | None
    keys: list[str] = field(default_factory=list)  # the file keys (practices) merged in


def _fold(text: str) -> str:
    return " ".join(text.lower().split())


def match_practices(
    records: Iterable[PracticeRecord], known: Iterable[KnownPractice]
) -> tuple[list[Target], dict[str, Target]]:
    """The targets, and each file key's target."""
    by_hpio: dict[str, tuple[str, int]] = {}
    by_name: dict[tuple[str, str], tuple[str, int]] = {}
    for practice in known:
        token = ("known", practice.id)
        if practice.hpio:
            by_hpio.setdefault(practice.hpio, token)
        by_name.setdefault((_fold(practice.name), _fold(practice.suburb)), token)
    targets: dict[tuple[str, int], Target] = {}
    for_key: dict[str, Target] = {}
    for number, record in enumerate(records):
        name_key = (_fold(record.name), _fold(record.suburb))
        found = (by_hpio.get(record.hpio) if record.hpio else None) or by_name.get(name_key)
        token = found if found is not None else ("new", number)
        target = targets.get(token)
        if target is None:
            target = Target(record, token[1] if token[0] == "known" else None)
            targets[token] = target
        else:
            target.record.fill_blanks_from(record)  # type: ignore[arg-type]
        target.keys.append(record.key)
        for_key[record.key] = target
        if record.hpio:
            by_hpio.setdefault(record.hpio, token)
        by_name.setdefault(name_key, token)
    return list(targets.values()), for_key


def match_doctors(
    records: Iterable[DoctorRecord],
    known: Iterable[KnownDoctor],
    suburb_of_key: Mapping[str, str],
) -> list[Target]:
    known = list(known)
    by_provider: dict[str, tuple[str, int]] = {}
    by_hpii: dict[str, tuple[str, int]] = {}
    by_name: dict[tuple[str, str, str], tuple[str, int]] = {}
    for doctor in known:
        token = ("known", doctor.id)
        if doctor.provider_number:
            by_provider.setdefault(doctor.provider_number, token)
        if doctor.hpii:
            by_hpii.setdefault(doctor.hpii, token)
        for suburb in doctor.suburbs:
            by_name.setdefault(
                (_fold(doctor.given_name), _fold(doctor.family_name), _fold(suburb)), token
            )
    hpii_of: dict[tuple[str, int], str] = {("known", d.id): d.hpii for d in known}
    targets: dict[tuple[str, int], Target] = {}

    def same_person(token: tuple[str, int], record: DoctorRecord) -> bool:
        # Two HPI-Is that differ are two people, however alike their names.
        other = hpii_of.get(token, "")
        return not (record.hpii and other and record.hpii != other)

    for number, record in enumerate(records):
        name_keys = [
            (_fold(record.given_name), _fold(record.family_name), _fold(suburb_of_key[k]))
            for k in record.practice_keys
            if suburb_of_key.get(k)
        ]
        found = (
            (by_provider.get(record.provider_number) if record.provider_number else None)
            or (by_hpii.get(record.hpii) if record.hpii else None)
            or next(
                (by_name[k] for k in name_keys if k in by_name and same_person(by_name[k], record)),
                None,
            )
        )
        token = found if found is not None else ("new", number)
        target = targets.get(token)
        if target is None:
            target = Target(record, token[1] if token[0] == "known" else None)
            targets[token] = target
        else:
            target.record.fill_blanks_from(record)  # type: ignore[arg-type]
        if record.hpii:
            hpii_of.setdefault(token, record.hpii)
        if record.provider_number:
            by_provider.setdefault(record.provider_number, token)
        if record.hpii:
            by_hpii.setdefault(record.hpii, token)
        for key in name_keys:
            by_name.setdefault(key, token)
    return list(targets.values())
