"""The MBS item table and schedule fees: loading them from CSV (all or nothing) and
finding a session's item and fee."""

import csv
import io
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_CEILING, Decimal, InvalidOperation
from pathlib import Path
from typing import IO, Any, Literal, overload

from django.db import transaction

from .models import MbsFee, MbsItem
from .rules import PROVIDERS, SERVICE_TYPES

DATA_DIR = Path(__file__).resolve().parent / "data"
ITEMS_CSV = DATA_DIR / "mbs_items.csv"
EXAMPLE_FEES_CSV = DATA_DIR / "mbs_fees_example.csv"
SETTINGS = ("in_rooms", "out_of_rooms", "in_person", "video", "phone")
# Medicare pays 85% of the schedule fee for these out-of-hospital items, rounded up to
# the next 5 cents (BETTER_ACCESS.md §3; MBS general explanatory notes).
BENEFIT_RATE = Decimal("0.85")


class ScheduleError(ValueError):
    pass


# A CSV as a file on disk, or as an open (text or binary) file such as an upload.
Source = Path | IO[str] | IO[bytes]


def _read(source: Source) -> list[dict[str, str]]:
    text = source.read_text() if isinstance(source, Path) else source.read()
    if isinstance(text, bytes):
        text = text.decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text)))


def _date(value: str, where: str) -> date | None:
    if not value.strip():
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise ScheduleError(f"{where}: {value!r} is not a date as YYYY-MM-DD") from None


@overload
def _minutes(value: str, where: str, *, required: Literal[True]) -> int: ...
@overload
def _minutes(value: str, where: str, *, required: bool) -> int | None: ...
def _minutes(value: str, where: str, *, required: bool) -> int | None:
    if not value.strip():
        if required:
            raise ScheduleError(f"{where}: minutes are required")
        return None
    if not value.strip().isdigit():
        raise ScheduleError(f"{where}: {value!r} is not a number of minutes")
    return int(value)


def load_items(source: Source) -> int:
    """Replace the item table with a complete CSV. Any bad row refuses the whole file."""
    rows = _read(source)
    required = {
        "item",
        "profession",
        "session_type",
        "setting",
        "min_minutes",
        "max_minutes",
        "valid_from",
        "valid_to",
    }
    if not rows or not required <= set(rows[0]):
        raise ScheduleError("The CSV needs the columns: " + ", ".join(sorted(required)))
    items = []
    for number, row in enumerate(rows, start=2):
        where = f"row {number}"
        if not row["item"].strip().isdigit():
            raise ScheduleError(f"{where}: item {row['item']!r} is not an MBS item number")
        for column, allowed in (
            ("profession", PROVIDERS),
            ("session_type", SERVICE_TYPES),
            ("setting", SETTINGS),
        ):
            if row[column].strip() not in allowed:
                raise ScheduleError(
                    f"{where}: {column} {row[column]!r} is not one of " + ", ".join(allowed)
                )
        valid_from = _date(row["valid_from"], f"{where} valid_from")
        valid_to = _date(row["valid_to"], f"{where} valid_to")
        if valid_from and valid_to and valid_to < valid_from:
            raise ScheduleError(f"{where}: valid_to is before valid_from")
        minimum = _minutes(row["min_minutes"], f"{where} min_minutes", required=True)
        maximum = _minutes(row["max_minutes"], f"{where} max_minutes", required=False)
        if maximum is not None and maximum < minimum:
            raise ScheduleError(f"{where}: max_minutes is below min_minutes")
        items.append(
            MbsItem(
                item=row["item"].strip(),
                profession=row["profession"].strip(),
                session_type=row["session_type"].strip(),
                setting=row["setting"].strip(),
                min_minutes=minimum,
                max_minutes=maximum,
                valid_from=valid_from,
                valid_to=valid_to,
                confidence=(row.get("confidence") or "").strip()[:2],
                source=(row.get("source") or "").strip()[:200],
            )
        )
    with transaction.atomic():
        MbsItem.objects.all().delete()
        MbsItem.objects.bulk_create(items)
    return len(items)


def load_fees(source: Source) -> int:
    """Add or replace schedule fees from a CSV (item, fee, valid_from[, valid_to]).
    Any bad row refuses the whole file."""
    rows = _read(source)
    if not rows or not {"item", "fee", "valid_from"} <= set(rows[0]):
        raise ScheduleError(
            "The CSV needs the columns: item, fee, valid_from (valid_to and source are optional)"
        )
    fees = []
    for number, row in enumerate(rows, start=2):
        where = f"row {number}"
        if not row["item"].strip().isdigit():
            raise ScheduleError(f"{where}: item {row['item']!r} is not an MBS item number")
        try:
            fee = Decimal(row["fee"].strip().lstrip("$"))
        except InvalidOperation:
            raise ScheduleError(f"{where}: fee {row['fee']!r} is not an amount") from None
        # "NaN" and "Infinity" are Decimals too, with no digits to count (and NaN
        # cannot even be compared), so they are refused first.
        exponent = fee.as_tuple().exponent
        if not fee.is_finite() or fee <= 0 or (isinstance(exponent, int) and exponent < -2):
            raise ScheduleError(
                f"{where}: fee {row['fee']!r} must be positive, in dollars and cents"
            )
        valid_from = _date(row["valid_from"], f"{where} valid_from")
        if valid_from is None:
            raise ScheduleError(f"{where}: valid_from is required")
        fees.append(
            (
                row["item"].strip(),
                fee,
                valid_from,
                _date(row.get("valid_to") or "", f"{where} valid_to"),
                (row.get("source") or "").strip()[:200],
            )
        )
    with transaction.atomic():
        for item, fee, valid_from, valid_to, note in fees:
            MbsFee.objects.update_or_create(
                item=item,
                valid_from=valid_from,
                defaults={"fee": fee, "valid_to": valid_to, "source": note},
            )
    return len(fees)


def benefit_of(fee: Decimal) -> Decimal:
    cents = (fee * BENEFIT_RATE * 100 / 5).to_integral_value(rounding=ROUND_CEILING) * 5
    return (cents / 100).quantize(Decimal("0.01"))


@dataclass(frozen=True)
class ItemAndFee:
    item: str
    fee: Decimal | None
    benefit: Decimal | None


def _covers(start: date | None, end: date | None, day: date) -> bool:
    return (start is None or start <= day) and (end is None or day <= end)


class Schedule:
    """The item table and fees in memory: one query each, however many sessions."""

    def __init__(self) -> None:
        self.items = list(MbsItem.objects.all())
        self.fees = list(MbsFee.objects.all())

    def item_for(
        self, *, profession: str, session_type: str, modality: str, minutes: int, on: date
    ) -> str | None:
        setting = modality
        if session_type == "group":
            setting = (
                "video"
                if modality == "video"
                else ("in_person" if modality in ("in_rooms", "out_of_rooms") else modality)
            )
        for row in self.items:
            if (
                row.profession == profession
                and row.session_type == session_type
                and row.setting == setting
                and row.min_minutes <= minutes
                and (row.max_minutes is None or minutes <= row.max_minutes)
                and _covers(row.valid_from, row.valid_to, on)
            ):
                return row.item
        return None

    def fee_for(self, item: str, on: date) -> Decimal | None:
        for row in self.fees:
            if row.item == item and _covers(row.valid_from, row.valid_to, on):
                return row.fee
        return None

    def price(self, **kwargs: Any) -> ItemAndFee | None:
        item = self.item_for(**kwargs)
        if item is None:
            return None
        fee = self.fee_for(item, kwargs["on"])
        return ItemAndFee(item, fee, benefit_of(fee) if fee is not None else None)
