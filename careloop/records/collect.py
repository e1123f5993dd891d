"""Everything held about one client: the rows that point at the client, and the rows
that point at those, found from the models' foreign keys rather than a list, so a new
kind of record is included (in the access report) and disposed of (with the client)
without anyone remembering to add it here."""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING

from django.apps import apps
from django.db import models

from careloop.clients.models import Client

if TYPE_CHECKING:
    from django.db.models import Model

# A row that only names a client's record in passing (SET_NULL: the record outlives the
# link) is not part of the record, with these exceptions: an HL7 message that brought a
# referral holds the client's details in its raw text.
PART_OF_THE_RECORD_THOUGH_SET_NULL = {("interop.inboundmessage", "referral")}


def _follows(field: models.ForeignKey) -> bool:
    on_delete = field.remote_field.on_delete
    if on_delete in (models.CASCADE, models.PROTECT):
        return True
    return (field.model._meta.label_lower, field.name) in PART_OF_THE_RECORD_THOUGH_SET_NULL


def _children() -> dict[type[Model], list[models.ForeignKey]]:
    found: dict[type[Model], list[models.ForeignKey]] = defaultdict(list)
    for model in apps.get_models():
        if not model.__module__.startswith("careloop."):
            continue
        for field in model._meta.concrete_fields:
            if (
                isinstance(field, models.ForeignKey)
                and field.related_model is not model
                and _follows(field)
            ):
                found[field.related_model].append(field)
    return found


def client_rows(client: Client) -> dict[type[Model], set[int]]:
    """Model → ids of the rows that make up `client`'s record, the client included."""
    children = _children()
    held: dict[type[Model], set[int]] = defaultdict(set)
    held[Client].add(client.pk)
    frontier: list[tuple[type[Model], set[int]]] = [(Client, {client.pk})]
    while frontier:
        parent, ids = frontier.pop()
        for field in children.get(parent, []):
            model = field.model
            new = (
                set(
                    model._base_manager.filter(**{f"{field.name}__in": ids}).values_list(
                        "pk", flat=True
                    )
                )
                - held[model]
            )
            if new:
                held[model] |= new
                frontier.append((model, new))
    return dict(held)
