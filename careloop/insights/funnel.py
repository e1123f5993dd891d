"""The referral funnel: how many reach each step, and how long each step takes."""

import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
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


@dataclass(frozen=True)
class Step:
    label: str
    reached: int
    conversion: float | None  # of those that reached the step before
    median_days: float | None  # from the step before, for those that reached both


def funnel(rows: Iterable[dict[str, Any]], steps: Sequence[tuple[str, str]] = STEPS) -> list[Step]:
    """rows: one dict per referral with the step fields. A later step counts as reaching
    the earlier ones (a client booked straight away was never separately "offered")."""
    names = [name for name, _ in steps]
    # One pass over the rows (a large practice's year is tens of thousands): how far
    # each got, and each step's time from the step before.
    furthest = [0] * len(steps)  # furthest[i]: rows whose last step reached is i
    durations: list[list[float]] = [[] for _ in steps]
    for r in rows:
        values = [r.get(name) for name in names]
        last = max((i for i, value in enumerate(values) if value), default=None)
        if last is None:
            continue
        furthest[last] += 1
        for i in range(1, len(steps)):
            start, end = values[i - 1], values[i]
            if start and end and end >= start:
                durations[i].append((end - start).total_seconds() / 86400)
    out: list[Step] = []
    previous_reached: int | None = None
    for index, (_, label) in enumerate(steps):
        reached = sum(furthest[index:])
        out.append(
            Step(
                label,
                reached,
                (reached / previous_reached) if previous_reached else None,
                round(statistics.median(durations[index]), 1) if durations[index] else None,
            )
        )
        previous_reached = reached
    return out
