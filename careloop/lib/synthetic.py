"""Well-formed but invented identifiers for demo and test data. Each passes its
published check algorithm; none is knowingly issued to a real person."""

import random

from careloop.lib.identifiers import (
    ABN_WEIGHTS,
    HPI_I_PREFIX,
    HPI_O_PREFIX,
    MEDICARE_WEIGHTS,
    luhn_valid,
    provider_check_character,
)


def medicare_number(rng: random.Random) -> str:
    stem = str(rng.randint(2, 6)) + "".join(str(rng.randint(0, 9)) for _ in range(7))
    check = sum(int(d) * w for d, w in zip(stem, MEDICARE_WEIGHTS, strict=True)) % 10
    return f"{stem}{check}{rng.randint(1, 9)}"


def provider_number(rng: random.Random) -> str:
    stem = "".join(str(rng.randint(0, 9)) for _ in range(6))
    location = rng.choice("0123456789ABCDEF")
    return f"{stem}{location}{provider_check_character(stem, location)}"


def _luhn_complete(partial: str) -> str:
    for digit in "0123456789":
        if luhn_valid(partial + digit):
            return partial + digit
    raise AssertionError("unreachable: one digit always completes a Luhn number")


def hpii(rng: random.Random) -> str:
    return _luhn_complete(HPI_I_PREFIX + "".join(str(rng.randint(0, 9)) for _ in range(9)))


def hpio(rng: random.Random) -> str:
    return _luhn_complete(HPI_O_PREFIX + "".join(str(rng.randint(0, 9)) for _ in range(9)))


def abn(rng: random.Random) -> str:
    while True:
        candidate = str(rng.randint(1, 9)) + "".join(str(rng.randint(0, 9)) for _ in range(10))
        digits = [int(d) for d in candidate]
        digits[0] -= 1
        if sum(d * w for d, w in zip(digits, ABN_WEIGHTS, strict=True)) % 89 == 0:
            return candidate


_AREA_CODES = {
    "NSW": "02",
    "ACT": "02",
    "VIC": "03",
    "TAS": "03",
    "QLD": "07",
    "SA": "08",
    "WA": "08",
    "NT": "08",
}


def landline(state: str, rng: random.Random) -> str:
    # 5550 xxxx and similar ranges are not reserved in Australia; the area code is real,
    # the rest is random, which is all a demo needs.
    return f"({_AREA_CODES.get(state, '02')}) {rng.randint(5000, 9999)} {rng.randint(0, 9999):04d}"


def mobile(rng: random.Random) -> str:
    # ACMA reserves 0491 570 xxx for fiction; using it keeps demo numbers undialable.
    return f"0491 570 {rng.randint(0, 999):03d}"
