"""List search: every typed word found anywhere in a record's words, through an index.

A searchable model keeps `search_text`: the words staff find it by (names, numbers,
e-mail, a referral's reason), accents dropped and case folded (lib/search.py), so that
"zoe" finds Zoë and "mit" finds Smith. A row matches when each typed word occurs in
its text. A B-tree index serves only a prefix; a word inside a text is found through:

- PostgreSQL: a GIN trigram index on (practice_id, search_text) (pg_trgm, with
  btree_gin for the practice), which serves `search_text LIKE '%smith%'`. EXPLAIN at
  scale: "Bitmap Index Scan on clients_client_search_text  Index Cond: (search_text
  ~~ '%smith%'::text)". For a small practice the planner rightly prefers reading its
  few rows through the practice's index.
- SQLite: an FTS5 table with the trigram tokenizer over the same column (external
  content: it holds only the index, kept by triggers on the table), asked with
  `id IN (SELECT rowid FROM clients_client_search WHERE ... MATCH '"smith"')`.
  EXPLAIN QUERY PLAN: "SCAN clients_client_search VIRTUAL TABLE INDEX 0:M1", then
  the rows by primary key. (The B-tree indexes on the search keys serve the pickers,
  which match the start of a name; a word inside a text needs this one.)

test_list_search.test_the_search_reads_the_index checks both plans.

A trigram index needs three letters. A shorter word narrows what a longer one found
("jo smith"). A search of short words only ("jo", "a") means the start of a name, as
someone typing the first letters does: it reads the B-tree indexes on the name keys
that the pickers use (a model lists them in PREFIX_FIELDS). Matching "a" anywhere
would read every row of the practice.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import (
    Count,
    Exists,
    Model,
    OuterRef,
    Q,
    QuerySet,
)
from django.db.models.expressions import RawSQL

from careloop.lib.search import query_words
from careloop.web.pickers import prefix_match

FIELD = "search_text"
MIN_INDEXED = 3  # letters in a trigram


def words_of(*texts: str) -> list[str]:
    """The distinct normalised words of some texts, in order: a model's search_text is
    " ".join(words_of(...))."""
    seen: dict[str, None] = {}
    for text in texts:
        for word in query_words(text or ""):
            seen.setdefault(word, None)
    return list(seen)


def digits_of(text: str) -> str:
    return "".join(char for char in text or "" if char.isdigit())


def update_fields_with(obj: Model, update_fields, keys: set[str]) -> set[str]:
    """A save's update_fields with the search keys it must write too: search_text only
    when a field it is made of changes (its update rewrites the FTS row on SQLite)."""
    fields = {*update_fields, *keys}
    if fields & set(getattr(obj, "SEARCHED_FIELDS", ())):
        fields.add(FIELD)
    return fields


def searchable(model: type[Model]) -> bool:
    return any(field.name == FIELD for field in model._meta.concrete_fields)


def matches(model: type[Model], typed: str, *, using: str = "default") -> Q | None:
    """Rows of `model` whose text holds every typed word; None when nothing was typed
    (no condition at all)."""
    words = query_words(typed)
    if not words:
        return None
    indexed = [w for w in words if len(w) >= MIN_INDEXED]
    prefixed: tuple[str, ...] = getattr(model, "PREFIX_FIELDS", ())
    if not indexed and prefixed:
        condition = Q()
        for word in words:
            starts = Q(pk__in=[])
            for field in prefixed:
                starts |= prefix_match(field, word)
            condition &= starts
        return condition
    condition = Q()
    if indexed and connections[using].vendor == "sqlite":
        table = fts_table(model)
        phrases = " AND ".join(f'"{word}"' for word in indexed)  # words are [0-9a-z]
        query = f'SELECT rowid FROM "{table}" WHERE "{table}" MATCH %s'  # noqa: S608 - our name
        condition &= Q(pk__in=RawSQL(query, [phrases]))  # noqa: S611 - the words are parameters
        words = [w for w in words if len(w) < MIN_INDEXED]
    for word in words:
        condition &= Q(**{f"{FIELD}__contains": word})
    return condition


def search(queryset: QuerySet, typed: str) -> QuerySet:
    condition = matches(queryset.model, typed, using=queryset.db)
    return queryset if condition is None else queryset.filter(condition)


# Matches of another model read at once, on PostgreSQL, up to this many (see matching_ids).
IDS_READ_AT_ONCE = 5_000


def matching_ids(queryset: QuerySet, typed: str) -> list[QuerySet | list[int]]:
    """The ids of the rows matching, for another model's list (a session's client, a
    referral's doctor): one or more sets, each a subquery or a list of ids, whose union
    is the match (see `among`). On SQLite, one subquery. On PostgreSQL, as fits its
    planner:

    - A word of one or two letters (the start of a name): one subquery per name index,
      each read from the index alone (the indexes include the key). Asked "family or
      given name starts with a" at once, the planner read every client of the practice
      (54,000, 18 ms) rather than two index ranges of 5,000 entries (1 ms each); as a
      UNION, it took the union for 200 clients and joined 60,000 sessions to it.
    - Longer words: the ids themselves, read once, when there are at most
      IDS_READ_AT_ONCE, and passed as one array (`__any_of`): a list's count and its page
      would each run the subquery again, and the planner, not knowing how many rows it
      returns, tested each of a practice's 24,000 attended sessions against it one by
      one for "smi" (60 ms; 10 with the ids hashed). At ten million sessions the
      referrals searched for "smith" took 140 ms with the subquery, 55 with the ids.
      Beyond IDS_READ_AT_ONCE ("son": 8,800 clients), reading them costs more than it
      saves."""
    words = query_words(typed)
    if connections[queryset.db].vendor != "postgresql" or not words:
        return [search(queryset, typed).order_by().values("pk")]
    prefixed: tuple[str, ...] = getattr(queryset.model, "PREFIX_FIELDS", ())
    if len(words) == 1 and len(words[0]) < MIN_INDEXED and len(prefixed) > 1:
        return [
            queryset.filter(prefix_match(field, words[0])).order_by().values("pk")
            for field in prefixed
        ]
    found = search(queryset, typed).order_by().values_list("pk", flat=True)
    ids = list(found[: IDS_READ_AT_ONCE + 1])
    return [ids] if len(ids) <= IDS_READ_AT_ONCE else [found.values("pk")]


# --- A search of another model's rows, in the list's order -------------------------------
#
# A list found by another model's words (a referral by its client's or its doctor's) asks
# `client_id IN (the clients found)`. SQLite cannot know how many rows such a subquery
# returns and takes it for a few: it gathers every referral of every client found, then
# sorts them all for a page. Searched for "a" (the start of a name), a large practice's
# inbox gathered 15,000 referrals to sort for a page of 26 (30 ms), and its 950 open
# referrals were found among those 15,000 rather than through their own index (56 ms).
#
# When many of the listed rows match, reading the list in its own order (through its
# index) and testing each row finds a page within a few dozen rows; when few of many
# rows match, the search's indexes find them wherever they are. A sample of the listed
# rows says which. The count (up to 500) is read the search's way unless the list is
# short: counting 500 in the list's order would read more rows than there are matches.

SAMPLE_ROWS = 1_000
COMMON = 0.1  # a tenth of the sample matches: the page is read in the list's order


def among(field: str, id_sets: list[QuerySet | list[int]], *, in_order: bool = False) -> Q:
    """Rows whose `field` is in any of `id_sets` (matching_ids: subqueries of another
    model's rows, or lists of ids). In order: asked of each row read (a correlated
    EXISTS by primary key), which no index on the field serves, so the database reads
    the rows in the list's order."""
    condition = Q(pk__in=[])
    for ids in id_sets:
        if in_order and isinstance(ids, QuerySet):
            condition |= Q(Exists(ids.filter(pk=OuterRef(field))))
        elif isinstance(ids, QuerySet):
            condition |= Q(**{f"{field}__in": ids})
        else:
            condition |= Q(**{f"{field}__any_of": ids})
    return condition


@dataclass(frozen=True)
class Found:
    """A search's rows: as the list counts them, and as it reads its page."""

    counted: QuerySet
    paged: QuerySet


def find(listed: QuerySet, filtered: QuerySet, condition: Callable[[bool], Q]) -> Found:
    """The rows of `filtered` (`listed`, the list before its filters, with every other
    filter) meeting condition(in_order), each way read as fits: in the list's order
    when the list is shorter than the sample or at least COMMON of a sample of its rows
    match, else through the condition's indexes. One query, the sample: at most
    SAMPLE_ROWS listed rows, each tested by its primary key (SQLite; PostgreSQL plans
    the indexed condition well either way)."""
    if connections[filtered.db].vendor == "postgresql":
        # PostgreSQL estimates what a subquery returns, and itself reads the list in its
        # order, testing each row against the subquery's rows hashed, when many match.
        # The sample cost more than the page (60 ms at ten million sessions).
        indexed = filtered.filter(condition(False))
        return Found(counted=indexed, paged=indexed)
    in_order = filtered.filter(condition(True))
    sample = (
        listed.order_by()
        .annotate(hit=Exists(in_order.order_by().filter(pk=OuterRef("pk"))))
        .values("pk", "hit")[:SAMPLE_ROWS]
        .aggregate(rows=Count("pk"), hits=Count("pk", filter=Q(hit=True)))
    )
    if sample["rows"] < SAMPLE_ROWS:
        return Found(counted=in_order, paged=in_order)
    indexed = filtered.filter(condition(False))
    common = sample["hits"] >= COMMON * sample["rows"]
    return Found(counted=indexed, paged=in_order if common else indexed)


# --- The indexes -------------------------------------------------------------------------


def fts_table(model: type[Model]) -> str:
    return f"{model._meta.db_table}_search"


def index_name(model: type[Model]) -> str:
    return f"{model._meta.db_table}_search_text"


def install(connection: BaseDatabaseWrapper, model: type[Model]) -> None:
    """Create the search index of `model` if it is missing; idempotent. Called by the
    migration that adds search_text, and after every migrate: on SQLite, a migration
    that rebuilds a table (SQLite cannot alter most columns in place) drops its
    triggers, and the FTS table would silently fall behind."""
    table = model._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # The extensions come from the migration (TrigramExtension, BtreeGinExtension).
            cursor.execute(
                f'CREATE INDEX IF NOT EXISTS "{index_name(model)}" ON "{table}" '
                f'USING gin ("practice_id", "{FIELD}" gin_trgm_ops)'
            )
            return
        if connection.vendor != "sqlite":
            return
        fts = fts_table(model)
        cursor.execute("SELECT name FROM sqlite_master WHERE name LIKE %s", [f"{fts}%"])
        existing = {row[0] for row in cursor.fetchall()}
        cursor.execute(
            f'CREATE VIRTUAL TABLE IF NOT EXISTS "{fts}" USING fts5("{FIELD}", '
            f"content='{table}', content_rowid='id', tokenize='trigram', columnsize=0)"
        )
        # Table and column names are this module's own, never input (S608).
        add = f'INSERT INTO "{fts}"(rowid, "{FIELD}") VALUES (new."id", new."{FIELD}");'  # noqa: S608
        remove = f"""INSERT INTO "{fts}"("{fts}", rowid, "{FIELD}") VALUES ('delete', old."id", old."{FIELD}");"""  # noqa: S608, E501
        triggers = {
            f"{fts}_insert": f'AFTER INSERT ON "{table}" BEGIN {add} END',
            f"{fts}_delete": f'AFTER DELETE ON "{table}" BEGIN {remove} END',
            f"{fts}_update": f'AFTER UPDATE OF "{FIELD}" ON "{table}" BEGIN {remove} {add} END',
        }
        for name, body in triggers.items():
            cursor.execute(f'CREATE TRIGGER IF NOT EXISTS "{name}" {body}')
        if not set(triggers) | {fts} <= existing:
            # Rows written while the index or a trigger was missing: read them all again.
            cursor.execute(f"""INSERT INTO "{fts}"("{fts}") VALUES ('rebuild')""")  # noqa: S608


def install_all(using: str = "default", **kwargs) -> None:
    """post_migrate: every searchable model's index is in place (see install)."""
    from django.apps import apps

    connection = connections[using]
    for model in apps.get_models():
        if searchable(model) and model._meta.db_table in connection.introspection.table_names():
            install(connection, model)


def uninstall(connection: BaseDatabaseWrapper, model: type[Model]) -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f'DROP INDEX IF EXISTS "{index_name(model)}"')
        elif connection.vendor == "sqlite":
            fts = fts_table(model)
            for event in ("insert", "delete", "update"):
                cursor.execute(f'DROP TRIGGER IF EXISTS "{fts}_{event}"')
            cursor.execute(f'DROP TABLE IF EXISTS "{fts}"')


def migration_operations(app_label: str, model_name: str, text_of: Callable[[Any], str]):
    """A migration's steps after adding search_text to a model: fill it for the rows
    there are, then build the index (the trigram extensions first on PostgreSQL; they
    do nothing on SQLite)."""
    from django.contrib.postgres.operations import BtreeGinExtension, TrigramExtension
    from django.db import migrations

    def forwards(apps, schema_editor) -> None:
        model = apps.get_model(app_label, model_name)
        batch: list = []
        for obj in model._base_manager.order_by("pk").iterator(chunk_size=2000):
            obj.search_text = text_of(obj)
            batch.append(obj)
            if len(batch) >= 2000:
                model._base_manager.bulk_update(batch, [FIELD])
                batch = []
        model._base_manager.bulk_update(batch, [FIELD])
        install(schema_editor.connection, model)

    def backwards(apps, schema_editor) -> None:
        uninstall(schema_editor.connection, apps.get_model(app_label, model_name))

    return [TrigramExtension(), BtreeGinExtension(), migrations.RunPython(forwards, backwards)]
