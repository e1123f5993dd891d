"""Outcome measures as data, scored by one function.

A measure is a JSON definition in definitions/: its items, answer options, scales
(which items, a multiplier, the missing-item rule), named band sets with their
sources, and safety flags. Adding a measure is adding a file; nothing here changes.
Sources and traps are in ../shared/docs/MEASURES.md and docs/measures.md.
"""

import calendar
import json
import re
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from functools import cache
from pathlib import Path
from typing import Any

DEFINITIONS_DIR = Path(__file__).resolve().parent / "definitions"
SCORING_VERSION = "2026.11"  # stored with each result; bump when a rule changes


def scoring_note(version: str) -> str:
    """ "2026.11" → "Scored by the publisher's rules (version of November 2026).";
    empty for a version not written as year.month, rather than show a code."""
    year, _, month = (version or "").partition(".")
    if not (year.isdigit() and month.isdigit() and 1 <= int(month) <= 12):
        return ""
    month_name = calendar.month_name[int(month)]
    return f"Scored by the publisher's rules (version of {month_name} {year})."


class AnswerError(ValueError):
    pass


@dataclass(frozen=True)
class Measure:
    code: str
    name: str
    short_name: str
    instructions: str
    items: tuple[dict[str, Any], ...]
    options: tuple[dict[str, Any], ...]
    scales: tuple[dict[str, Any], ...]
    band_sets: dict[str, Any]
    default_band_set: str
    flags: tuple[dict[str, Any], ...]
    attribution: str
    extra_items: tuple[dict[str, Any], ...] = ()
    higher_is_worse: bool = True

    @property
    def item_numbers(self) -> list[int]:
        return [item["number"] for item in self.items]

    @property
    def option_values(self) -> set[int]:
        return {option["value"] for option in self.options}

    def band_set(self, name: str | None) -> tuple[str, dict[str, Any]]:
        name = name or self.default_band_set
        if name not in self.band_sets:
            raise AnswerError(
                f"{self.short_name} has no band set {name!r}; choose one of "
                + ", ".join(self.band_sets)
            )
        return name, self.band_sets[name]


@cache
def definitions() -> dict[str, Measure]:
    measures = {}
    for path in sorted(DEFINITIONS_DIR.glob("*.json")):
        raw = json.loads(path.read_text(encoding="utf-8"))
        measures[raw["code"]] = Measure(
            code=raw["code"],
            name=raw["name"],
            short_name=raw["short_name"],
            instructions=raw["instructions"],
            items=tuple(raw["items"]),
            options=tuple(raw["options"]),
            scales=tuple(raw["scales"]),
            band_sets=raw["band_sets"],
            default_band_set=raw["default_band_set"],
            flags=tuple(raw.get("flags", [])),
            attribution=raw["attribution"],
            extra_items=tuple(raw.get("extra_items", [])),
            higher_is_worse=raw.get("higher_is_worse", True),
        )
    return measures


def get_measure(code: str) -> Measure:
    try:
        return definitions()[code]
    except KeyError:
        raise AnswerError(f"Unknown measure {code!r}; known: {', '.join(definitions())}") from None


@dataclass(frozen=True)
class ScaleScore:
    code: str
    label: str
    score: int | None  # None: too many items missing to score
    band: str | None
    answered: int
    missing: int
    prorated: bool = False


@dataclass(frozen=True)
class Flag:
    code: str
    label: str
    certain: bool  # False: the item was not answered, so the risk is unknown


@dataclass(frozen=True)
class Result:
    measure: str
    band_set: str
    scales: tuple[ScaleScore, ...]
    flags: tuple[Flag, ...] = field(default_factory=tuple)
    version: str = SCORING_VERSION

    def scale(self, code: str) -> ScaleScore:
        return next(s for s in self.scales if s.code == code)

    @property
    def is_complete(self) -> bool:
        return all(s.score is not None for s in self.scales)


def _round_half_up(value: Decimal) -> int:
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


_WHOLE_NUMBER = re.compile(r"-?[0-9]+")


def _whole_number(value: object) -> int | None:
    """An answer as an int, or None if it is not a plain whole number. str.isdigit()
    is not enough: "²" and other Unicode digits pass it, and int() then raises."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and _WHOLE_NUMBER.fullmatch(value.strip()):
        return int(value)
    return None


def validate_answers(measure: Measure, answers: dict[Any, Any]) -> dict[int, int | None]:
    """Answers keyed by item number; None (or absent) means not answered. Any value
    outside the options, or an unknown item, is refused with the item named."""
    clean: dict[int, int | None] = {}
    known = set(measure.item_numbers)
    for key, value in answers.items():
        try:
            number = int(key)
        except (TypeError, ValueError):
            raise AnswerError(
                f"{key!r} is not an item number of the {measure.short_name}"
            ) from None
        if number not in known:
            raise AnswerError(f"The {measure.short_name} has no item {number}.")
        if value in (None, ""):
            clean[number] = None
            continue
        answer = _whole_number(value)
        if answer is None or answer not in measure.option_values:
            allowed = ", ".join(str(v) for v in sorted(measure.option_values))
            raise AnswerError(
                f"Item {number} of the {measure.short_name}: {value!r} is not "
                f"one of the answers ({allowed})."
            )
        clean[number] = answer
    for number in known - set(clean):
        clean[number] = None
    return clean


def score(code: str, answers: dict[Any, Any], band_set: str | None = None) -> Result:
    measure = get_measure(code)
    clean = validate_answers(measure, answers)
    band_set_name, bands = measure.band_set(band_set)
    scales = []
    for scale in measure.scales:
        values = [clean[n] for n in scale["items"]]
        given = [v for v in values if v is not None]
        missing = len(values) - len(given)
        rule = scale["missing"]
        total: int | None
        prorated = False
        if missing == 0:
            total = sum(given)
        elif rule["rule"] == "prorate" and missing <= rule["max_missing"] and given:
            # e.g. K10 (PMHC MDS): round(sum of answered / answered × items)
            total = _round_half_up(Decimal(sum(given)) * len(values) / len(given))
            prorated = True
        else:
            total = None
        if total is not None:
            total *= scale.get("multiplier", 1)
        band = None
        if total is not None:
            band = next(
                (
                    label
                    for low, high, label in bands["bands"][scale["code"]]
                    if low <= total <= high
                ),
                None,
            )
        scales.append(
            ScaleScore(scale["code"], scale["label"], total, band, len(given), missing, prorated)
        )
    flags = []
    for flag in measure.flags:
        value = clean.get(flag["item"])
        if value is None:
            flags.append(Flag(flag["code"], flag["unknown_label"], certain=False))
        elif value >= flag["min"]:
            flags.append(Flag(flag["code"], flag["label"], certain=True))
    return Result(code, band_set_name, tuple(scales), tuple(flags))
