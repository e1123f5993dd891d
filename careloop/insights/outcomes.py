"""Outcome change by source, with small cells suppressed so that no client can be
recognised: a cell of fewer than MIN_CELL clients shows nothing at all."""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

MIN_CELL = 5
SUPPRESSED = "fewer than 5"


@dataclass(frozen=True)
class ClientChange:
    client_id: int
    group: str
    first: float
    last: float


@dataclass(frozen=True)
class Cell:
    group: str
    clients: int | None  # None when suppressed
    mean_change: float | None
    share_improved: float | None

    @property
    def suppressed(self) -> bool:
        return self.clients is None


@dataclass(frozen=True)
class GroupTotal:
    """A group's clients, added up: how many, their changes summed, how many improved."""

    clients: int
    total_change: float
    improved: int

    def __add__(self, other: "GroupTotal") -> "GroupTotal":
        return GroupTotal(
            self.clients + other.clients,
            self.total_change + other.total_change,
            self.improved + other.improved,
        )


def cells_from_totals(totals: Mapping[str, GroupTotal]) -> list[Cell]:
    """One cell per group, by name; groups of fewer than MIN_CELL clients show nothing."""
    out = []
    for group, total in sorted(totals.items()):
        if total.clients < MIN_CELL:
            out.append(Cell(group, None, None, None))
            continue
        out.append(
            Cell(
                group,
                total.clients,
                round(total.total_change / total.clients, 1),
                round(total.improved / total.clients, 2),
            )
        )
    return out


def cells(changes: Iterable[ClientChange], *, lower_is_better: bool = True) -> list[Cell]:
    totals: dict[str, GroupTotal] = {}
    for change in changes:
        delta = change.last - change.first
        improved = delta < 0 if lower_is_better else delta > 0
        one = GroupTotal(1, delta, int(improved))
        totals[change.group] = totals[change.group] + one if change.group in totals else one
    return cells_from_totals(totals)
