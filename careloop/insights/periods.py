"""Months and quarters, and who moved most between two periods. Plain data in, plain
data out: the pages and the monthly report read the summary table and pass counts here."""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import TypeVar

K = TypeVar("K")


def month_start(day: date) -> date:
    return day.replace(day=1)


def add_months(month: date, count: int) -> date:
    index = month.year * 12 + month.month - 1 + count
    return date(index // 12, index % 12 + 1, 1)


def last_months(today: date, count: int) -> list[date]:
    """The `count` months ending with today's, oldest first."""
    current = month_start(today)
    return [add_months(current, offset) for offset in range(-count + 1, 1)]


def mover_windows(months: Sequence[date], window: int = 3) -> tuple[list[date], list[date]]:
    """The `window` full months before the last `window` full months of `months`, and
    those last (the current month, only just begun, is left out)."""
    full = list(months[:-1])
    return full[-2 * window : -window], full[-window:]


def quarter_of(month: date) -> str:
    return f"Q{(month.month - 1) // 3 + 1} {month.year}"


def quarters(months: Sequence[date]) -> list[str]:
    """The quarters the months fall in, in order, each once."""
    seen: list[str] = []
    for month in months:
        label = quarter_of(month)
        if label not in seen:
            seen.append(label)
    return seen


def series(
    counts: Mapping[tuple[K, date], int], keys: Iterable[K], months: Sequence[date]
) -> dict[K, list[int]]:
    """{key: [count per month]} with zeros for months without referrals."""
    return {key: [counts.get((key, month), 0) for month in months] for key in keys}


def by_quarter(values: Sequence[int], months: Sequence[date]) -> list[int]:
    totals: dict[str, int] = {}
    for value, month in zip(values, months, strict=True):
        label = quarter_of(month)
        totals[label] = totals.get(label, 0) + value
    return list(totals.values())


@dataclass(frozen=True)
class Move:
    key: object
    before: int
    after: int

    @property
    def change(self) -> int:
        return self.after - self.before


def top_movers(
    rows: Mapping[K, Sequence[int]], *, window: int = 3, limit: int = 5
) -> tuple[list[Move], list[Move]]:
    """Compare each key's last `window` months with the `window` before them: the
    biggest rises and the biggest falls (ties by name order of the caller's keys)."""
    moves = []
    for key, values in rows.items():
        after = sum(values[-window:])
        before = sum(values[-2 * window : -window])
        if after != before:
            moves.append(Move(key, before, after))
    ups = sorted((m for m in moves if m.change > 0), key=lambda m: -m.change)[:limit]
    downs = sorted((m for m in moves if m.change < 0), key=lambda m: m.change)[:limit]
    return ups, downs
