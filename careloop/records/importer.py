"""Load a practice export (export.py) into a Careloop installation, all or nothing.

Rows keep their uuids, so links already sent (letter downloads, feedback codes) keep
working. Integer ids are new. Members come without passwords or two-factor devices:
each sets a password through "Forgot your password?" and enrols two-factor again."""

from __future__ import annotations

import hashlib
import json
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

from django.apps import apps
from django.contrib.auth.hashers import make_password
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import models, transaction
from django.db.migrations.recorder import MigrationRecorder
from django_scopes import scopes_disabled

from careloop.practices.models import Practice, User

from .export import FORMAT, VERSION
from .serialize import NATURAL_KEYS, key_field, label_of, m2m_fields


def _field(model: type[models.Model], name: str) -> Any:
    return model._meta.get_field(name)


class ImportRefused(Exception):
    """The export cannot be loaded; nothing was written."""


@contextmanager
def _keeping_timestamps(model_list: list[type[models.Model]]) -> Iterator[None]:
    """auto_now and auto_now_add would stamp every row with today; an import keeps
    when each record was made and changed."""
    touched = []
    for model in model_list:
        for f in model._meta.concrete_fields:
            if isinstance(f, models.DateField) and (f.auto_now or f.auto_now_add):
                touched.append((f, f.auto_now, f.auto_now_add))
                f.auto_now = f.auto_now_add = False
    try:
        yield
    finally:
        for f, auto_now, auto_now_add in touched:
            f.auto_now, f.auto_now_add = auto_now, auto_now_add


def _read(archive: zipfile.ZipFile, name: str, checksums: dict[str, str]) -> bytes:
    try:
        body = archive.read(name)
    except KeyError as exc:
        raise ImportRefused(f"The export is incomplete: {name} is missing.") from exc
    if hashlib.sha256(body).hexdigest() != checksums.get(name):
        raise ImportRefused(f"{name} does not match its checksum: the file was changed or damaged.")
    return body


def _check_schema(schema: dict[str, str]) -> None:
    applied = set(MigrationRecorder.Migration.objects.values_list("app", "name"))
    newer = [f"{app} {name}" for app, name in schema.items() if (app, name) not in applied]
    if newer:
        raise ImportRefused(
            "The export comes from a newer Careloop (migrations not applied here: "
            + ", ".join(sorted(newer))
            + "). Upgrade this installation first."
        )


class _Loader:
    def __init__(self, practice: Practice) -> None:
        self.practice = practice
        self.pks: dict[type[models.Model], dict[str, int]] = {}

    def pk_of(self, model: Any, key: Any, where: str) -> Any:
        if key is None:
            return None
        if model is Practice:
            return self.practice.pk
        found = self.pks.get(model, {}).get(str(key))
        if found is None:
            raise ImportRefused(f"{where} names a {label_of(model)} ({key}) not in the export.")
        return found

    def load(self, model: type[models.Model], rows: list[dict]) -> int:
        label = label_of(model)
        concrete = {f.name: f for f in model._meta.concrete_fields}
        m2ms = {f.name: f for f in m2m_fields(model)}
        key = key_field(model)
        if label in NATURAL_KEYS:
            assert key is not None
            for row in rows:
                lookup: dict[str, Any] = {key: row[key]}
                obj, _ = model._base_manager.get_or_create(
                    **lookup, defaults={k: v for k, v in row.items() if k != key}
                )
                self.pks.setdefault(model, {})[str(row[key])] = obj.pk
            return len(rows)
        deferred: list[tuple[int, str, Any]] = []  # self references, set once all exist
        objects = []
        for index, row in enumerate(rows):
            values: dict[str, Any] = {}
            for name, value in row.items():
                if name in m2ms:
                    continue
                field = concrete.get(name)
                if field is None:
                    raise ImportRefused(f"{label} has no field {name!r} in this Careloop.")
                if field.is_relation:
                    if field.related_model is model and value is not None:
                        deferred.append((index, field.attname, value))
                        continue
                    values[field.attname] = self.pk_of(field.related_model, value, label)
                else:
                    values[name] = field.to_python(value)
            if "practice" in concrete:
                values["practice_id"] = self.practice.pk
            if model is User:
                values["password"] = make_password(None)
            objects.append(model(**values))
        model._base_manager.bulk_create(objects, batch_size=500)
        if key:
            if any(o.pk is None for o in objects):
                mapping = dict(
                    model._base_manager.filter(
                        **{f"{key}__in": [getattr(o, key) for o in objects]}
                    ).values_list(key, "pk")
                )
                for o in objects:
                    o.pk = mapping[getattr(o, key)]
            self.pks[model] = {str(getattr(o, key)): o.pk for o in objects}
        for index, attname, value in deferred:
            target = self.pk_of(model, value, label)
            model._base_manager.filter(pk=objects[index].pk).update(**{attname: target})
        for name, m2m in m2ms.items():
            through: Any = m2m.remote_field.through
            source = m2m.m2m_field_name()
            target_name = m2m.m2m_reverse_field_name()
            links = [
                through(
                    **{
                        f"{source}_id": obj.pk,
                        f"{target_name}_id": self.pk_of(m2m.related_model, target_key, label),
                    }
                )
                for obj, row in zip(objects, rows, strict=True)
                for target_key in row.get(name, [])
            ]
            through._base_manager.bulk_create(links, batch_size=500)
        return len(rows)


def import_practice(source: str | Path | IO[bytes], *, slug: str | None = None) -> Practice:
    """Load the export into this installation and return the new practice. In one
    transaction: any refusal or error leaves the database and the stored files as
    they were."""
    with zipfile.ZipFile(source) as archive:
        try:
            manifest = json.loads(archive.read("manifest.json"))
        except (KeyError, ValueError) as exc:
            raise ImportRefused("This is not a Careloop practice export (no manifest).") from exc
        if manifest.get("format") != FORMAT or manifest.get("version") != VERSION:
            raise ImportRefused(
                f"This file is not a version {VERSION} Careloop practice export "
                f"(format {manifest.get('format')!r}, version {manifest.get('version')!r})."
            )
        checksums = manifest["checksums"]
        datasets = [
            json.loads(_read(archive, f"data/{entry['model']}.json", checksums))
            for entry in manifest["models"]
        ]
        media = {
            name.removeprefix("media/"): _read(archive, name, checksums)
            for name in checksums
            if name.startswith("media/")
        }

    written: list[str] = []
    try:
        with transaction.atomic(), scopes_disabled():
            _check_schema(manifest["schema"])
            practice_rows = next(d["rows"] for d in datasets if d["model"] == "practices.practice")
            practice_row = dict(practice_rows[0])
            if slug:
                practice_row["slug"] = slug
            if Practice.objects.filter(slug=practice_row["slug"]).exists():
                raise ImportRefused(
                    f"A practice with the address name {practice_row['slug']!r} exists already; "
                    "choose another with --slug."
                )
            if Practice.objects.filter(uuid=practice_row["uuid"]).exists():
                raise ImportRefused("This practice is in this installation already.")
            users: list[dict[str, Any]] = next(
                (d["rows"] for d in datasets if d["model"] == "practices.user"), []
            )
            taken = User.objects.filter(email__in=[u["email"] for u in users]).values_list(
                "email", flat=True
            )
            if taken:
                raise ImportRefused(
                    "These sign-in addresses belong to accounts here already: "
                    + ", ".join(sorted(taken))
                )
            model_list = [Practice] + [apps.get_model(d["model"]) for d in datasets]
            with _keeping_timestamps(model_list):
                niche_field = Practice._meta.get_field("niches")
                practice_m2m = {"niches": practice_row.pop("niches", [])}
                practice = Practice(
                    **{k: _field(Practice, k).to_python(v) for k, v in practice_row.items()}
                )
                practice.save()
                loader = _Loader(practice)
                for data in datasets:
                    model = apps.get_model(data["model"])
                    if model is not Practice:
                        loader.load(model, data["rows"])
                practice.niches.set(
                    [
                        loader.pk_of(niche_field.related_model, code, "practice")
                        for code in practice_m2m["niches"]
                    ]
                )
            for name, body in media.items():
                saved = default_storage.save(name, ContentFile(body))
                written.append(saved)
                if saved != name:
                    raise ImportRefused(
                        f"A stored file named {name} exists already in this installation."
                    )
    except BaseException:
        for name in written:
            default_storage.delete(name)
        raise
    return practice
