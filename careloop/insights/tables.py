"""A table as plain data: the page renders it, the CSV export writes it, the PDF prints
it. One shape, so "every table exports as CSV" holds by construction."""

import csv
import io
from dataclasses import dataclass, field
from typing import Any

# Rows shown on screen; the CSV export (and so the spreadsheet) has every row. A table of
# thousands of doctors is read in a spreadsheet, not scrolled through on a page.
ON_SCREEN = 50


@dataclass
class Table:
    slug: str
    title: str
    columns: list[str]
    rows: list[list[Any]]
    # Optional link for each row's first cell (same length as rows, or empty).
    links: list[str] = field(default_factory=list)
    note: str = ""
    # Optional inline chart per row (e.g. a sparkline), shown on screen only.
    row_charts: list[str] = field(default_factory=list)
    empty: str = "Nothing to show for this period."
    on_screen: int = ON_SCREEN

    def linked_rows(self) -> list[tuple[list[tuple[str, Any]], str, str]]:
        """The first rows' (column, value) cells (the phone layout labels each cell),
        with their link and chart (charts may be drawn for the shown rows only)."""
        shown = self.rows[: self.on_screen]
        links = [*self.links[: len(shown)], *[""] * (len(shown) - len(self.links))]
        charts = [*self.row_charts[: len(shown)], *[""] * (len(shown) - len(self.row_charts))]
        return [
            (list(zip(self.columns, row, strict=True)), link, chart)
            for row, link, chart in zip(shown, links, charts, strict=True)
        ]

    @property
    def hidden(self) -> int:
        """How many rows only the CSV has."""
        return max(0, len(self.rows) - self.on_screen)


def _cell(value: Any) -> str:
    text = "" if value is None else str(value)
    # A spreadsheet runs a cell starting with one of these as a formula.
    if text[:1] in ("=", "+", "-", "@") and not _is_number(text):
        return "'" + text
    return text


def _is_number(text: str) -> bool:
    try:
        float(text.rstrip("%"))
    except ValueError:
        return False
    return True


def to_csv(table: Table) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(table.columns)
    for row in table.rows:
        writer.writerow([_cell(v) for v in row])
    return out.getvalue()
