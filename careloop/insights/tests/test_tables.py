"""Tables: a page shows the first rows, the CSV export has every one."""

from django.template.loader import render_to_string

from careloop.insights.tables import ON_SCREEN, Table, to_csv


def long_table() -> Table:
    count = ON_SCREEN + 10
    return Table(
        "doctor",
        "By doctor",
        ["Doctor", "Total"],
        [[f"Dr Row{i:03d}", count - i] for i in range(count)],
        [f"/doctors/{i}/" for i in range(count)],
        row_charts=["<svg></svg>"] * 3,  # drawn for the first rows only
    )


def test_the_page_shows_the_first_rows_and_says_the_csv_has_them_all():
    table = long_table()
    html = render_to_string("insights/_table.html", {"table": table})
    assert html.count("<tr>") == ON_SCREEN + 1  # the heading row too
    assert f"Dr Row{ON_SCREEN - 1:03d}" in html and f"Dr Row{ON_SCREEN:03d}" not in html
    assert f"The first {ON_SCREEN} of {ON_SCREEN + 10} rows are shown here" in html
    assert table.hidden == 10


def test_the_csv_has_every_row():
    lines = to_csv(long_table()).splitlines()
    assert len(lines) == ON_SCREEN + 11 and lines[-1] == "Dr Row059,1"


def test_a_short_table_says_nothing_of_hidden_rows():
    table = Table("t", "T", ["A"], [["x"]])
    assert table.hidden == 0
    assert "rows are shown here" not in render_to_string("insights/_table.html", {"table": table})
