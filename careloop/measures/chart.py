"""A client's scores over time as an SVG drawn on the server: it prints, it goes into
PDFs, it needs no script, and it carries its own text alternative."""

from django.utils.html import escape
from django.utils.safestring import mark_safe

WIDTH, HEIGHT = 560, 220
LEFT, RIGHT, TOP, BOTTOM = 44, 16, 16, 36
BAND_SHADES = ["#eef6f0", "#f6f6e6", "#fbefe2", "#fbe7e7", "#f6dede"]
LINE_COLOURS = ["#0b5c6b", "#7a4b00", "#6b2b8a"]


def trend_svg(measure, results, *, chart_id: str) -> str:
    """One line per scale (one for most measures, three for the DASS-21)."""
    scored = [r for r in results if any(s["score"] is not None for s in r.scores)]
    if not scored:
        return ""
    scale_defs = measure.scales
    low = min(s["range"][0] for s in scale_defs)
    high = max(s["range"][1] for s in scale_defs)
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    count = len(scored)

    def x(i):
        return LEFT + (plot_w / 2 if count == 1 else plot_w * i / (count - 1))

    def y(value):
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
    for i, result in enumerate(scored):
        parts.append(
            f'<text x="{x(i):.1f}" y="{HEIGHT - 12}" font-size="11" '
            f'text-anchor="middle" fill="#1a1a2e">'
            f"{result.administered_on:%d/%m/%y}</text>"
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
