"""Rows as plain JSON values, for the access report and the practice export.

Integer keys never leave the database: a foreign key is written as the uuid of the row
it points to (or a shared vocabulary's code, such as a niche's), and the row's own
integer id is left out. Secrets are never written (see SECRET_FIELDS)."""

from __future__ import annotations

import datetime
import decimal
import uuid
from typing import Any

from django.db import models

# Fields that hold credentials: an export or report never carries them. A user imported
# from an export sets a new password (password reset) and enrols two-factor again.
SECRET_FIELDS = {
    "practices.user": {"password", "last_login", "is_superuser", "is_staff"},
}

# Models left out of every export: their rows are credentials, not records.
# GatewayToken holds the hash a messaging gateway signs in with; CalendarFeed's token
# is the whole of a personal feed's protection. Both are issued again after a move.
SECRET_MODELS = {"interop.gatewaytoken", "outreach.calendarfeed"}

# Shared vocabularies (rows not owned by any practice) and the field that names them.
NATURAL_KEYS = {"practices.niche": "code"}


def label_of(model: type[models.Model]) -> str:
    return model._meta.label_lower


def key_field(model: type[models.Model]) -> str | None:
    """The field that names a row of `model` across installations."""
    label = label_of(model)
    if label in NATURAL_KEYS:
        return NATURAL_KEYS[label]
    names = {f.name for f in model._meta.concrete_fields}
    return "uuid" if "uuid" in names else None


def exported_fields(model: type[models.Model]) -> list[models.Field]:
    secret = SECRET_FIELDS.get(label_of(model), set())
    return [
        f
        for f in model._meta.concrete_fields
        if not f.primary_key and f.name not in secret and f.name != "practice"
    ]


def m2m_fields(model: type[models.Model]) -> list[models.ManyToManyField]:
    return [
        f
        for f in model._meta.many_to_many
        if isinstance(f, models.ManyToManyField)
        and f.model is model
        # auth's groups and permissions are Django's, unused by Careloop
        and f.related_model._meta.app_label not in {"auth"}
    ]


def plain(value: Any) -> Any:
    """A field value as JSON can carry it."""
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, models.fields.files.FieldFile):
        return value.name or ""
    return value
