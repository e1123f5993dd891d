"""Referrals by month as an SVG bar chart drawn on the server, in the manner of the
measures' trend chart: no script, prints, and carries its own text alternative."""

from collections.abc import Sequence
from datetime import date

from django.utils.html import escape
from django.utils.safestring import mark_safe

WIDTH, HEIGHT = 560, 200
LEFT, RIGHT, TOP, BOTTOM = 36, 12, 14, 34
BAR_COLOUR = "#0b5c6b"
AXIS_COLOUR = "#4a5160"
TEXT_COLOUR = "#1a1a2e"


def months_between(first: date, last: date) -> list[date]:
    """The first day of each month from `first`'s month to `last`'s, inclusive."""
    months, year, month = [], first.year, first.month
    while (year, month) <= (last.year, last.month):
        months.append(date(year, month, 1))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


def monthly_counts(
    dates: Sequence[date], *, today: date, months: int = 24
) -> list[tuple[date, int]]:
    """The last `months` months up to today's, each with its number of referrals."""
    year, month = today.year, today.month - (months - 1)
    while month < 1:
        year, month = year - 1, month + 12
    span = months_between(date(year, month, 1), today)
    counts = dict.fromkeys(span, 0)
    for day in dates:
        key = date(day.year, day.month, 1)
        if key in counts:
            counts[key] += 1
    return list(counts.items())


def referrals_svg(counts: Sequence[tuple[date, int]], *, chart_id: str, who: str) -> str:
    if not counts:
        return ""
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    high = max(max(n for _, n in counts), 1)
    slot = plot_w / len(counts)
    bar_w = max(slot * 0.7, 1)
    total = sum(n for _, n in counts)
    title = f"Referrals from {who} by month"
    with_referrals = [f"{m:%b %Y}: {n}" for m, n in counts if n]
    summary = (
        f"{total} referral{'s' if total != 1 else ''} from {counts[0][0]:%b %Y} to "
        f"{counts[-1][0]:%b %Y}"
        + (". " + "; ".join(with_referrals) if with_referrals else ": none")
        + "."
    )
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'width="{WIDTH}" height="{HEIGHT}" role="img" class="trend-chart" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc">',
        f'<title id="{chart_id}-title">{escape(title)}</title>',
        f'<desc id="{chart_id}-desc">{escape(summary)}</desc>',
        f'<line x1="{LEFT}" y1="{TOP + plot_h}" x2="{LEFT + plot_w}" y2="{TOP + plot_h}" '
        f'stroke="{AXIS_COLOUR}"/>',
        f'<line x1="{LEFT}" y1="{TOP}" x2="{LEFT}" y2="{TOP + plot_h}" stroke="{AXIS_COLOUR}"/>',
    ]
    for value in sorted({0, high}):
        y = TOP + plot_h * (1 - value / high)
        parts.append(
            f'<text x="{LEFT - 6}" y="{y + 4:.1f}" font-size="11" text-anchor="end" '
            f'fill="{TEXT_COLOUR}">{value}</text>'
        )
    for i, (month, n) in enumerate(counts):
        x = LEFT + slot * i + (slot - bar_w) / 2
        if n:
            h = plot_h * n / high
            parts.append(
                f'<rect x="{x:.1f}" y="{TOP + plot_h - h:.1f}" width="{bar_w:.1f}" '
                f'height="{h:.1f}" fill="{BAR_COLOUR}"><title>{month:%b %Y}: {n}</title></rect>'
            )
        # Every third month is named, January and the first month with the year (the
        # first only when its neighbour is not named, so labels never overlap).
        quarter = month.month in (1, 4, 7, 10)
        if quarter or (i == 0 and month.month not in (12, 3, 6, 9)):
            label = f"{month:%b}" if month.month != 1 and i else f"{month:%b %y}"
            parts.append(
                f'<text x="{x + bar_w / 2:.1f}" y="{HEIGHT - 14}" font-size="10" '
                f'text-anchor="middle" fill="{TEXT_COLOUR}">{escape(label)}</text>'
            )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every text above is escaped
