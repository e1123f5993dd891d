"""One practice's data as a zip a new Careloop can load (`careloop export_practice`).

The zip holds `manifest.json` (format, schema, counts and SHA-256 checksums), a
README, `data/<app>.<model>.json` (documented rows), `csv/<app>.<model>.csv` (the same
rows for a spreadsheet) and `media/<stored name>` (uploaded documents, signed consent
forms, access reports, the logo). Models are found generically: every practice-owned
model, the practice, its members, and the rows that hang off them. docs/practice-export.md
describes the format."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import zipfile
from collections import defaultdict
from collections.abc import Iterable
from graphlib import TopologicalSorter
from pathlib import Path
from typing import Any

from django.apps import apps
from django.core.files.storage import default_storage
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone
from django_scopes import scopes_disabled

from careloop.practices.models import Practice

from .serialize import (
    NATURAL_KEYS,
    SECRET_FIELDS,
    SECRET_MODELS,
    exported_fields,
    key_field,
    label_of,
    m2m_fields,
    plain,
)

FORMAT = "careloop-practice-export"
VERSION = 1
README = Path(__file__).with_name("export_readme.md")


def _practice_field(model: type[models.Model]) -> models.Field | None:
    for f in model._meta.concrete_fields:
        if f.name == "practice" and f.many_to_one and f.related_model is Practice:
            return f
    return None


def _owner_path(model: type[models.Model]) -> str | None:
    """The lookup from a row of `model` to its practice: `practice`, or through the
    first foreign key to a practice's row (a clinician profile through its user)."""
    if _practice_field(model) is not None:
        return "practice"
    for f in model._meta.concrete_fields:
        target: Any = f.related_model if f.is_relation else None
        if target is not None and _practice_field(target) is not None:
            return f"{f.name}__practice"
    return None


def exported_models() -> list[type[models.Model]]:
    """Every Careloop model holding a practice's data, parents before children."""
    chosen = []
    for model in apps.get_models():
        if not model.__module__.startswith("careloop.") or model is Practice:
            continue
        if label_of(model) in SECRET_MODELS:
            continue
        if _owner_path(model) is not None:
            chosen.append(model)
    graph: dict[Any, set] = {}
    for model in chosen:
        graph[model] = {
            f.related_model
            for f in model._meta.concrete_fields
            if f.is_relation and f.related_model in chosen and f.related_model is not model
        }
    return list(TopologicalSorter(graph).static_order())


def rows_of(model: type[models.Model], practice: Practice) -> models.QuerySet:
    path = _owner_path(model)
    assert path is not None
    return model._base_manager.filter(**{path: practice}).order_by("pk")


def field_doc(field: models.Field) -> dict[str, Any]:
    doc: dict[str, Any] = {"label": str(field.verbose_name), "type": field.get_internal_type()}
    if field.is_relation and field.related_model is not None:
        doc["refers_to"] = label_of(field.related_model)
        doc["by"] = key_field(field.related_model)
    if getattr(field, "choices", None):
        doc["choices"] = {str(k): str(v) for k, v in field.flatchoices}
    if field.help_text:
        doc["help"] = str(field.help_text)
    if getattr(field, "null", False):
        doc["may_be_null"] = True
    return doc


class _Keys:
    """pk → public key, per model, for the rows in the export (and shared vocabularies)."""

    def __init__(self) -> None:
        self.maps: dict[type[models.Model], dict[int, Any]] = {}

    def add(self, model: type[models.Model], pairs: Iterable[tuple[int, Any]]) -> None:
        self.maps.setdefault(model, {}).update((pk, plain(k)) for pk, k in pairs)

    def of(self, model: type[models.Model], pk: int | None, *, nullable: bool) -> Any:
        if pk is None:
            return None
        if label_of(model) in NATURAL_KEYS and pk not in self.maps.get(model, {}):
            field = NATURAL_KEYS[label_of(model)]
            self.add(model, model._base_manager.filter(pk=pk).values_list("pk", field))
        found = self.maps.get(model, {}).get(pk)
        if found is None and not nullable:
            raise ValueError(f"{label_of(model)} row {pk} is outside the export")
        return found


def _serialize(
    model: type[models.Model], queryset: models.QuerySet, keys: _Keys
) -> tuple[list[dict], list[str]]:
    fields = exported_fields(model)
    m2ms = m2m_fields(model)
    rows = list(queryset)
    key = key_field(model)
    if key:
        keys.add(model, ((row.pk, getattr(row, key)) for row in rows))
    m2m_values: dict[str, dict[int, list]] = {}
    for m2m in m2ms:
        through: Any = m2m.remote_field.through
        source = m2m.m2m_field_name()
        target = m2m.m2m_reverse_field_name()
        grouped: dict[int, list] = defaultdict(list)
        for source_id, target_id in (
            through._base_manager.filter(**{f"{source}__in": [r.pk for r in rows]})
            .order_by("pk")
            .values_list(f"{source}_id", f"{target}_id")
        ):
            target_key = keys.of(m2m.related_model, target_id, nullable=True)
            if target_key is not None:
                grouped[source_id].append(target_key)
        m2m_values[m2m.name] = grouped
    files = []
    out = []
    for row in rows:
        item: dict[str, Any] = {}
        for f in fields:
            if f.is_relation and f.related_model is not None:
                item[f.name] = keys.of(f.related_model, getattr(row, f.attname), nullable=f.null)
            else:
                value = getattr(row, f.attname)
                if isinstance(f, models.FileField) and value:
                    files.append(value.name)
                item[f.name] = plain(value)
        for m2m in m2ms:
            item[m2m.name] = m2m_values[m2m.name].get(row.pk, [])
        out.append(item)
    return out, files


def _csv(columns: list[str], rows: list[dict]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(columns)
    for row in rows:
        writer.writerow(
            [
                json.dumps(v) if isinstance(v, dict | list) else ("" if v is None else v)
                for v in (row.get(c) for c in columns)
            ]
        )
    return buffer.getvalue().encode()


def _schema() -> dict[str, str]:
    """The newest applied migration of each Careloop app: the importer refuses an
    export from a newer Careloop than itself."""
    latest: dict[str, str] = {}
    for app, name in MigrationRecorder.Migration.objects.order_by("app", "name").values_list(
        "app", "name"
    ):
        if apps.is_installed(f"careloop.{app}"):
            latest[app] = name
    return latest


def export_practice(practice: Practice, target: io.IOBase | str | Path) -> dict[str, Any]:
    """Write the zip to `target` (a path or a binary file); returns the manifest."""
    keys = _Keys()
    entries: list[tuple[str, bytes]] = []
    files: list[str] = []
    models_doc = []
    with scopes_disabled():
        practice_rows, practice_files = _serialize(
            Practice, Practice.objects.filter(pk=practice.pk), keys
        )
        files += practice_files
        sequence: list[tuple[type[models.Model], list[dict]]] = [(Practice, practice_rows)]
        for model in exported_models():
            rows, model_files = _serialize(model, rows_of(model, practice), keys)
            files += model_files
            sequence.append((model, rows))
        # Shared vocabularies last: only the entries this practice's rows name.
        for model, mapping in list(keys.maps.items()):
            if label_of(model) in NATURAL_KEYS:
                rows, _ = _serialize(
                    model, model._base_manager.filter(pk__in=list(mapping)).order_by("pk"), keys
                )
                sequence.insert(0, (model, rows))

    manifest_models = []
    for model, rows in sequence:
        label = label_of(model)
        fields = exported_fields(model) + list(m2m_fields(model))
        doc = {
            "model": label,
            "name": str(model._meta.verbose_name_plural),
            "key": key_field(model),
            "fields": {f.name: field_doc(f) for f in fields},
            "left_out": sorted(SECRET_FIELDS.get(label, set())),
        }
        body = json.dumps({**doc, "rows": rows}, cls=DjangoJSONEncoder, indent=1).encode()
        entries.append((f"data/{label}.json", body))
        entries.append((f"csv/{label}.csv", _csv([f.name for f in fields], rows)))
        manifest_models.append({"model": label, "rows": len(rows)})
        models_doc.append(doc)

    missing = []
    media: list[tuple[str, bytes]] = []
    for name in sorted(set(files)):
        try:
            with default_storage.open(name, "rb") as handle:
                media.append((f"media/{name}", handle.read()))
        except FileNotFoundError:
            missing.append(name)
    entries += media

    manifest = {
        "format": FORMAT,
        "version": VERSION,
        "exported_at": timezone.now().isoformat(),
        "practice": {"slug": practice.slug, "uuid": str(practice.uuid), "name": practice.name},
        "schema": _schema(),
        "models": manifest_models,
        "left_out_models": sorted(SECRET_MODELS),
        "missing_files": missing,
        "checksums": {name: hashlib.sha256(body).hexdigest() for name, body in entries},
    }
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("README.md", README.read_text())
        archive.writestr("manifest.json", json.dumps(manifest, indent=1))
        for name, body in entries:
            archive.writestr(name, body)
    return manifest
