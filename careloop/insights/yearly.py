"""The referring doctor's yearly summary: how the practice did by their patients, in
aggregate only. A doctor with fewer than 5 patients seen gets no figures at all (a
count that small could name someone), the share improved needs 5 clients who agreed to
share their scores, and nobody marked "do not contact" is offered one."""

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db.models import Case, Count, Q, Value, When

from careloop.directory.models import Doctor, doctor_name
from careloop.outreach.models import DetailLevel, DoctorPreference, MedicalPracticePreference
from careloop.practices.models import ClinicianProfile, Practice

from .models import DoctorYear, ScoreChange
from .outcomes import MIN_CELL
from .queries import sharing_consents
from .summaries import counted_live, seen_in_year, year_start


@dataclass
class Openings:
    accepting: int
    shortest_wait_days: int | None
    urgent_slots: int


@dataclass
class Summary:
    doctor: Doctor
    patients_seen: int
    mean_sessions: float | None
    improved: int | None  # clients whose K10 improved, of `measured`
    measured: int
    detail: str = DetailLevel.STANDARD
    blocked: str = ""  # why it is not offered, if it is not
    lines: list[str] = field(default_factory=list)

    @property
    def share_improved(self) -> float | None:
        if self.improved is None or not self.measured:
            return None
        return self.improved / self.measured

    @property
    def offered(self) -> bool:
        return not self.blocked


def openings(practice: Practice) -> Openings:
    profiles = list(
        ClinicianProfile.objects.filter(
            user__practice=practice, user__is_active=True, accepting_referrals=True
        ).values_list("current_wait_days", "urgent_slots_this_week")
    )
    waits = [w for w, _ in profiles if w is not None]
    return Openings(len(profiles), min(waits) if waits else None, sum(u for _, u in profiles))


@dataclass(frozen=True)
class Referrer:
    """A doctor whose patients were first seen in the last 12 months, counted: enough
    to list and sort every such doctor without loading them."""

    doctor_id: int
    name: str
    patients: int
    sessions: int
    blocked: str

    @property
    def offered(self) -> bool:
        return not self.blocked


NAME_FIELDS = ("doctor__title", "doctor__given_name", "doctor__family_name")


def _counted(practice: Practice, today: date):
    """The kept counts when they are of the year to today, else counted live."""
    since = year_start(today)
    kept_since = (
        DoctorYear.objects.filter(practice=practice).values_list("since", flat=True).first()
    )
    if kept_since == since:
        return DoctorYear.objects.filter(practice=practice, since=since).values(
            "doctor_id", "patients", "sessions"
        )
    return counted_live(practice, today)


def _do_not_contact(practice: Practice) -> set[int]:
    return set(
        DoctorPreference.objects.filter(practice=practice, do_not_contact=True).values_list(
            "doctor_id", flat=True
        )
    ) | set(
        Doctor.medical_practices.through.objects.filter(
            medicalpractice_id__in=MedicalPracticePreference.objects.filter(
                practice=practice, do_not_contact=True
            ).values("medical_practice_id"),
        ).values_list("doctor_id", flat=True)
    )


@dataclass(frozen=True)
class Listing:
    referrers: list[Referrer]
    doctors: int  # in all
    ready: int  # with a letter ready


def referrers_page(
    practice: Practice,
    today: date,
    *,
    doctor_ids: Iterable[int] | None = None,
    offset: int = 0,
    limit: int | None = None,
) -> Listing:
    """The doctors whose patients were first seen in the last 12 months (or only those
    given), letters ready first, then by patients seen: sorted and cut in the database,
    with how many there are and how many have a letter ready."""
    do_not_contact = _do_not_contact(practice)
    counted = _counted(practice, today)
    if doctor_ids is not None:
        counted = counted.filter(doctor_id__in=list(doctor_ids))
    totals = counted.aggregate(
        doctors=Count("doctor_id"),
        ready=Count(
            "doctor_id", filter=Q(patients__gte=MIN_CELL) & ~Q(doctor_id__in=do_not_contact)
        ),
    )
    ordered = (
        counted.annotate(
            standing=Case(
                When(doctor_id__in=do_not_contact, then=Value(1)),
                When(patients__lt=MIN_CELL, then=Value(1)),
                default=Value(0),
            )
        )
        .values("doctor_id", *NAME_FIELDS, "patients", "sessions")
        .order_by("standing", "-patients", *NAME_FIELDS, "doctor_id")
    )
    rows = ordered[offset : offset + limit] if limit is not None else ordered[offset:]
    found = []
    for row in rows:
        doctor_id, patients = row["doctor_id"], row["patients"]
        if doctor_id in do_not_contact:
            blocked = "Do not contact"
        elif patients < MIN_CELL:
            blocked = f"Fewer than {MIN_CELL} patients seen: nothing to report safely"
        else:
            blocked = ""
        name = doctor_name(*(row[f] for f in NAME_FIELDS))
        found.append(Referrer(doctor_id, name, patients, row["sessions"] or 0, blocked))
    return Listing(found, totals["doctors"], totals["ready"])


def referrers(
    practice: Practice, today: date, *, doctor_ids: Iterable[int] | None = None
) -> list[Referrer]:
    """Every doctor whose patients were first seen in the last 12 months (or only those
    given), letters ready first, then by patients seen."""
    return referrers_page(practice, today, doctor_ids=doctor_ids).referrers


def summaries(
    practice: Practice, today: date, *, doctor_ids: Iterable[int] | None = None
) -> list[Summary]:
    """One summary per doctor whose patients were first seen in the last 12 months (or
    only the doctors given), in the order of `referrers`."""
    return summaries_of(practice, today, referrers(practice, today, doctor_ids=doctor_ids))


def summaries_of(practice: Practice, today: date, chosen: Sequence[Referrer]) -> list[Summary]:
    """The summaries of the doctors chosen: their records, preferences and scores."""
    ids = [r.doctor_id for r in chosen]
    reporting = [r.doctor_id for r in chosen if r.patients >= MIN_CELL]
    seen = seen_in_year(practice, today)
    clients_of: dict[int, set[int]] = defaultdict(set)
    for doctor_id, client_id in (
        seen.filter(doctor_id__in=reporting).values_list("doctor_id", "client_id").distinct()
    ):
        clients_of[doctor_id].add(client_id)
    # The letter leaves the practice: only clients whose consent covers their scores.
    k10: dict[int, tuple[float, float]] = (
        {
            client_id: (first, last)
            for client_id, first, last in ScoreChange.objects.filter(
                practice=practice,
                measure="k10",
                client_id__in=seen.filter(doctor_id__in=reporting).values("client_id"),
            )
            .filter(client_id__in=sharing_consents(practice, today).values("client_id"))
            .values_list("client_id", "first_score", "last_score")
        }
        if reporting
        else {}
    )
    doctors = {
        d.pk: d
        for d in Doctor.objects.filter(practice=practice, pk__in=ids).select_related(
            "outreach_preference"
        )
    }
    preferences = dict(
        DoctorPreference.objects.filter(practice=practice, doctor_id__in=ids).values_list(
            "doctor_id", "detail_level"
        )
    )
    out = []
    for referrer in chosen:
        doctor = doctors.get(referrer.doctor_id)
        if doctor is None:
            continue
        patients = referrer.patients
        measured = [k10[c] for c in clients_of.get(referrer.doctor_id, ()) if c in k10]
        improved = sum(1 for first, last in measured if last < first)
        out.append(
            Summary(
                doctor,
                patients,
                round(referrer.sessions / patients, 1) if patients >= MIN_CELL else None,
                improved if len(measured) >= MIN_CELL else None,
                len(measured) if len(measured) >= MIN_CELL else 0,
                preferences.get(referrer.doctor_id, DetailLevel.STANDARD),
                blocked=referrer.blocked,
            )
        )
    return out


def letter_lines(practice: Practice, summary: Summary, opening: Openings) -> list[str]:
    """The letter's paragraphs. Only aggregated figures of 5 clients or more."""
    if not summary.offered:
        return []
    doctor = summary.doctor
    lines = [
        f"Dear {doctor.salutation},",
        f"Thank you for referring your patients to {practice.name} over the past year.",
        f"We saw {summary.patients_seen} of your patients in the last 12 months.",
    ]
    if summary.detail != DetailLevel.BRIEF:
        if summary.mean_sessions is not None:
            plural = "" if summary.mean_sessions == 1 else "s"
            lines.append(f"On average each had {summary.mean_sessions:g} session{plural} with us.")
        if summary.share_improved is not None:
            lines.append(
                f"Of those who completed a K10 at the start and later, and agreed to share "
                f"their scores, {summary.share_improved:.0%} improved."
            )
    if opening.accepting:
        wait = (
            f"a new client currently waits about {opening.shortest_wait_days} days"
            if opening.shortest_wait_days is not None
            else "we are taking new referrals"
        )
        urgent = (
            f", and we hold {opening.urgent_slots} appointment"
            f"{'s' if opening.urgent_slots != 1 else ''} this week for urgent referrals"
            if opening.urgent_slots
            else ""
        )
        lines.append(f"Our current openings: {wait}{urgent}.")
    lines.append("These figures are totals only; no patient can be identified from them.")
    lines.append(f"With thanks,\n{practice.name}")
    return lines


def letter_subject(practice: Practice) -> str:
    return f"Your patients at {practice.name}: the year in summary"


def letter_body(summary: Summary) -> str:
    """The letter as sent: its paragraphs (already totals only), a blank line apart."""
    return "\n\n".join(summary.lines)


PAGE_SIZE = 100


def page(
    practice: Practice,
    today: date,
    *,
    doctor_ids: Iterable[int] | None = None,
    page_number: int | None = None,
) -> dict[str, Any]:
    """The yearly letters: every doctor's (or those given), or one page of PAGE_SIZE of
    them with how many there are in all and how many have a letter ready."""
    if page_number is None:
        listing = referrers_page(practice, today, doctor_ids=doctor_ids)
        pages = max(1, -(-listing.doctors // PAGE_SIZE))
    else:
        first = referrers_page(practice, today, doctor_ids=doctor_ids, limit=0)
        pages = max(1, -(-first.doctors // PAGE_SIZE))
        page_number = min(max(page_number, 1), pages)
        listing = referrers_page(
            practice,
            today,
            doctor_ids=doctor_ids,
            offset=(page_number - 1) * PAGE_SIZE,
            limit=PAGE_SIZE,
        )
    found = summaries_of(practice, today, listing.referrers)
    opening = openings(practice)
    for summary in found:
        summary.lines = letter_lines(practice, summary, opening)
    return {
        "summaries": found,
        "openings": opening,
        "doctors_count": listing.doctors,
        "ready": listing.ready,
        "page_number": page_number or 1,
        "pages": pages,
        "page_size": PAGE_SIZE,
    }
