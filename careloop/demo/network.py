"""A network of many practices for the largest demos, on PostgreSQL.

Issue 13's target is ten million sessions across many practices, none holding more than
about 500,000 (Harbour Psychology at `--scale 170`). Building each practice in Python
would take hours; instead the two demo practices are built once and copied, in SQL, as
many times as the scale asks: every row the practice owns (clients, referrals, sessions,
letters, outreach, summary rows, and the rows hanging off them such as clinician
profiles and the links between doctors and medical practices), with fresh keys, fresh
UUIDs and the copy's own practice. The copies read the same as the original (same
names, same history); what the benchmark needs is their weight, so that one practice's
pages can be shown not to slow down as the others grow.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.apps import apps
from django.db import connection, models, transaction

from careloop.practices.models import Practice


@dataclass(frozen=True)
class _Table:
    model: type[models.Model]
    # SQL selecting the source practice's rows' keys, with %(practice)s.
    source_keys: str


def _owned_tables() -> list[_Table]:
    """Every model whose rows belong to one practice: those naming the practice, then
    those hanging off them (one level at a time), each with how to find its rows."""
    candidates = [
        m for m in apps.get_models(include_auto_created=True) if m is not Practice and m._meta.pk
    ]
    tables: dict[type[models.Model], _Table] = {}
    for model in candidates:
        if any(_points_to(f, Practice) for f in model._meta.concrete_fields):
            field = next(f for f in model._meta.concrete_fields if _points_to(f, Practice))
            table, column = model._meta.db_table, field.column
            keys = f'SELECT id FROM "{table}" WHERE "{column}" = %(practice)s'  # noqa: S608
            tables[model] = _Table(model, keys)
    grew = True
    while grew:
        grew = False
        for model in candidates:
            if model in tables:
                continue
            parent = next(
                (
                    f
                    for f in model._meta.concrete_fields
                    if f.is_relation
                    and isinstance(f.related_model, type)
                    and f.related_model in tables
                    and not f.null
                ),
                None,
            )
            if parent is not None and isinstance(parent.related_model, type):
                table, column = model._meta.db_table, parent.column
                parent_keys = tables[parent.related_model].source_keys
                keys = f'SELECT id FROM "{table}" WHERE "{column}" IN ({parent_keys})'  # noqa: S608
                tables[model] = _Table(model, keys)
                grew = True
    return list(tables.values())


def _points_to(field: models.Field, model: type[models.Model]) -> bool:
    return bool(field.is_relation and field.related_model is model and field.concrete)


def copy_practice(source: Practice, *, slug: str, name: str) -> Practice:
    """A copy of `source` and everything it owns, in one transaction (PostgreSQL)."""
    assert connection.vendor == "postgresql", "copies are made in PostgreSQL's SQL"
    with transaction.atomic():
        copy = Practice.objects.get(pk=source.pk)
        niches = list(source.niches.all())
        copy.pk = None
        copy.slug, copy.name = slug, name
        copy.email = f"hello@{slug}.demo"
        copy.hl7_facility_ids = slug.upper()
        field = Practice._meta.get_field("uuid")
        copy.uuid = field.get_default()
        copy.save()
        copy.niches.set(niches)
        tables = [t for t in _owned_tables() if t.model is not Practice.niches.through]
        offsets = _offsets(tables, source)
        with connection.cursor() as cursor:
            for table in tables:
                if table.model in offsets:
                    cursor.execute(*_insert(table, offsets, source, copy))
            for table in tables:
                if table.model in offsets:
                    name_ = table.model._meta.db_table
                    # The sequence continues after the copy's keys.
                    last = f'SELECT max(id) FROM "{name_}"'  # noqa: S608
                    cursor.execute(
                        f"SELECT setval(pg_get_serial_sequence(%s, 'id'), ({last}))", [f'"{name_}"']
                    )
    return copy


def _offsets(tables: list[_Table], source: Practice) -> dict[type[models.Model], int]:
    """What to add to each table's keys: past every key in use, so the copies' keys
    are fresh and a foreign key is moved by the offset of the table it points to."""
    offsets = {}
    with connection.cursor() as cursor:
        for table in tables:
            name = table.model._meta.db_table
            cursor.execute(
                f'SELECT min(id), (SELECT max(id) FROM "{name}") FROM "{name}" '  # noqa: S608
                f"WHERE id IN ({table.source_keys})",
                {"practice": source.pk},
            )
            low, high = cursor.fetchone()
            if low is not None:
                offsets[table.model] = high - low + 1
    return offsets


def _insert(
    table: _Table, offsets: dict[type[models.Model], int], source: Practice, copy: Practice
) -> tuple[str, dict]:
    model = table.model
    columns, values = [], []
    for field in model._meta.concrete_fields:
        column = f'"{field.column}"'
        columns.append(column)
        if field.primary_key:
            values.append(f"{column} + {offsets[model]}")
        elif _points_to(field, Practice):
            values.append("%(copy)s")
        elif field.is_relation and field.related_model in offsets:
            values.append(f"{column} + {offsets[field.related_model]}")
        elif isinstance(field, models.UUIDField) and field.unique:
            values.append("gen_random_uuid()")
        elif field.name == "email" and field.unique:
            values.append(f"replace({column}, %(source_domain)s, %(copy_domain)s)")
        elif field.unique and isinstance(field, models.CharField):
            # Tokens and domains: the copy's own, or none.
            values.append(f"NULLIF({column} || '-' || %(copy_slug)s, '-' || %(copy_slug)s)")
        else:
            values.append(column)
    name = model._meta.db_table
    # Table and column names are the models' own; every value is a parameter.
    sql = (
        f'INSERT INTO "{name}" ({", ".join(columns)}) SELECT {", ".join(values)} '  # noqa: S608
        f'FROM "{name}" WHERE id IN ({table.source_keys})'
    )
    return sql, {
        "practice": source.pk,
        "copy": copy.pk,
        "copy_slug": copy.slug,
        "source_domain": f"@{source.slug}.demo",
        "copy_domain": f"@{copy.slug}.demo",
    }
