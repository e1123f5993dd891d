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
