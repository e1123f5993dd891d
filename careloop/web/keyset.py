"""Keyset pagination: a page is the rows just after (or just before) a row already seen.

OFFSET pagination reads and throws away every row before the page, and the page count
needs a COUNT(*) of the whole list; at half a million sessions both grow with the
data. A keyset page asks for "the 26 rows after this one in the list's order", a range
scan on the index that serves the order, as cheap deep in the list as on the first
page. Rows with equal sort values are told apart by the primary key, the last sort key
of every list, so no row is repeated or skipped when the page edge falls in a tie.

The link to the next page carries a cursor: the sort values of the edge row and the
direction. It is sealed (AES-GCM under a key derived from SECRET_KEY): integer keys
never leave the database, and a cursor that was altered, comes from another list or
outlived a key change reads as None, and the list shows its first page instead.
"""

import base64
import hashlib
import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.db.models import F, Field, Model, OrderBy, Q, QuerySet

LAST = "last"  # the page parameter of the list's last page
AFTER, BEFORE = "a", "b"


@dataclass(frozen=True)
class SortKey:
    field: Field
    descending: bool
    # Where NULLs sort, for a nullable field only: explicit, because SQLite and
    # PostgreSQL put them at opposite ends by default.
    nulls_last: bool | None = None

    @property
    def name(self) -> str:
        return self.field.attname

    def reversed(self) -> "SortKey":
        nulls = None if self.nulls_last is None else not self.nulls_last
        return SortKey(self.field, not self.descending, nulls)

    def order_by(self) -> OrderBy | str:
        if self.nulls_last is None:
            return f"-{self.name}" if self.descending else self.name
        return OrderBy(
            F(self.name),
            descending=self.descending,
            nulls_last=self.nulls_last or None,
            nulls_first=(not self.nulls_last) or None,
        )

    def beyond(self, value: Any) -> Q:
        """Rows whose value of this key comes after `value` in this key's order."""
        nothing = Q(pk__in=[])
        if value is None:
            # After a NULL come the other NULL-less values only if NULLs come first.
            return Q(**{f"{self.name}__isnull": False}) if self.nulls_last is False else nothing
        condition = Q(**{f"{self.name}__{'lt' if self.descending else 'gt'}": value})
        if self.nulls_last:
            condition |= Q(**{f"{self.name}__isnull": True})
        return condition

    def equal(self, value: Any) -> Q:
        if value is None:
            return Q(**{f"{self.name}__isnull": True})
        return Q(**{self.name: value})


def sort_keys(queryset: QuerySet) -> list[SortKey]:
    """The queryset's explicit order as sort keys, up to and including the primary key
    (which makes the order total)."""
    model = queryset.model
    pk = model._meta.pk
    assert pk is not None
    keys: list[SortKey] = []
    for item in queryset.query.order_by:
        if isinstance(item, str):
            descending = item.startswith("-")
            name = item.lstrip("-")
            nulls_last = None
        elif isinstance(item, OrderBy) and isinstance(item.expression, F):
            descending = item.descending
            name = item.expression.name  # type: ignore[attr-defined]  # not in the stubs
            nulls_last = True if item.nulls_last else (False if item.nulls_first else None)
        else:
            raise ImproperlyConfigured(f"A keyset list cannot sort by {item!r}.")
        field = pk if name == "pk" else model._meta.get_field(name)
        if not isinstance(field, Field) or "__" in name:
            raise ImproperlyConfigured(f"A keyset list sorts by its own fields, not {name!r}.")
        if field.null and nulls_last is None:
            raise ImproperlyConfigured(f"Say where NULLs of {name!r} sort (nulls_last).")
        keys.append(SortKey(field, descending, nulls_last if field.null else None))
        if field is pk:
            return keys
    raise ImproperlyConfigured("A keyset list must end its order with the primary key.")


def beyond(keys: list[SortKey], values: list[Any]) -> Q:
    """Rows strictly after the row with `values`, in the order of `keys`.

    (a, b, pk) > (x, y, z) is written out as a > x OR (a = x AND b > y) OR ...; the
    leading `a >= x` repeats the first term as a plain range, so that every database
    scans the index from the cursor on instead of testing each row of the practice.
    """
    condition = Q(pk__in=[])
    same = Q()
    for key, value in zip(keys, values, strict=True):
        condition |= same & key.beyond(value)
        same &= key.equal(value)
    first, value = keys[0], values[0]
    if first.nulls_last is None and value is not None:
        condition &= Q(**{f"{first.name}__{'lte' if first.descending else 'gte'}": value})
    return condition


# --- Cursors ---------------------------------------------------------------------------


def _key() -> bytes:
    return HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=b"careloop list cursor 1"
    ).derive(settings.SECRET_KEY.encode())


def _scope(keys: list[SortKey]) -> bytes:
    """What a cursor belongs to: the model and its order. Bound in as associated data,
    so a cursor of another list, or of another order of this one, does not open."""
    model = keys[0].field.model._meta.label_lower
    order = ",".join(f"{'-' if k.descending else ''}{k.name}" for k in keys)
    return hashlib.sha256(f"{model}:{order}".encode()).digest()


def _dump(value: Any) -> Any:
    if value is None or isinstance(value, int | str):
        return value
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value)


def seal(keys: list[SortKey], direction: str, row: Model) -> str:
    values = [_dump(getattr(row, key.name)) for key in keys]
    plain = json.dumps([direction, values], separators=(",", ":")).encode()
    nonce = os.urandom(12)
    sealed = nonce + AESGCM(_key()).encrypt(nonce, plain, _scope(keys))
    return base64.urlsafe_b64encode(sealed).decode().rstrip("=")


def unseal(keys: list[SortKey], token: str) -> tuple[str, list[Any]] | None:
    """The direction and sort values of a cursor, or None for anything not made by
    `seal` for this list and order."""
    try:
        sealed = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        plain = AESGCM(_key()).decrypt(sealed[:12], sealed[12:], _scope(keys))
        direction, raw = json.loads(plain)
        if direction not in (AFTER, BEFORE) or len(raw) != len(keys):
            return None
        values = [
            None if value is None else key.field.to_python(value)
            for key, value in zip(keys, raw, strict=True)
        ]
    except (ValueError, TypeError, InvalidTag, ValidationError):
        return None
    if any(v is None and k.nulls_last is None for k, v in zip(keys, values, strict=True)):
        return None
    return direction, values


# --- Pages -----------------------------------------------------------------------------


@dataclass
class Page:
    rows: list
    # Page parameters of the neighbouring pages; None at either end.
    previous: str | None
    next: str | None
    is_first: bool
    is_last: bool
    # The page asked for could not be read (an altered or outdated link), or no longer
    # has rows: this is the first page instead.
    reset: bool = False

    @property
    def is_paginated(self) -> bool:
        return not (self.is_first and self.is_last)


Decorate = Callable[[QuerySet], QuerySet]


def page_of(
    queryset: QuerySet, position: str | None, size: int, decorate: Decorate | None = None
) -> Page:
    """One page of an ordered queryset: the first (position None or empty), the last
    (LAST), or the one a cursor points to. Runs one query (two when a cursor leads
    nowhere: the first page then).

    `decorate` adds what each row shows (joins, per-row counts) to the page's rows
    only: the database finds and sorts the page by the sort keys alone, then decorates
    those 26 rows. Otherwise SQLite computes every annotation of every matching row
    before its sort keeps 26 (a search matching 700 referrals ran 2,800 subqueries).
    """
    keys = sort_keys(queryset)
    fetch = _fetcher(queryset, size, decorate)
    if position == LAST:
        return _backwards(fetch, queryset, keys, [], size, is_last=True)
    if position:
        cursor = unseal(keys, position)
        if cursor is not None:
            direction, values = cursor
            if direction == AFTER:
                page = _forwards(fetch, queryset, keys, values, size)
            else:
                page = _backwards(fetch, queryset, keys, values, size, is_last=False)
                if page.is_first and 0 < len(page.rows) < size:
                    # Back at the start with a short page: show the first page as it
                    # always looks, full.
                    return _forwards(fetch, queryset, keys, None, size)
            if page.rows:
                return page
        first = _forwards(fetch, queryset, keys, None, size)
        first.reset = True
        return first
    return _forwards(fetch, queryset, keys, None, size)


def _fetcher(queryset: QuerySet, size: int, decorate: Decorate | None):
    def fetch(window: QuerySet, order: list) -> list:
        window = window.order_by(*order)[: size + 1]
        if decorate is None:
            return list(window)
        if window.query.distinct:
            # The subquery would select the sort keys too: ask for the ids first.
            chosen: Any = list(window.values_list("pk", flat=True))
        else:
            chosen = window.values("pk")
        # Unscoped: the ids come from the scoped query. A second practice condition
        # would lead SQLite without statistics to read the practice's index and test
        # each row against the 26 ids, rather than fetch those 26 by their keys.
        rows = decorate(queryset.model._base_manager.filter(pk__in=chosen))
        return list(rows.order_by(*order))

    return fetch


def _forwards(
    fetch, queryset: QuerySet, keys: list[SortKey], values: list | None, size: int
) -> Page:
    if values is not None:
        queryset = queryset.filter(beyond(keys, values))
    rows = fetch(queryset, [k.order_by() for k in keys])
    more = len(rows) > size
    rows = rows[:size]
    return Page(
        rows=rows,
        previous=seal(keys, BEFORE, rows[0]) if values is not None and rows else None,
        next=seal(keys, AFTER, rows[-1]) if more else None,
        is_first=values is None,
        is_last=not more,
    )


def _backwards(
    fetch, queryset: QuerySet, keys: list[SortKey], values: list, size: int, *, is_last: bool
) -> Page:
    """The page before the cursor (or the last page, without one): the list read in
    reverse from there, then turned back the right way round."""
    backwards = [key.reversed() for key in keys]
    if values:
        queryset = queryset.filter(beyond(backwards, values))
    rows = fetch(queryset, [k.order_by() for k in backwards])
    more = len(rows) > size
    rows = rows[:size][::-1]
    return Page(
        rows=rows,
        previous=seal(keys, BEFORE, rows[0]) if more else None,
        next=seal(keys, AFTER, rows[-1]) if rows and not is_last else None,
        is_first=not more,
        is_last=is_last or not rows,
    )


def count_up_to(queryset: QuerySet, limit: int) -> int:
    """How many rows the queryset has, counting no further than limit + 1: enough to
    say "more than 500", never a COUNT(*) of half a million sessions."""
    return queryset.order_by().values("pk")[: limit + 1].count()
