"""The trend chart's text stays inside the picture, whatever the number of results.

The extents are estimated independently of the chart's own arithmetic: each character as
wide as 0.62em (wider than the digits of common fonts) and each line 1em tall.
"""

import re
import xml.etree.ElementTree as ET
from dataclasses import asdict
from datetime import date, timedelta
from types import SimpleNamespace

import pytest

from careloop.measures.chart import trend_svg
from careloop.measures.scoring import get_measure, score

SVG = "{http://www.w3.org/2000/svg}"
CHAR_EM = 0.62


def results(code: str, count: int, band_set: str | None = None) -> list:
    measure = get_measure(code)
    options = sorted(measure.option_values)
    start = date(2026, 11, 9) - timedelta(days=7 * (count - 1))
    made = []
    for i in range(count):
        answers = {n: options[(i + n) % len(options)] for n in measure.item_numbers}
        result = score(code, answers, band_set)
        made.append(
            SimpleNamespace(
                administered_on=start + timedelta(days=7 * i),
                scores=[asdict(s) for s in result.scales],
                band_set=result.band_set,
            )
        )
    return made


def extent(text: ET.Element) -> tuple[float, float, float, float]:
    size = float(text.get("font-size"))
    width = len(text.text or "") * size * CHAR_EM
    x, y = float(text.get("x")), float(text.get("y"))
    anchor = text.get("text-anchor", "start")
    left = {"start": x, "middle": x - width / 2, "end": x - width}[anchor]
    return left, y - size, left + width, y + size * 0.25


def texts(svg: str) -> tuple[tuple[float, ...], list[ET.Element]]:
    root = ET.fromstring(svg)  # noqa: S314 - our own SVG, built in the test
    box = tuple(float(v) for v in root.get("viewBox").split())
    return box, root.findall(f"{SVG}text")


DATE = re.compile(r"\d\d/\d\d/\d{4}")


@pytest.mark.parametrize("code", ["k10", "gad7", "phq9", "dass21"])
@pytest.mark.parametrize("count", [1, 2, 7, 30, 100])
def test_no_label_is_clipped_and_dates_do_not_overlap(code, count):
    svg = trend_svg(get_measure(code), results(code, count), chart_id="c")
    (min_x, min_y, width, height), labels = texts(svg)
    for label in labels:
        left, top, right, bottom = extent(label)
        assert min_x <= left and right <= min_x + width, (label.text, left, right)
        assert min_y <= top and bottom <= min_y + height, (label.text, top, bottom)
    dates = [label for label in labels if DATE.fullmatch(label.text or "")]
    assert dates, "no date labels"
    spans = sorted(extent(label)[::2] for label in dates)
    for (_, right), (left, _) in zip(spans, spans[1:], strict=False):
        assert right <= left, "date labels overlap"


@pytest.mark.parametrize("count", [1, 2, 7, 30, 100])
def test_dates_are_dd_mm_yyyy_and_the_first_and_last_are_labelled(count):
    made = results("k10", count)
    _, labels = texts(trend_svg(get_measure("k10"), made, chart_id="c"))
    dates = [label.text for label in labels if re.search(r"\d/", label.text or "")]
    assert all(DATE.fullmatch(d) for d in dates), dates
    assert dates[0] == made[0].administered_on.strftime("%d/%m/%Y")
    assert dates[-1] == "09/11/2026"


def test_long_band_names_fit_too():
    svg = trend_svg(get_measure("k10"), results("k10", 5, "crufad"), chart_id="c")
    (min_x, _, width, _), labels = texts(svg)
    assert any("mental disorder" in (label.text or "") for label in labels)
    for label in labels:
        left, _, right, _ = extent(label)
        assert min_x <= left and right <= min_x + width, label.text
