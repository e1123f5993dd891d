"""The referral funnel: how many reach each step, and how long each step takes.

Each time is counted in tenths of a day, the precision the pages show, before the
median is taken (the median of 1.0 and 1.09 days is that of 1.0 and 1.1: 1.1 days, a
half rounded up). So the summary rows can keep a histogram of times (StepDuration), a
median over a year is read from a few hundred rows, and it comes out the same as from
the referrals one by one."""

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

# (field, label): the order a referral moves through.
STEPS = [
    ("received_at", "Received"),
    ("contacted_at", "Client contacted"),
    ("offered_at", "Appointment offered"),
    ("first_seen_at", "First seen"),
    ("course_ended_at", "Course completed"),
    ("report_sent_at", "Report sent"),
]
# The summary row's field with each step's time from the step before (none for the first).
TENTHS_FIELDS = [
    "",
    "tenths_to_contacted",
    "tenths_to_offered",
    "tenths_to_first_seen",
    "tenths_to_course_ended",
    "tenths_to_report_sent",
]
# The summary row's field with how many got at least as far as each step.
REACHED_FIELDS = [
    "referrals",
    "reached_contacted",
    "reached_offered",
    "reached_first_seen",
    "reached_course_ended",
    "reached_report_sent",
]


@dataclass(frozen=True)
class Step:
    label: str
    reached: int
    conversion: float | None  # of those that reached the step before
    median_days: float | None  # from the step before, for those that reached both


def furthest_step(values: Sequence[Any]) -> int | None:
    """The index of the last step with a value. A later step counts as reaching the
    earlier ones (a client booked straight away was never separately "offered")."""
    return max((i for i, value in enumerate(values) if value), default=None)


def tenths_between(start: datetime | None, end: datetime | None) -> int | None:
    """Days from start to end in tenths, when both happened and in that order."""
    if start is None or end is None or end < start:
        return None
    return round((end - start).total_seconds() / 8640)


def median_days(histogram: Mapping[int, int]) -> float | None:
    """The median of durations given as {tenths of a day: how many}, in days."""
    total = sum(n for n in histogram.values() if n > 0)
    if not total:
        return None
    ordered = sorted((tenths, n) for tenths, n in histogram.items() if n > 0)

    def at(position: int) -> int:  # the value at 0-based `position` in sorted order
        seen = 0
        for tenths, n in ordered:
            seen += n
            if position < seen:
                return tenths
        raise IndexError(position)

    middle = total // 2
    # In twentieths of a day, exactly: the two middle times' sum, or twice the middle one.
    twentieths = 2 * at(middle) if total % 2 else at(middle - 1) + at(middle)
    days = (Decimal(twentieths) / 20).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    return float(days)


def steps_from(
    reached: Sequence[int],
    histograms: Sequence[Mapping[int, int]],
    steps: Sequence[tuple[str, str]] = STEPS,
) -> list[Step]:
    """The funnel from how many reached each step, and each step's durations (the
    first step's histogram is ignored: nothing comes before it)."""
    out: list[Step] = []
    previous: int | None = None
    for index, (_, label) in enumerate(steps):
        out.append(
            Step(
                label,
                reached[index],
                (reached[index] / previous) if previous else None,
                median_days(histograms[index]) if index else None,
            )
        )
        previous = reached[index]
    return out


def funnel(rows: Iterable[dict[str, Any]], steps: Sequence[tuple[str, str]] = STEPS) -> list[Step]:
    """rows: one dict per referral with the step fields (datetimes)."""
    names = [name for name, _ in steps]
    furthest: Counter[int] = Counter()
    histograms: list[Counter[int]] = [Counter() for _ in steps]
    for r in rows:
        values = [r.get(name) for name in names]
        last = furthest_step(values)
        if last is None:
            continue
        furthest[last] += 1
        for i in range(1, len(steps)):
            tenths = tenths_between(values[i - 1], values[i])
            if tenths is not None:
                histograms[i][tenths] += 1
    return steps_from(reached_from_furthest(furthest, len(steps)), histograms, steps)


def reached_from_furthest(furthest: Mapping[int, int], count: int) -> list[int]:
    """How many reached each step, from how many stopped at each."""
    return [sum(n for step, n in furthest.items() if step >= index) for index in range(count)]


def tenths_rows(rows: Iterable[dict[str, Any]], steps_count: int = len(STEPS)) -> list[Step]:
    """The funnel of summary rows that carry `furthest_step` and the tenths fields."""
    furthest: Counter[int] = Counter()
    histograms: list[Counter[int]] = [Counter() for _ in range(steps_count)]
    for r in rows:
        furthest[r["furthest_step"]] += 1
        for i in range(1, steps_count):
            tenths = r.get(TENTHS_FIELDS[i])
            if tenths is not None:
                histograms[i][tenths] += 1
    return steps_from(reached_from_furthest(furthest, steps_count), histograms)
