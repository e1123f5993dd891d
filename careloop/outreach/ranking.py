"""Who to visit next: distances, search radii and the order of the list.

Plain functions over plain data, no ORM: `prospects.py` feeds them from the database.
Distances are straight-line (great-circle) kilometres, not driving distances.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

EARTH_RADIUS_KM = 6371.0088
# Added to each side of a bounding box: about 10 cm, far below the 6 decimal places
# coordinates are stored with, far above a floating-point rounding error.
BOX_MARGIN_DEGREES = 1e-6

# Stage codes, as outreach.models.Stage stores them (kept as strings so that this
# module imports nothing of Django).
NOT_CONTACTED = "not_contacted"
INTRODUCED = "introduced"
REFERRING = "referring"
LAPSED = "lapsed"
DO_NOT_CONTACT = "do_not_contact"

# Who comes first: people who do not know us yet, and referrers we have lost, before
# those we are already talking to. Within a group, the nearest first.
STAGE_PRIORITY = {NOT_CONTACTED: 0, LAPSED: 0, INTRODUCED: 1, REFERRING: 2}
FIRST_GROUP = min(STAGE_PRIORITY.values())


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi = phi2 - phi1
    dlambda = math.radians(lon2 - lon1)
    a = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlambda / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


def bounding_box(lat: float, lon: float, radius_km: float) -> tuple[float, float, float, float]:
    """(min_lat, max_lat, min_lon, max_lon) of a box that holds every point within
    radius_km: the database filters on it with plain indexed comparisons, and the
    exact distance is computed for the rows inside.

    The circle is widest east-west not at the centre's latitude but nearer the pole,
    so its longitude half-width is asin(sin d / cos lat), not d / cos lat: the smaller
    one misses points near the east and west edges (a quarter of a kilometre inside a
    500 km radius around Sydney). A hair of margin is added for rounding."""
    angle = radius_km / EARTH_RADIUS_KM
    dlat = math.degrees(angle) + BOX_MARGIN_DEGREES
    min_lat, max_lat = max(lat - dlat, -90.0), min(lat + dlat, 90.0)
    sin_angle, cos_lat = math.sin(angle), math.cos(math.radians(lat))
    if angle >= math.pi / 2 or sin_angle >= cos_lat:
        # The circle reaches a pole (or is so wide that longitude narrows nothing).
        return min_lat, max_lat, -180.0, 180.0
    dlon = math.degrees(math.asin(sin_angle / cos_lat)) + BOX_MARGIN_DEGREES
    return min_lat, max_lat, lon - dlon, lon + dlon


@dataclass(frozen=True)
class Reach:
    """How far the practice looks: near for its general services, further for a niche."""

    general_km: float
    niche_km: dict[str, float] = field(default_factory=dict)  # niche code -> km
    niche_names: dict[str, str] = field(default_factory=dict)  # niche code -> name

    def radius_for(self, niche: str | None) -> float:
        if niche:
            return self.niche_km.get(niche, self.general_km)
        return self.widest()

    def widest(self) -> float:
        return max([self.general_km, *self.niche_km.values()])

    def niches_within(self, distance_km: float, niches: Iterable[str]) -> list[str]:
        """The names of the practice's niches whose radius reaches this far."""
        return [
            self.niche_names.get(code, code)
            for code in niches
            if self.niche_km.get(code, self.general_km) >= distance_km
        ]


@dataclass
class Prospect:
    """One row of the list: a doctor or a medical practice, with why it is there."""

    kind: str  # "doctor" or "medical_practice"
    key: Any  # the record's public id
    name: str
    distance_km: float
    stage: str
    last_contact: date | None = None
    referrals_sent: int = 0
    niches_fit: list[str] = field(default_factory=list)
    general_fit: bool = False
    where: str = ""
    record: object = None


def in_reach(distance_km: float, reach: Reach, niche: str | None, niches: Sequence[str]) -> bool:
    """Is a contact this far away worth approaching? For one niche, within that niche's
    radius. Without one, within the general radius or any of the practice's niches'."""
    if niche:
        return distance_km <= reach.radius_for(niche)
    if distance_km <= reach.general_km:
        return True
    return any(reach.niche_km.get(code, reach.general_km) >= distance_km for code in niches)


def rank_key(p: Prospect) -> tuple:
    # Last the kind and key: two namesakes equally far keep one order however the
    # rows were read.
    return (STAGE_PRIORITY.get(p.stage, 3), round(p.distance_km, 3), p.name, p.kind, p.key)


def rank(prospects: Iterable[Prospect]) -> list[Prospect]:
    """Do-not-contact never appears; not-contacted and lapsed first, then introduced,
    then referring; nearest first within each group, then by name for a stable order."""
    return sorted((p for p in prospects if p.stage != DO_NOT_CONTACT), key=rank_key)


def settled(ranked: Sequence[Prospect], count: int, beyond_km: float) -> bool:
    """Are the first `count` of these ranked rows final, whatever contacts lie
    `beyond_km` or further away? Only if the last of them is in the first group (a
    farther contact of the first group ranks after it) and nearer than beyond_km once
    rounded as rank() rounds (an equal rounded distance would leave it to the names)."""
    if count < 1 or len(ranked) < count:
        return False
    last = ranked[count - 1]
    in_first_group = STAGE_PRIORITY.get(last.stage, 3) == FIRST_GROUP
    return in_first_group and round(last.distance_km, 3) < round(beyond_km, 3)


@dataclass(frozen=True)
class ContactFacts:
    do_not_contact: bool
    referrals: int
    activities: int
    last_referral: date | None
    # Every referral's date, where lapsing is in question (see rhythm_stage).
    referral_dates: tuple[date, ...] = ()


StageFunction = Callable[[ContactFacts, date], str]
