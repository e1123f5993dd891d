"""A clinician's diary: the sessions of a day or a week, and the clash check that
booking runs. The rules are in `scheduling`; this module feeds them from the database."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from django.utils import timezone

from . import scheduling
from .models import SessionStatus, TherapySession

if TYPE_CHECKING:
    from careloop.practices.models import Practice, User


def start_of(day: date, zone: ZoneInfo) -> datetime:
    """Midnight at the start of `day` in the practice's zone. Australian clocks change
    at 2 or 3 in the morning, so midnight always exists and happens once."""
    return datetime.combine(day, time.min, tzinfo=zone)


def clashing_sessions(
    *,
    practice: Practice,
    clinician: User,
    starts_at: datetime,
    minutes: int,
    exclude_pk: int | None = None,
) -> list[TherapySession]:
    """The clinician's other sessions, not cancelled, that a session at `starts_at`
    lasting `minutes` would overlap, earliest first."""
    nearby = (
        TherapySession.objects.for_practice(practice)
        .filter(
            clinician=clinician,
            starts_at__gt=starts_at - scheduling.LONGEST_SESSION,
            starts_at__lt=starts_at + timedelta(minutes=minutes),
        )
        .exclude(status=SessionStatus.CANCELLED)
        .select_related("client", "clinician")
    )
    if exclude_pk is not None:
        nearby = nearby.exclude(pk=exclude_pk)
    candidate = scheduling.Slot(starts_at, minutes, None)
    slots = (scheduling.Slot(s.starts_at, s.duration_minutes, s) for s in nearby)
    return [slot.key for slot in scheduling.clashes(candidate, slots)]


def client_initials(session: TherapySession) -> str:
    client = session.client
    return f"{client.given_name[:1]}{client.family_name[:1]}".upper()


def clash_message(other: TherapySession, zone: ZoneInfo) -> str:
    """Names the other session by its time and the client's initials: enough for staff
    to find it, without spelling out another client's name on this client's form."""
    starts = timezone.localtime(other.starts_at, zone)
    ends = starts + timedelta(minutes=other.duration_minutes)
    return (
        f"{other.clinician} already has a session from {starts:%H:%M} to {ends:%H:%M} on "
        f"{starts:%a %d/%m/%Y} (client {client_initials(other)})."
    )


# What each one-tap button says; undoing is its own word, not "Booked".
BUTTON_LABELS = {
    scheduling.ATTENDED: "Attended",
    scheduling.NO_SHOW: "Did not attend",
    scheduling.CANCELLED: "Cancelled",
    scheduling.BOOKED: "Undo",
}


@dataclass(frozen=True)
class Entry:
    """A session as the diary shows it."""

    session: TherapySession
    ends_at: datetime
    choices: list[tuple[str, str]]
    double_booked: bool


def entry_for(session: TherapySession, *, now: datetime, double_booked: bool) -> Entry:
    targets = scheduling.one_tap_choices(session.status, starts_at=session.starts_at, now=now)
    return Entry(
        session=session,
        ends_at=session.starts_at + timedelta(minutes=session.duration_minutes),
        choices=[(target, BUTTON_LABELS[target]) for target in targets],
        double_booked=double_booked,
    )


@dataclass
class DiaryDay:
    day: date
    entries: list[Entry] = field(default_factory=list)


def diary_days(
    practice: Practice, clinician: User, days: list[date], *, now: datetime
) -> list[DiaryDay]:
    """The clinician's sessions on `days` (consecutive), each day in time order, every
    entry carrying its one-tap choices and whether it is double-booked. One query."""
    zone = practice.zoneinfo
    sessions = list(
        TherapySession.objects.for_practice(practice)
        .filter(
            clinician=clinician,
            starts_at__gte=start_of(days[0], zone),
            starts_at__lt=start_of(days[-1] + timedelta(days=1), zone),
        )
        .select_related("client", "clinician")
        .order_by("starts_at", "pk")
    )
    flagged = scheduling.double_booked(
        scheduling.Slot(s.starts_at, s.duration_minutes, s.pk)
        for s in sessions
        if s.status != SessionStatus.CANCELLED
    )
    by_day = {day: DiaryDay(day) for day in days}
    for session in sessions:
        local_day = timezone.localtime(session.starts_at, zone).date()
        by_day[local_day].entries.append(
            entry_for(session, now=now, double_booked=session.pk in flagged)
        )
    return list(by_day.values())


def entry_now(session: TherapySession, *, now: datetime) -> Entry:
    """One entry on its own, after a tap changed it (an htmx swap)."""
    double = session.status != SessionStatus.CANCELLED and bool(
        clashing_sessions(
            practice=session.practice,
            clinician=session.clinician,
            starts_at=session.starts_at,
            minutes=session.duration_minutes,
            exclude_pk=session.pk,
        )
    )
    return entry_for(session, now=now, double_booked=double)
