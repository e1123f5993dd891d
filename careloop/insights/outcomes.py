"""Outcome change by source, with small cells suppressed so that no client can be
recognised: a cell of fewer than MIN_CELL clients shows nothing at all."""

from collections.abc import Iterable
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


def cells(changes: Iterable[ClientChange], *, lower_is_better: bool = True) -> list[Cell]:
    groups: dict[str, list[ClientChange]] = {}
    for change in changes:
        groups.setdefault(change.group, []).append(change)
    out = []
    for group, members in sorted(groups.items()):
        if len(members) < MIN_CELL:
            out.append(Cell(group, None, None, None))
            continue
        deltas = [m.last - m.first for m in members]
        improved = sum(1 for d in deltas if (d < 0 if lower_is_better else d > 0))
        out.append(
            Cell(
                group,
                len(members),
                round(sum(deltas) / len(deltas), 1),
                round(improved / len(members), 2),
            )
        )
    return out
