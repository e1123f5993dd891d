"""Insight charts as SVG drawn on the server, in the style of the measures trend chart
(careloop/measures/chart.py): no script, they print and go into the PDF, and each
carries its own title and text alternative. Every chart sits next to a table of the
same figures (the table view)."""

from collections.abc import Sequence

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from careloop.measures.chart import text_width

WIDTH, HEIGHT = 560, 200
LEFT, RIGHT, TOP, BOTTOM = 40, 12, 14, 34
BAR = "#0b5c6b"
LINE = "#7a4b00"
AXIS = "#4a5160"
INK = "#1a1a2e"
FONT = 11


def _open(chart_id: str, title: str, summary: str, width: int, height: int, css: str) -> list[str]:
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img" class="{css}" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc">',
        f'<title id="{chart_id}-title">{escape(title)}</title>',
        f'<desc id="{chart_id}-desc">{escape(summary)}</desc>',
    ]


def _label_every(labels: Sequence[str], spacing: float) -> int:
    widest = max((text_width(label, FONT) for label in labels), default=0)
    return max(1, int((widest + 6) // spacing) + 1)


def bars_svg(
    labels: Sequence[str],
    values: Sequence[float | None],
    *,
    chart_id: str,
    title: str,
    percent: bool = False,
) -> SafeString:
    """Vertical bars, one per label (months); None draws no bar ("no figure yet")."""
    if not labels:
        return mark_safe("")
    shown = [v for v in values if v is not None]
    high = 1.0 if percent else max([*shown, 1])
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    slot = plot_w / len(labels)

    def fmt(value: float | None) -> str:
        if value is None:
            return "no figure"
        return f"{value:.0%}" if percent else f"{value:g}"

    summary = "; ".join(f"{label}: {fmt(v)}" for label, v in zip(labels, values, strict=True))
    parts = _open(chart_id, title, summary, WIDTH, HEIGHT, "insight-chart")
    base = TOP + plot_h
    parts.append(
        f'<line x1="{LEFT}" y1="{base}" x2="{LEFT + plot_w}" y2="{base}" stroke="{AXIS}"/>'
    )
    for tick in (0, high / 2, high):
        y = TOP + plot_h * (1 - tick / high)
        parts.append(
            f'<text x="{LEFT - 6}" y="{y + 4:.1f}" font-size="{FONT}" text-anchor="end" '
            f'fill="{INK}">{escape(fmt(tick) if percent else f"{tick:.0f}")}</text>'
        )
    every = _label_every(labels, slot)
    widest = max(text_width(label, FONT) for label in labels)
    last_fits = ((len(labels) - 1) % every) * slot >= widest + 6
    colour = LINE if percent else BAR
    for index, (label, value) in enumerate(zip(labels, values, strict=True)):
        x = LEFT + slot * index
        if value is not None:
            height = plot_h * value / high
            parts.append(
                f'<rect x="{x + slot * 0.15:.1f}" y="{base - height:.1f}" '
                f'width="{slot * 0.7:.1f}" height="{height:.1f}" fill="{colour}">'
                f"<title>{escape(label)}: {escape(fmt(value))}</title></rect>"
            )
        # The last bar is named too, unless the name before it would overlap.
        if index % every == 0 or (index == len(labels) - 1 and last_fits):
            parts.append(
                f'<text x="{x + slot / 2:.1f}" y="{HEIGHT - 12}" font-size="{FONT}" '
                f'text-anchor="middle" fill="{INK}">{escape(label)}</text>'
            )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every text above is escaped


def sparkline_svg(values: Sequence[int], *, chart_id: str, title: str, labels: Sequence[str]):
    """A small trend line for one table row; its table cells carry the numbers."""
    width, height = 120, 28
    high = max([*values, 1])
    count = len(values)
    summary = ", ".join(f"{label}: {v}" for label, v in zip(labels, values, strict=True))
    parts = _open(chart_id, title, summary, width, height, "sparkline")
    points = " ".join(
        f"{2 + (width - 4) * i / max(count - 1, 1):.1f},{height - 3 - (height - 6) * v / high:.1f}"
        for i, v in enumerate(values)
    )
    parts.append(f'<polyline points="{points}" fill="none" stroke="{BAR}" stroke-width="2"/>')
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every text above is escaped
