"""A client's scores over time as an SVG drawn on the server: it prints, it goes into
PDFs, it needs no script, and it carries its own text alternative."""

import math
from collections.abc import Sequence
from datetime import date
from typing import Any, Protocol

from django.utils.html import escape
from django.utils.safestring import mark_safe

from .scoring import Measure

WIDTH, HEIGHT = 560, 220
LEFT, RIGHT, TOP, BOTTOM = 44, 16, 16, 36
DATE_FONT_SIZE = 11
# A generous average advance for digits and "/" in the viewer's default fonts (most are
# near 0.55em), so an estimated extent is never smaller than the drawn one.
CHAR_WIDTH_EM = 0.6
LABEL_GAP = 8  # the least space between two date labels


def text_width(text: str, font_size: float) -> float:
    return len(text) * font_size * CHAR_WIDTH_EM


def _labelled_points(count: int, spacing: float, label_width: float) -> list[int]:
    """Which points get a date label: every `step`-th, so neighbours never overlap, and
    always the first and the last (dropping the one before the last if it crowds it)."""
    if count == 1:
        return [0]
    step = max(1, math.ceil((label_width + LABEL_GAP) / spacing))
    shown = list(range(0, count, step))
    if shown[-1] != count - 1:
        if len(shown) > 1 and (count - 1 - shown[-1]) < step:
            shown.pop()
        shown.append(count - 1)
    return shown


BAND_SHADES = ["#eef6f0", "#f6f6e6", "#fbefe2", "#fbe7e7", "#f6dede"]
LINE_COLOURS = ["#0b5c6b", "#7a4b00", "#6b2b8a"]


class ScoredResult(Protocol):
    """What the chart reads of a result (a MeasureResult, or a stand-in in tests)."""

    @property
    def administered_on(self) -> date: ...
    @property
    def scores(self) -> list[dict[str, Any]]: ...
    @property
    def band_set(self) -> str: ...


def trend_svg(measure: Measure, results: Sequence[ScoredResult], *, chart_id: str) -> str:
    """One line per scale (one for most measures, three for the DASS-21)."""
    scored = [r for r in results if any(s["score"] is not None for s in r.scores)]
    if not scored:
        return ""
    scale_defs = measure.scales
    low: int = min(s["range"][0] for s in scale_defs)
    high: int = max(s["range"][1] for s in scale_defs)
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    count = len(scored)
    # Dates are centred under their points, so the first and last points sit far enough
    # in from the edges for a whole date to fit (the last one was clipped before).
    label_width = text_width("00/00/0000", DATE_FONT_SIZE)
    first_x = max(LEFT + 10, label_width / 2 + 2)
    last_x = min(LEFT + plot_w - 10, WIDTH - label_width / 2 - 2)

    def x(i: int) -> float:
        if count == 1:
            return (first_x + last_x) / 2
        return first_x + (last_x - first_x) * i / (count - 1)

    def y(value: float) -> float:
        return TOP + plot_h * (1 - (value - low) / (high - low))

    title = f"{measure.short_name} scores over time"
    summary = "; ".join(
        f"{r.administered_on:%d/%m/%Y}: "
        + ", ".join(
            f"{s['label'].lower()} {s['score']}" + (f" ({s['band']})" if s["band"] else "")
            for s in r.scores
            if s["score"] is not None
        )
        for r in scored
    )
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'width="{WIDTH}" height="{HEIGHT}" role="img" class="trend-chart" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc">',
        f'<title id="{chart_id}-title">{escape(title)}</title>',
        f'<desc id="{chart_id}-desc">{escape(summary)}</desc>',
    ]
    if len(scale_defs) == 1:
        band_set = measure.band_sets[scored[-1].band_set]
        for index, (start, end, label) in enumerate(band_set["bands"][scale_defs[0]["code"]]):
            top, bottom = y(min(end + 0.5, high)), y(max(start - 0.5, low))
            parts.append(
                f'<rect x="{LEFT}" y="{top:.1f}" width="{plot_w}" '
                f'height="{bottom - top:.1f}" fill="{BAND_SHADES[index % 5]}"/>'
            )
            parts.append(
                f'<text x="{WIDTH - RIGHT - 4}" y="{top + 12:.1f}" font-size="10" '
                f'text-anchor="end" fill="#4a5160">{escape(label)}</text>'
            )
    parts.append(
        f'<line x1="{LEFT}" y1="{TOP + plot_h}" x2="{LEFT + plot_w}" '
        f'y2="{TOP + plot_h}" stroke="#4a5160"/>'
    )
    parts.append(f'<line x1="{LEFT}" y1="{TOP}" x2="{LEFT}" y2="{TOP + plot_h}" stroke="#4a5160"/>')
    for value in (low, (low + high) // 2, high):
        parts.append(
            f'<text x="{LEFT - 6}" y="{y(value) + 4:.1f}" font-size="11" '
            f'text-anchor="end" fill="#1a1a2e">{value}</text>'
        )
    spacing = (last_x - first_x) / (count - 1) if count > 1 else plot_w
    for i in _labelled_points(count, spacing, label_width):
        parts.append(
            f'<line x1="{x(i):.1f}" y1="{TOP + plot_h}" x2="{x(i):.1f}" '
            f'y2="{TOP + plot_h + 4}" stroke="#4a5160"/>'
        )
        parts.append(
            f'<text x="{x(i):.1f}" y="{HEIGHT - 12}" font-size="{DATE_FONT_SIZE}" '
            f'text-anchor="middle" fill="#1a1a2e">'
            f"{scored[i].administered_on:%d/%m/%Y}</text>"
        )
    for scale_index, scale in enumerate(scale_defs):
        colour = LINE_COLOURS[scale_index % len(LINE_COLOURS)]
        points = [
            (x(i), y(s["score"]), s)
            for i, r in enumerate(scored)
            for s in r.scores
            if s["code"] == scale["code"] and s["score"] is not None
        ]
        if len(points) > 1:
            path = " ".join(f"{px:.1f},{py:.1f}" for px, py, _ in points)
            parts.append(
                f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="2.5"/>'
            )
        for px, py, s in points:
            parts.append(
                f'<circle cx="{px:.1f}" cy="{py:.1f}" r="4" fill="{colour}">'
                f"<title>{escape(s['label'])}: {s['score']}</title></circle>"
            )
    if len(scale_defs) > 1:
        for scale_index, scale in enumerate(scale_defs):
            colour = LINE_COLOURS[scale_index % len(LINE_COLOURS)]
            lx = LEFT + 8 + scale_index * 110
            parts.append(f'<rect x="{lx}" y="{TOP + 2}" width="12" height="4" fill="{colour}"/>')
            parts.append(
                f'<text x="{lx + 16}" y="{TOP + 8}" font-size="11" fill="#1a1a2e">'
                f"{escape(scale['label'])}</text>"
            )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every text above is escaped
