"""Search keys: names as a person types them, whatever their accents or case.

Names are stored a second time as a key (accents dropped, case folded, punctuation to
spaces) so that a prefix search is a range scan on an index that leads with the
practice, on SQLite and PostgreSQL alike. "Zoë O'Brien" is found by "zoe", "ZOË",
"obr" or "o brien".

A model that keeps such keys inherits `SearchKeyed` and says how in
`refresh_search_keys()`; save() calls it, and so do bulk writes through a manager with
`SearchKeysManager` (bulk_create and bulk_update skip save()).
"""

import re
import unicodedata
from collections.abc import Iterable
from datetime import date, datetime
from typing import Any, ClassVar, TypeVar

from django.db import models

_NOT_WORD = re.compile(r"[^0-9a-z]+")


def search_key(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text or "")
    bare = "".join(char for char in decomposed if not unicodedata.combining(char))
    return _NOT_WORD.sub(" ", bare.casefold()).strip()


def compact_key(text: str) -> str:
    """The key without spaces: "O'Brien", "O Brien" and "OBrien" all become "obrien"."""
    return search_key(text).replace(" ", "")


def after_prefix(prefix: str) -> str:
    """The smallest string greater than every string starting with `prefix`: with it,
    `prefix <= key < after_prefix(prefix)` is an index range scan in any database."""
    return prefix[:-1] + chr(ord(prefix[-1]) + 1)


def query_words(query: str) -> list[str]:
    return search_key(query).split()


def query_date(query: str) -> date | None:
    """A date of birth typed as 3/7/1990, 03/07/1990, 3-7-1990 or 1990-07-03."""
    text = (query or "").strip()
    for pattern in ("%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y", "%Y-%m-%d"):
        try:
            return datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    return None


def query_digits(query: str) -> str:
    """The digits of an identifier typed with spaces (Medicare "2123 45670 1")."""
    text = (query or "").replace(" ", "").replace("-", "")
    return text if text.isdigit() else ""


class SearchKeyed(models.Model):
    """A model whose names are kept a second time as search keys."""

    # The fields refresh_search_keys() sets: written with every save, even a save of
    # other fields only (update_fields), so a key never lags behind its name.
    SEARCH_KEY_FIELDS: ClassVar[tuple[str, ...]] = ()
    # The fields the indexed text (SEARCH_TEXT_FIELD, see web/textsearch.py) is made
    # of: a save of any of them writes the text too, a save of others leaves it alone
    # (on SQLite its update rewrites the row's full-text entry).
    SEARCHED_FIELDS: ClassVar[tuple[str, ...]] = ()
    SEARCH_TEXT_FIELD: ClassVar[str] = "search_text"

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.refresh_search_keys()
        update_fields = kwargs.get("update_fields")
        if update_fields is not None:
            kwargs["update_fields"] = self.fields_to_write(update_fields)
        super().save(*args, **kwargs)

    @classmethod
    def fields_to_write(cls, fields: Iterable[str]) -> set[str]:
        """A partial write's fields, with the keys and the text it must write too."""
        names = {*fields, *cls.SEARCH_KEY_FIELDS}
        if names & set(cls.SEARCHED_FIELDS):
            names.add(cls.SEARCH_TEXT_FIELD)
        return names

    def refresh_search_keys(self) -> None:
        """Set SEARCH_KEY_FIELDS from the names."""
        raise NotImplementedError


_Keyed = TypeVar("_Keyed", bound=SearchKeyed)


class SearchKeysManager(models.Manager[_Keyed]):
    """Bulk writes skip save(): these fill the keys as save() does. On the manager, not
    the queryset: outside any scope django-scopes answers with a queryset of its own,
    which would pass an override on ours by."""

    def bulk_create(self, objs: Iterable[_Keyed], *args: Any, **kwargs: Any) -> list[_Keyed]:
        rows = list(objs)
        for row in rows:
            row.refresh_search_keys()
        return super().bulk_create(rows, *args, **kwargs)

    def bulk_update(
        self, objs: Iterable[_Keyed], fields: Iterable[str], *args: Any, **kwargs: Any
    ) -> int:
        rows = list(objs)
        for row in rows:
            row.refresh_search_keys()
        names = list(fields)
        names += sorted(self.model.fields_to_write(names) - set(names))
        return super().bulk_update(rows, names, *args, **kwargs)
