"""Australian localities (G-NAF derived, see data/COPYRIGHT.md) and distances."""

import csv
import math
from dataclasses import dataclass
from functools import cache
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent / "data"


@dataclass(frozen=True)
class Locality:
    name: str
    state: str
    postcode: str
    addresses: int
    latitude: float
    longitude: float


@cache
def localities() -> tuple[Locality, ...]:
    with open(DATA_DIR / "localities-au.csv", newline="", encoding="utf-8") as handle:
        return tuple(
            Locality(
                row["locality"],
                row["state"],
                row["postcode"].zfill(4),
                int(row["count"]),
                float(row["latitude"]),
                float(row["longitude"]),
            )
            for row in csv.DictReader(handle)
        )


def distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance (haversine), good to well under 1% at these scales."""
    radius = 6371.0
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi, dlambda = math.radians(lat2 - lat1), math.radians(lon2 - lon1)
    a = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlambda / 2) ** 2
    return 2 * radius * math.asin(math.sqrt(a))


def localities_near(latitude: float, longitude: float, radius_km: float) -> list[Locality]:
    return [
        locality
        for locality in localities()
        if distance_km(latitude, longitude, locality.latitude, locality.longitude) <= radius_km
    ]


@cache
def _locality_index() -> tuple[dict[tuple[str, str], Locality], dict[str, Locality]]:
    """(suburb, state) and postcode to the locality with the most addresses, so that
    a suburb name used in two places resolves to the bigger one."""
    by_name: dict[tuple[str, str], Locality] = {}
    by_postcode: dict[str, Locality] = {}
    for locality in localities():
        key = (locality.name.upper(), locality.state)
        if key not in by_name or locality.addresses > by_name[key].addresses:
            by_name[key] = locality
        known = by_postcode.get(locality.postcode)
        if known is None or locality.addresses > known.addresses:
            by_postcode[locality.postcode] = locality
    return by_name, by_postcode


def locate(suburb: str, state: str = "", postcode: str = "") -> tuple[float, float] | None:
    """Offline geocoding to the centre of a locality: by suburb and state, else by
    postcode. Good enough for "how far away", not for a street address. None when
    neither is known."""
    by_name, by_postcode = _locality_index()
    name = " ".join((suburb or "").upper().split())
    found = by_name.get((name, (state or "").strip().upper())) if name else None
    if found is None and postcode:
        found = by_postcode.get(postcode.strip().zfill(4))
    if found is None:
        return None
    return found.latitude, found.longitude
