"""A client's access report (Australian Privacy Principle 12): everything held about
them, as data for the JSON file and as labelled sections for the PDF."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db import models

from careloop.clients.models import Client
from careloop.therapy.models import ClinicalNote, ClinicalNoteVersion

from .collect import client_rows
from .models import AccessReport
from .serialize import exported_fields, label_of, plain

# Clinical notes are given only when the owner chooses (APP 12.3 lets a practice refuse
# access where giving it would pose a serious threat to the life, health or safety of
# any individual, among other grounds).
NOTE_MODELS = {ClinicalNote, ClinicalNoteVersion}
# The report's own rows describe earlier copies, not the client.
LEFT_OUT_MODELS = {AccessReport}
# Fields that are about the software, not the person.
PLUMBING = {"lease_until", "lease_token", "attempts", "message_id", "token", "code"}

SECTION_ORDER = [
    "clients.client",
    "referrals.referral",
    "referrals.referraldocument",
    "referrals.referralevent",
    "referrals.clarificationrequest",
    "therapy.therapysession",
    "therapy.clinicalnote",
    "therapy.clinicalnoteversion",
    "measures.measureresult",
    "measures.measureinvitation",
    "measures.riskalert",
    "entitlements.elsewhereclaims",
    "consent.consent",
    "consent.consentrequest",
    "consent.disclosure",
    "letters.letter",
    "letters.letterversion",
    "letters.delivery",
    "letters.feedback",
]


@dataclass
class Section:
    key: str
    title: str
    records: list[dict[str, Any]] = field(default_factory=list)  # for the JSON
    shown: list[list[tuple[str, str]]] = field(default_factory=list)  # for the PDF


def _display(row: models.Model, f: models.Field) -> tuple[Any, str]:
    """(machine value, words) of one field."""
    if f.is_relation:
        target = getattr(row, f.name)
        if target is None:
            return None, "—"
        return {"uuid": plain(getattr(target, "uuid", None)), "label": str(target)}, str(target)
    value = getattr(row, f.attname)
    if f.choices:
        words = str(getattr(row, f"get_{f.name}_display")())
    elif isinstance(value, bool):
        words = "Yes" if value else "No"
    elif isinstance(value, dict | list):
        words = (
            ", ".join(f"{k}: {v}" for k, v in value.items())
            if isinstance(value, dict)
            else ", ".join(map(str, value))
        )
    else:
        words = "" if value in (None, "") else str(plain(value))
    return plain(value), words or "—"


def _fields(model: type[models.Model], client: Client) -> list[models.Field]:
    return [
        f
        for f in exported_fields(model)
        if f.name not in PLUMBING
        # A link to another client (a suspected duplicate) would name someone else.
        and not (model is Client and f.is_relation and f.related_model is Client)
    ]


def gather(client: Client, *, include_notes: bool) -> list[Section]:
    held = client_rows(client)
    sections: dict[str, Section] = {}
    for model, ids in held.items():
        if model in LEFT_OUT_MODELS or (model in NOTE_MODELS and not include_notes):
            continue
        label = label_of(model)
        section = Section(key=label, title=str(model._meta.verbose_name_plural).capitalize())
        fields = _fields(model, client)
        for row in model._base_manager.filter(pk__in=ids).order_by("pk"):
            record: dict[str, Any] = {}
            shown = []
            for f in fields:
                value, words = _display(row, f)
                record[f.name] = value
                shown.append((str(f.verbose_name).capitalize(), words))
            section.records.append(record)
            section.shown.append(shown)
        sections[label] = section
    order = {key: i for i, key in enumerate(SECTION_ORDER)}
    return sorted(sections.values(), key=lambda s: (order.get(s.key, len(order)), s.key))


def as_json(report: AccessReport, sections: list[Section]) -> dict[str, Any]:
    return {
        "format": "careloop-access-report",
        "version": 1,
        "practice": report.practice.name,
        "client": str(report.client.uuid),
        "produced_at": plain(report.produced_at),
        "clinical_notes_included": report.include_clinical_notes,
        "clinical_notes_withheld_because": (
            "" if report.include_clinical_notes else report.notes_withheld_reason
        ),
        "sections": {s.key: {"title": s.title, "records": s.records} for s in sections},
    }
