from datetime import date

import pytest

from careloop.lib.search import after_prefix, compact_key, query_date, query_digits, search_key


@pytest.mark.parametrize(
    ("typed", "key"),
    [
        ("Zoë", "zoe"),
        ("ZOË", "zoe"),
        ("O'Brien", "o brien"),
        ("  Nguyễn   Thị ", "nguyen thi"),
        ("Müller-Lüdenscheidt", "muller ludenscheidt"),
        ("", ""),
    ],
)
def test_search_key_ignores_accents_case_and_punctuation(typed, key):
    assert search_key(typed) == key


def test_compact_key_joins_the_parts_of_a_name():
    assert compact_key("O'Brien") == compact_key("o brien") == "obrien"


def test_after_prefix_bounds_every_string_with_the_prefix():
    upper = after_prefix("smi")
    assert "smi" < "smith" < upper
    assert upper > "smizzzz"
    assert not upper > "smj"


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("3/7/1990", date(1990, 7, 3)),
        ("03-07-1990", date(1990, 7, 3)),
        ("1990-07-03", date(1990, 7, 3)),
        ("31/02/1990", None),
        ("smith", None),
    ],
)
def test_query_date_reads_australian_dates(typed, expected):
    assert query_date(typed) == expected


def test_query_digits_accepts_spaced_identifiers_only():
    assert query_digits("2123 45670 1") == "2123456701"
    assert query_digits("21a3") == ""
