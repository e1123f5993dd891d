"""Search keys: names as a person types them, whatever their accents or case.

Names are stored a second time as a key (accents dropped, case folded, punctuation to
spaces) so that a prefix search is a range scan on an index that leads with the
practice, on SQLite and PostgreSQL alike. "Zoë O'Brien" is found by "zoe", "ZOË",
"obr" or "o brien".
"""

import re
import unicodedata
from datetime import date, datetime

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
