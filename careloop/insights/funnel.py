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
    rows = list(rows)
    out: list[Step] = []
    previous_reached: int | None = None
    for index, (name, label) in enumerate(steps):
        later = [s for s, _ in steps[index:]]
        reached = [r for r in rows if any(r.get(s) for s in later)]
        durations = []
        if index:
            before = steps[index - 1][0]
            for r in rows:
                start, end = r.get(before), r.get(name)
                if start and end and end >= start:
                    durations.append((end - start).total_seconds() / 86400)
        out.append(
            Step(
                label,
                len(reached),
                (len(reached) / previous_reached) if previous_reached else None,
                round(statistics.median(durations), 1) if durations else None,
            )
        )
        previous_reached = len(reached)
    return out
