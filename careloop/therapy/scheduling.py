"""The diary's rules, over plain data: which sessions clash, which status changes one
tap may make, and which days a day or week view covers. No ORM here; the forms, the
actions and the diary view feed these functions and act on their answers."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Generic, TypeVar

BOOKED = "booked"
ATTENDED = "attended"
CANCELLED = "cancelled"
NO_SHOW = "no_show"

# The booking form refuses longer sessions, so an earlier session that started more
# than this long ago cannot reach into a new one: the database query for clashes
# looks back this far only.
LONGEST_SESSION = timedelta(minutes=240)

_Key = TypeVar("_Key")


@dataclass(frozen=True)
class Slot(Generic[_Key]):
    """A session's place in a clinician's day. `key` is whatever the caller needs
    back (a session, its id) when this slot turns out to clash."""

    starts_at: datetime
    minutes: int
    key: _Key

    @property
    def ends_at(self) -> datetime:
        return self.starts_at + timedelta(minutes=self.minutes)


def overlaps(a: Slot[Any], b: Slot[Any]) -> bool:
    """Two sessions overlap when each starts before the other ends: one that starts
    exactly as the other ends is back to back, not a clash."""
    return a.starts_at < b.ends_at and b.starts_at < a.ends_at


def clashes(candidate: Slot[Any], others: Iterable[Slot[_Key]]) -> list[Slot[_Key]]:
    """The slots among `others` that `candidate` overlaps, earliest first. The caller
    leaves out cancelled sessions and the candidate itself."""
    found = [other for other in others if overlaps(candidate, other)]
    return sorted(found, key=lambda slot: slot.starts_at)


def double_booked(slots: Iterable[Slot[_Key]]) -> set[_Key]:
    """The keys of the slots that overlap at least one other, for flagging a day."""
    ordered = sorted(slots, key=lambda slot: slot.starts_at)
    flagged: set[_Key] = set()
    for i, slot in enumerate(ordered):
        for later in ordered[i + 1 :]:
            if later.starts_at >= slot.ends_at:
                break
            flagged.update((slot.key, later.key))
    return flagged


# One tap moves a booked session to what happened, and back again to undo a slip.
# Anything else (moving it, changing the client) goes through the booking form.
_ONE_TAP: dict[str, tuple[str, ...]] = {
    BOOKED: (ATTENDED, NO_SHOW, CANCELLED),
    ATTENDED: (BOOKED,),
    NO_SHOW: (BOOKED,),
    CANCELLED: (BOOKED,),
}


def one_tap_refusal(current: str, target: str, *, starts_at: datetime, now: datetime) -> str:
    """Why a one-tap change from `current` to `target` is refused, or "" when it is
    allowed. The messages are for practice staff."""
    if target == current:
        return ""  # a second tap on a stale page: nothing to do, nothing wrong
    if target not in _ONE_TAP.get(current, ()):
        return (
            "This session's status has changed since the page was loaded. Check it and try again."
        )
    if target in (ATTENDED, NO_SHOW) and starts_at > now:
        return "A session in the future cannot be marked attended or missed yet."
    return ""


def one_tap_choices(current: str, *, starts_at: datetime, now: datetime) -> list[str]:
    """The statuses a diary entry offers as buttons."""
    return [
        target
        for target in _ONE_TAP.get(current, ())
        if not one_tap_refusal(current, target, starts_at=starts_at, now=now)
    ]


def view_days(day: date, view: str) -> list[date]:
    """The days a diary page shows: the day itself, or its week from Monday (the
    Australian convention, as in the date formats)."""
    if view != "week":
        return [day]
    monday = day - timedelta(days=day.weekday())
    return [monday + timedelta(days=n) for n in range(7)]


def step(day: date, view: str, direction: int) -> date:
    """The day that the previous (-1) or next (+1) page of the diary opens on."""
    return day + timedelta(days=direction * (7 if view == "week" else 1))
