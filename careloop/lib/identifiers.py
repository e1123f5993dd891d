"""Australian identifier checks: the published check algorithms, nothing else.

A passing checksum means the number is well formed, not that it was issued or is
active; that takes HI Service, Ahpra, ABN Lookup or PRODA. Sources are in
docs/identifiers.md and ../shared/docs/BETTER_ACCESS.md §6.

Each `check_*` returns the normalised value (spaces and dashes removed, letters
upper-cased) or raises IdentifierError with a message a receptionist can act on.
"""

import re


class IdentifierError(ValueError):
    pass


def _compact(value: str) -> str:
    return re.sub(r"[\s\-/]", "", value or "").upper()


def luhn_valid(digits: str) -> bool:
    total = 0
    for position, char in enumerate(reversed(digits)):
        digit = int(char)
        if position % 2 == 1:
            digit *= 2
            if digit > 9:
                digit -= 9
        total += digit
    return total % 10 == 0


# --- Medicare card ----------------------------------------------------------------------
# Services Australia layout: 8-digit identifier whose first digit is 2-6, a check digit,
# then the card issue number (1-9). The IRN (the person's line on the card) is separate.
MEDICARE_WEIGHTS = (1, 3, 7, 9, 1, 3, 7, 9)


def check_medicare_number(value: str) -> str:
    number = _compact(value)
    if not number.isdigit():
        raise IdentifierError("A Medicare card number has digits only.")
    if len(number) == 11:
        raise IdentifierError(
            "Enter the 10-digit card number here and the person's number on the card (IRN) "
            "in its own field."
        )
    if len(number) != 10:
        raise IdentifierError(f"A Medicare card number has 10 digits; this one has {len(number)}.")
    if number[0] not in "23456":
        raise IdentifierError("A Medicare card number starts with 2, 3, 4, 5 or 6.")
    expected = sum(int(d) * w for d, w in zip(number[:8], MEDICARE_WEIGHTS, strict=True)) % 10
    if int(number[8]) != expected:
        raise IdentifierError(
            "This Medicare card number fails its check digit (the 9th digit); "
            "please re-check it against the card."
        )
    if number[9] == "0":
        raise IdentifierError("The 10th digit (the card's issue number) cannot be 0.")
    return number


def check_medicare_irn(value: str | int) -> int:
    text = str(value).strip()
    if not text.isdigit() or not 1 <= int(text) <= 9:
        raise IdentifierError(
            "The IRN is the single digit 1-9 beside the person's name on the card."
        )
    return int(text)


# --- Medicare provider number ------------------------------------------------------------
# 6-digit stem (legacy 5-digit stems are left-padded with 0), a practice-location
# character and a check character.
_PROVIDER_LOCATION_CHARS = "0123456789ABCDEFGHJKLMNPQRTUVWXY"  # no I, O, S or Z
_PROVIDER_CHECK_CHARS = "YXWTLKJHFBA"
_PROVIDER_WEIGHTS = (3, 5, 8, 4, 2, 1)


def provider_check_character(stem: str, location: str) -> str:
    location_value = _PROVIDER_LOCATION_CHARS.index(location)
    total = sum(int(d) * w for d, w in zip(stem, _PROVIDER_WEIGHTS, strict=True))
    return _PROVIDER_CHECK_CHARS[(total + location_value * 6) % 11]


def check_provider_number(value: str) -> str:
    number = _compact(value)
    if len(number) == 7:
        number = "0" + number
    if len(number) != 8:
        raise IdentifierError(
            "A Medicare provider number has 8 characters: 6 digits, a location character "
            "and a check letter (for example 2123456A)."
        )
    stem, location, check = number[:6], number[6], number[7]
    if not stem.isdigit():
        raise IdentifierError("The first 6 characters of a provider number are digits.")
    if location not in _PROVIDER_LOCATION_CHARS:
        raise IdentifierError(
            f"{location!r} cannot be a provider number's location character "
            "(a digit or a letter other than I, O, S and Z)."
        )
    if check != provider_check_character(stem, location):
        raise IdentifierError(
            "This provider number fails its check character (the last letter); "
            "please re-check it against the referral."
        )
    return number


# --- Healthcare identifiers (HI Service) -----------------------------------------------
HPI_I_PREFIX = "800361"
HPI_O_PREFIX = "800362"
IHI_PREFIX = "800360"
_HI_NAMES = {HPI_I_PREFIX: "HPI-I", HPI_O_PREFIX: "HPI-O", IHI_PREFIX: "IHI"}


def _check_healthcare_identifier(value: str, prefix: str) -> str:
    name = _HI_NAMES[prefix]
    number = _compact(value)
    if not number.isdigit() or len(number) != 16:
        raise IdentifierError(f"An {name} has 16 digits.")
    if not number.startswith(prefix):
        raise IdentifierError(f"An {name} starts with {prefix}.")
    if not luhn_valid(number):
        raise IdentifierError(f"This {name} fails its check digit; please re-check it.")
    return number


def check_hpii(value: str) -> str:
    return _check_healthcare_identifier(value, HPI_I_PREFIX)


def check_hpio(value: str) -> str:
    return _check_healthcare_identifier(value, HPI_O_PREFIX)


def check_ihi(value: str) -> str:
    return _check_healthcare_identifier(value, IHI_PREFIX)


# --- ABN -------------------------------------------------------------------------------
# ABR: subtract 1 from the first digit, weight, and the sum must divide by 89.
ABN_WEIGHTS = (10, 1, 3, 5, 7, 9, 11, 13, 15, 17, 19)


def check_abn(value: str) -> str:
    number = _compact(value)
    if not number.isdigit() or len(number) != 11:
        raise IdentifierError("An ABN has 11 digits.")
    digits = [int(d) for d in number]
    digits[0] -= 1
    if sum(d * w for d, w in zip(digits, ABN_WEIGHTS, strict=True)) % 89 != 0:
        raise IdentifierError("This ABN fails its checksum; please re-check it on ABN Lookup.")
    return number


def format_abn(number: str) -> str:
    return f"{number[:2]} {number[2:5]} {number[5:8]} {number[8:]}" if len(number) == 11 else number


# --- Ahpra -----------------------------------------------------------------------------
_AHPRA = re.compile(r"^[A-Z]{3}[0-9]{10}$")


def check_ahpra_registration(value: str) -> str:
    number = _compact(value)
    if not _AHPRA.match(number):
        raise IdentifierError(
            "An Ahpra registration number is 3 letters and 10 digits, for example PSY0001234567."
        )
    return number


# --- States and postcodes --------------------------------------------------------------
STATES = {
    "ACT": "Australian Capital Territory",
    "NSW": "New South Wales",
    "NT": "Northern Territory",
    "QLD": "Queensland",
    "SA": "South Australia",
    "TAS": "Tasmania",
    "VIC": "Victoria",
    "WA": "Western Australia",
}

# Australia Post's postcode ranges by state and territory (delivery and PO box ranges).
POSTCODE_RANGES = {
    "NSW": [(1000, 1999), (2000, 2599), (2619, 2899), (2921, 2999)],
    "ACT": [(200, 299), (2600, 2618), (2900, 2920)],
    "VIC": [(3000, 3999), (8000, 8999)],
    "QLD": [(4000, 4999), (9000, 9999)],
    "SA": [(5000, 5799), (5800, 5999)],
    "WA": [(6000, 6797), (6800, 6999)],
    "TAS": [(7000, 7799), (7800, 7999)],
    "NT": [(800, 899), (900, 999)],
}


# Postcodes whose delivery area crosses a border (Australia Post): Hume and Tharwa are
# ACT 2620 while Queanbeyan is NSW 2620; Mungindi, Texas and Goondiwindi's neighbours
# straddle the Queensland line; 0872 spans three.
SHARED_POSTCODES = {
    "0872": frozenset({"NT", "SA", "WA"}),
    "2406": frozenset({"NSW", "QLD"}),
    "2540": frozenset({"NSW", "ACT"}),
    "2611": frozenset({"ACT", "NSW"}),
    "2618": frozenset({"ACT", "NSW"}),
    "2620": frozenset({"ACT", "NSW"}),
    "3585": frozenset({"VIC", "NSW"}),
    "3586": frozenset({"VIC", "NSW"}),
    "3644": frozenset({"VIC", "NSW"}),
    "3691": frozenset({"VIC", "NSW"}),
    "3707": frozenset({"VIC", "NSW"}),
    "4375": frozenset({"QLD", "NSW"}),
    "4377": frozenset({"QLD", "NSW"}),
    "4380": frozenset({"QLD", "NSW"}),
    "4383": frozenset({"QLD", "NSW"}),
    "4385": frozenset({"QLD", "NSW"}),
    "4825": frozenset({"QLD", "NT"}),
}


def check_state(value: str) -> str:
    state = (value or "").strip().upper()
    if state not in STATES:
        raise IdentifierError(
            "Choose an Australian state or territory: " + ", ".join(sorted(STATES)) + "."
        )
    return state


def state_for_postcode(postcode: str) -> str | None:
    number = int(postcode)
    for state, ranges in POSTCODE_RANGES.items():
        if any(low <= number <= high for low, high in ranges):
            return state
    return None


def check_postcode(value: str, state: str | None = None) -> str:
    postcode = _compact(value)
    if not postcode.isdigit() or len(postcode) != 4:
        raise IdentifierError("An Australian postcode has 4 digits (for example 2000 or 0800).")
    postcode_state = state_for_postcode(postcode)
    if postcode_state is None:
        raise IdentifierError(f"{postcode} is not in any Australian state's postcode range.")
    if (
        state
        and check_state(state) != postcode_state
        and check_state(state) not in SHARED_POSTCODES.get(postcode, ())
    ):
        raise IdentifierError(
            f"Postcode {postcode} belongs to {postcode_state}, not {check_state(state)}."
        )
    return postcode
