"""The server-drawn bar chart: every bar described, month names that never overlap."""

import re

from careloop.insights.chart import bars_svg

MONTHS = [
    "Dec 2025", "Jan 2026", "Feb 2026", "Mar 2026", "Apr 2026", "May 2026",
    "Jun 2026", "Jul 2026", "Aug 2026", "Sep 2026", "Oct 2026", "Nov 2026",
]  # fmt: skip


def named(svg: str) -> list[str]:
    return re.findall(r">([A-Z][a-z]{2} \d{4})</text>", svg)


def test_a_year_of_bars_names_every_other_month_and_never_two_side_by_side():
    svg = bars_svg(MONTHS, [0.5] * 12, chart_id="c", title="Rate", percent=True)
    shown = named(svg)
    assert shown == MONTHS[::2]
    assert "Nov 2026: 50%" in svg  # the unnamed bar is still described


def test_a_few_bars_are_all_named():
    assert named(bars_svg(MONTHS[:4], [1, 2, 3, None], chart_id="c", title="N")) == MONTHS[:4]
