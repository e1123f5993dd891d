"""A visit day's order: nearest neighbour from the practice, improved by 2-opt.

Distances are straight-line kilometres (great-circle), not road distances: good enough
to avoid zig-zagging across town, and it needs no map service. The route starts at the
practice and ends at the last stop (the drive home is the same whatever the order of
the first stops, nearly enough, and people often go on elsewhere).
"""

from __future__ import annotations

from collections.abc import Sequence

from .ranking import haversine_km

Point = tuple[float, float]  # (latitude, longitude)


def path_length(origin: Point, stops: Sequence[Point], order: Sequence[int]) -> float:
    total, here = 0.0, origin
    for index in order:
        total += haversine_km(*here, *stops[index])
        here = stops[index]
    return total


def nearest_neighbour(origin: Point, stops: Sequence[Point]) -> list[int]:
    left = list(range(len(stops)))
    order: list[int] = []
    here = origin
    while left:
        # Ties go to the stop listed first, so the same picks give the same order.
        nearest = min(left, key=lambda i: (haversine_km(*here, *stops[i]), i))
        order.append(nearest)
        left.remove(nearest)
        here = stops[nearest]
    return order


def two_opt(origin: Point, stops: Sequence[Point], order: Sequence[int]) -> list[int]:
    """Reverse any stretch of the route that makes it shorter, until none does."""
    best = list(order)
    best_length = path_length(origin, stops, best)
    improved = True
    while improved:
        improved = False
        for i in range(len(best) - 1):
            for j in range(i + 1, len(best)):
                candidate = best[:i] + best[i : j + 1][::-1] + best[j + 1 :]
                length = path_length(origin, stops, candidate)
                if length < best_length - 1e-9:
                    best, best_length, improved = candidate, length, True
    return best


def plan_route(origin: Point, stops: Sequence[Point]) -> list[int]:
    """The indexes of `stops` in driving order from `origin`."""
    return two_opt(origin, stops, nearest_neighbour(origin, stops))


def legs_km(origin: Point, stops: Sequence[Point], order: Sequence[int]) -> list[float]:
    """The straight-line distance of each leg: to the first stop from the origin, then
    from the stop before."""
    legs, here = [], origin
    for index in order:
        legs.append(haversine_km(*here, *stops[index]))
        here = stops[index]
    return legs
