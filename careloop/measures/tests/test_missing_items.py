"""The missing-item rules as documented (docs/measures.md) and as scored agree: only a
publisher's rule prorates; every other gap leaves the score blank."""

from pathlib import Path

import pytest

from careloop.measures.scoring import definitions, score

DOCS = Path(__file__).resolve().parents[3] / "docs" / "measures.md"
NOT_PRORATED = "No publisher rule: not prorated"


def documented_rules() -> dict[str, str]:
    section = DOCS.read_text().split("## Missing items", 1)[1].split("\n## ", 1)[0]
    rows = [line.split("|") for line in section.splitlines() if line.startswith("| ")]
    return {cells[1].strip(): cells[2] + cells[3] for cells in rows[1:]}


def test_every_measure_documents_its_missing_item_rule_and_source():
    documented = documented_rules()
    for measure in definitions().values():
        row = documented[measure.short_name]
        rules = {scale["missing"]["rule"] for scale in measure.scales}
        if rules == {"complete"}:
            assert NOT_PRORATED in row, measure.short_name
        else:
            assert NOT_PRORATED not in row and "round(" in row, measure.short_name
        assert "MEASURES.md §" in row, f"{measure.short_name} names no source"


@pytest.mark.parametrize(
    ("code", "items", "gap"),
    [("gad7", 7, 5), ("phq9", 9, 3), ("dass21", 21, 2)],
)
def test_a_single_gap_is_not_prorated_where_the_publisher_gives_no_rule(code, items, gap):
    values = dict.fromkeys(range(1, items + 1), 1)
    values[gap] = None
    result = score(code, values)
    gapped = [s for s in result.scales if s.missing]
    assert gapped and all(s.score is None and not s.prorated for s in gapped)
