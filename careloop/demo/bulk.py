"""Writing the demo's many rows: `bulk_create` on SQLite, `COPY` on PostgreSQL.

A large demo (`--scale 1700`, about ten million sessions) spends most of its time
turning rows into SQL: Django compiles every value of every row into an INSERT. On
PostgreSQL, `COPY ... FROM STDIN` streams the values instead (psycopg's copy, in C),
several times faster. The rows keep every value the model would save; the keys are
taken from the table's sequence beforehand, so later rows can point at them just as
they do after `bulk_create`. SQLite keeps `bulk_create`: it has no COPY, and its
demo is built at the scales a laptop serves.
"""

import operator
from collections.abc import Iterable, Sequence
from typing import Any, TypeVar

from django.db import connection, models
from django.utils import timezone

from careloop.lib.search import SearchKeyed

BATCH = 2000
M = TypeVar("M", bound=models.Model)


def copying() -> bool:
    return connection.vendor == "postgresql"


def save(rows: list[M], *, batch_size: int = BATCH) -> list[M]:
    """Insert model instances as `bulk_create` does, keys included."""
    if not rows:
        return rows
    model = type(rows[0])
    if not copying():
        return model._default_manager.bulk_create(rows, batch_size=batch_size)
    # COPY goes round the manager's bulk_create, which fills the search keys.
    for row in rows:
        if isinstance(row, SearchKeyed):
            row.refresh_search_keys()
    pk = model._meta.pk
    assert pk is not None
    for row, key in zip(rows, reserve_keys(model, len(rows)), strict=True):
        setattr(row, pk.attname, key)
        row._state.adding = False
        row._state.db = connection.alias
    plan = _Plan(model)
    copy_values(model, plan.columns, map(plan.values_of, rows))
    return rows


def save_dicts(
    model: type[models.Model], rows: list[dict[str, Any]], *, keys: bool = False
) -> list[int]:
    """Insert rows given as the model's keyword arguments, without making a model
    instance of each on PostgreSQL (ten million sessions would spend minutes in
    Model.__init__). Returns the new keys when asked for them."""
    if not rows:
        return []
    if not copying():
        made = model._default_manager.bulk_create([model(**row) for row in rows], batch_size=BATCH)
        return [row.pk for row in made] if keys else []
    plan = _Plan(model, with_key=keys)
    if keys:
        reserved = reserve_keys(model, len(rows))
        values = (plan.values_from(row, key) for row, key in zip(rows, reserved, strict=True))
    else:
        reserved = []
        values = (plan.values_from(row) for row in rows)
    copy_values(model, plan.columns, values)
    return reserved


def copy_values(
    model: type[models.Model], columns: Sequence[str], rows: Iterable[Sequence[Any]]
) -> int:
    """Stream value tuples into the model's table (PostgreSQL only)."""
    from psycopg import sql

    statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
        sql.Identifier(model._meta.db_table), sql.SQL(", ").join(map(sql.Identifier, columns))
    )
    count = 0
    with connection.cursor() as cursor, cursor.cursor.copy(statement) as copy:
        for row in rows:
            copy.write_row(row)
            count += 1
    return count


def reserve_keys(model: type[models.Model], count: int) -> list[int]:
    """`count` fresh keys from the table's sequence, as inserts would have taken."""
    pk = model._meta.pk
    assert pk is not None
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [model._meta.db_table, pk.column, count],
        )
        return [key for (key,) in cursor.fetchall()]


class _Plan:
    """How to turn one row of a model into the values COPY takes, column by column:
    what `save()` would store, with `auto_now` times set to one moment per batch."""

    def __init__(self, model: type[models.Model], *, with_key: bool = True) -> None:
        self.now = timezone.now()
        self.fields = [f for f in model._meta.concrete_fields if with_key or not f.primary_key]
        self.columns = [f.column for f in self.fields if f.column]
        self.get = operator.attrgetter(*(f.attname for f in self.fields))
        self.stamped = [
            (i, f.attname)
            for i, f in enumerate(self.fields)
            if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)
        ]
        self.json = [i for i, f in enumerate(self.fields) if isinstance(f, models.JSONField)]
        self.files = [i for i, f in enumerate(self.fields) if isinstance(f, models.FileField)]
        # For rows given as keyword arguments: where each value comes from.
        self.sources = [self._source(f) for f in self.fields]

    def values_of(self, row: models.Model) -> list[Any]:
        values = list(self.get(row)) if len(self.fields) > 1 else [self.get(row)]
        for i, attname in self.stamped:
            values[i] = self.now
            setattr(row, attname, self.now)
        return self._adapt(values)

    def values_from(self, row: dict[str, Any], key: int | None = None) -> list[Any]:
        values = []
        for name, attname, is_relation, default in self.sources:
            if attname in row:
                value = row[attname]
            elif name in row:
                value = row[name]
                if is_relation and value is not None:
                    value = value.pk
            else:
                value = default() if callable(default) else default
            values.append(value)
        if key is not None:
            values[0] = key
        for i, _ in self.stamped:
            values[i] = self.now
        return self._adapt(values)

    def _adapt(self, values: list[Any]) -> list[Any]:
        from psycopg.types.json import Jsonb

        for i in self.json:
            if values[i] is not None:
                values[i] = Jsonb(values[i])
        for i in self.files:
            values[i] = values[i].name if values[i] else ""
        return values

    @staticmethod
    def _source(field: models.Field) -> tuple[str, str, bool, Any]:
        if field.primary_key:
            default: Any = None
        elif field.has_default() and callable(field.default):
            default = field.default  # uuid4: a new one for every row
        else:
            default = field.get_default()
        return field.name, field.attname, field.is_relation, default
