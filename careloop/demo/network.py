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
from time import perf_counter

from django.apps import apps
from django.db import connection, models, transaction
from django.db.utils import DatabaseError

from careloop.directory.models import Doctor, MedicalPractice
from careloop.insights.models import Dimension, ReferralMonth, SourceTotal
from careloop.practices.models import Practice, User

# Set by the copy itself rather than copied: the practice's areas of practice.
NOT_COPIED = (Practice.niches.through,)

# Summary rows that name a doctor, a medical practice or a clinician by key in a text
# column (`key`, beside `dimension`): the copy's rows name the copy's own, moved by the
# same offset as their rows, so the copy reads exactly as a recount of it would.
KEYS_IN_TEXT: dict[type[models.Model], dict[str, type[models.Model]]] = {
    summary: {
        Dimension.DOCTOR: Doctor,
        Dimension.MEDICAL_PRACTICE: MedicalPractice,
        Dimension.CLINICIAN: User,
    }
    for summary in (ReferralMonth, SourceTotal)
}


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


@dataclass(frozen=True)
class _Copy:
    source: Practice
    slug: str
    name: str
    tables: list[_Table]
    offsets: dict[type[models.Model], int]


def copy_practice(source: Practice, *, slug: str, name: str) -> Practice:
    """A copy of `source` and everything it owns, in one transaction (PostgreSQL)."""
    return _make(_plan(source, slug=slug, name=name))


def _plan(source: Practice, *, slug: str, name: str) -> _Copy:
    """Reserve the copy's keys (see _reserve_keys): done before anything else takes keys
    at the same time, a copy may then be made alongside other work."""
    assert connection.vendor == "postgresql", "copies are made in PostgreSQL's SQL"
    tables = [t for t in _owned_tables() if t.model not in NOT_COPIED]
    return _Copy(source, slug, name, tables, _reserve_keys(tables, source))


def _make(plan: _Copy) -> Practice:
    source, slug, name = plan.source, plan.slug, plan.name
    with transaction.atomic():
        skip_key_checks()
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
        with connection.cursor() as cursor:
            for table in plan.tables:
                if table.model in plan.offsets:
                    cursor.execute(*_insert(table, plan.offsets, source, copy))
    return copy


def skip_key_checks() -> None:
    """Skip the foreign keys' checks for this transaction, where the database allows it
    (a superuser, as a benchmark's database usually is). Every key a copied row holds
    is its source's moved by the offset of the table it points to, so it lands on a row
    of the same copy; checking them all again at commit (millions of lookups, deferred
    until then) took about a fifth of a copy's time, and 40 s of the two practices'
    first build at `--scale 1700` (whose keys the demo's tests check at small scales)."""
    assert connection.in_atomic_block, "SET LOCAL lasts for a transaction: call inside one"
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET LOCAL session_replication_role = replica")
    except DatabaseError:
        pass  # not allowed: the checks run, and the copy is only slower


class Copier:
    """Copies made in the background, each on a connection of its own, while the caller
    goes on (building the next practice): the work is PostgreSQL's, and each connection
    puts a core to it.

        with Copier(workers=2) as copier:
            copier.copy(source, slug=..., name=...)  # keys reserved now, rows later

    A copy's keys are reserved by the caller when it asks for the copy, so nothing
    the caller does next can take them; the copy itself takes keys only from the
    sequences of the practice and its areas of practice (_make), which copies never
    reserve. The first copy that fails cancels those not begun, and the next `copy`
    or leaving the block raises its error; leaving the block on an error of the
    caller's own lets that error through, with no more copies begun."""

    def __init__(self, *, workers: int = 2) -> None:
        from concurrent.futures import ThreadPoolExecutor

        self.pool = ThreadPoolExecutor(max_workers=workers)
        self.made: list = []
        self.started = perf_counter()

    def copy(self, source: Practice, *, slug: str, name: str) -> None:
        # Inside a transaction the source may not be committed: the copy, on a
        # connection of its own, would find none of its rows.
        assert not connection.in_atomic_block, "copy a committed practice"
        self._raise_a_failure()
        made = self.pool.submit(self._run, _plan(source, slug=slug, name=name))
        made.add_done_callback(self._stop_on_failure)
        self.made.append(made)

    @property
    def elapsed(self) -> float:
        """Seconds since the copier began."""
        return perf_counter() - self.started

    def _stop_on_failure(self, made) -> None:
        if not made.cancelled() and made.exception() is not None:
            for waiting in self.made:
                waiting.cancel()  # only those not begun

    def _raise_a_failure(self) -> None:
        for made in self.made:
            if made.done() and not made.cancelled() and made.exception() is not None:
                raise made.exception()

    @staticmethod
    def _run(plan: _Copy) -> Practice:
        from careloop.practices.scoping import scopes_disabled

        try:
            with scopes_disabled():
                return _make(plan)
        finally:
            connection.close()  # this thread's own

    def __enter__(self) -> Copier:
        return self

    def __exit__(self, *exc_info) -> None:
        failing = exc_info[0] is not None
        self.pool.shutdown(wait=True, cancel_futures=failing)
        if not failing:
            self._raise_a_failure()


# Taken while a copy reserves its keys, so that two copies never reserve the same ones.
_RESERVING = 13_170


def _reserve_keys(tables: list[_Table], source: Practice) -> dict[type[models.Model], int]:
    """What to add to each table's keys: the copy's keys are a range of the table's
    sequence, reserved here (setval is not undone by a rollback, so a failed copy
    only leaves a gap), and a foreign key moves by the offset of the table it points
    to. Between nextval and setval another connection's nextval would take a key of
    the range: copies reserve under a lock, and others must not take keys meanwhile
    (see Copier)."""
    offsets = {}
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_lock(%s)", [_RESERVING])
        try:
            for table in tables:
                name = table.model._meta.db_table
                cursor.execute(
                    f'SELECT min(id), max(id) FROM "{name}" '  # noqa: S608
                    f"WHERE id IN ({table.source_keys})",
                    {"practice": source.pk},
                )
                low, high = cursor.fetchone()
                if low is None:
                    continue
                sequence = f"pg_get_serial_sequence('\"{name}\"', 'id')"
                cursor.execute(f"SELECT nextval({sequence})")
                (first,) = cursor.fetchone()
                cursor.execute(f"SELECT setval({sequence}, %s)", [first + high - low])
                offsets[table.model] = first - low
        finally:
            cursor.execute("SELECT pg_advisory_unlock(%s)", [_RESERVING])
    return offsets


def _moved_text_key(
    column: str, keyed: dict[str, type[models.Model]], offsets: dict[type[models.Model], int]
) -> str:
    """SQL for a summary row's text key, moved as the key of the row it names."""
    cases = " ".join(
        f"WHEN '{dimension}' THEN ({column}::bigint + {offsets.get(target, 0)})::text"
        for dimension, target in keyed.items()
    )
    # "" (none) stays "": only rows of those dimensions with a key are moved.
    moved = f'CASE "dimension" {cases} ELSE {column} END'
    return f"CASE WHEN {column} = '' THEN {column} ELSE {moved} END"


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
        elif model in KEYS_IN_TEXT and field.name == "key":
            values.append(_moved_text_key(column, KEYS_IN_TEXT[model], offsets))
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
