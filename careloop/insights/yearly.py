"""The referring doctor's yearly summary: how the practice did by their patients, in
aggregate only. A doctor with fewer than 5 patients seen gets no figures at all (a
count that small could name someone), the share improved needs 5 clients who agreed to
share their scores, and nobody marked "do not contact" is offered one."""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from django.db.models import Count

from careloop.directory.models import Doctor
from careloop.measures.models import MeasureResult
from careloop.outreach.models import DetailLevel, DoctorPreference, MedicalPracticePreference
from careloop.practices.models import ClinicianProfile, Practice
from careloop.therapy.models import SessionStatus, TherapySession

from .models import ReferralFact
from .outcomes import MIN_CELL
from .queries import shared_progress_clients


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


def summaries(practice: Practice, today: date) -> list[Summary]:
    """One summary per doctor whose patients were first seen in the last 12 months."""
    start = today - timedelta(days=365)
    seen = list(
        ReferralFact.objects.filter(
            practice=practice, doctor__isnull=False, first_seen_at__date__gte=start
        ).values_list("doctor_id", "referral_id", "referral__client_id")
    )
    clients_of: dict[int, set[int]] = defaultdict(set)
    referrals_of: dict[int, set[int]] = defaultdict(set)
    for doctor_id, referral_id, client_id in seen:
        clients_of[doctor_id].add(client_id)
        referrals_of[doctor_id].add(referral_id)
    sessions = dict(
        TherapySession.objects.filter(
            practice=practice,
            status=SessionStatus.ATTENDED,
            referral_id__in={r for _, r, _ in seen},
        )
        .values("referral_id")
        .annotate(n=Count("id"))
        .values_list("referral_id", "n")
    )
    # The letter leaves the practice: only clients whose consent covers their scores.
    shareable = shared_progress_clients(practice, today)
    firsts: dict[int, float] = {}
    lasts: dict[int, float] = {}
    for client_id, scores in (
        MeasureResult.objects.filter(
            practice=practice,
            measure="k10",
            client_id__in=shareable & {c for _, _, c in seen},
        )
        .order_by("administered_on", "created_at")
        .values_list("client_id", "scores")
    ):
        score = scores[0].get("score") if scores else None
        if score is not None:
            if client_id in firsts:
                lasts[client_id] = score
            else:
                firsts[client_id] = score
    doctors = {
        d.pk: d
        for d in Doctor.objects.filter(practice=practice, pk__in=clients_of.keys()).select_related(
            "outreach_preference"
        )
    }
    blocked: set[int] = set()
    preferences: dict[int, str] = {}
    for doctor_id, do_not_contact, detail in DoctorPreference.objects.filter(
        practice=practice, doctor_id__in=doctors.keys()
    ).values_list("doctor_id", "do_not_contact", "detail_level"):
        preferences[doctor_id] = detail
        if do_not_contact:
            blocked.add(doctor_id)
    blocked_by_practice = set(
        Doctor.medical_practices.through.objects.filter(
            doctor_id__in=doctors.keys(),
            medicalpractice_id__in=MedicalPracticePreference.objects.filter(
                practice=practice, do_not_contact=True
            ).values("medical_practice_id"),
        ).values_list("doctor_id", flat=True)
    )
    out = []
    for doctor_id, clients in clients_of.items():
        doctor = doctors.get(doctor_id)
        if doctor is None:
            continue
        patients = len(clients)
        measured = [c for c in clients if c in lasts]
        improved = sum(1 for c in measured if lasts[c] < firsts[c])
        counts = [sessions.get(r, 0) for r in referrals_of[doctor_id]]
        summary = Summary(
            doctor,
            patients,
            round(sum(counts) / patients, 1) if patients >= MIN_CELL else None,
            improved if len(measured) >= MIN_CELL else None,
            len(measured) if len(measured) >= MIN_CELL else 0,
            preferences.get(doctor_id, DetailLevel.STANDARD),
        )
        if doctor_id in blocked or doctor_id in blocked_by_practice:
            summary.blocked = "Do not contact"
        elif patients < MIN_CELL:
            summary.blocked = f"Fewer than {MIN_CELL} patients seen: nothing to report safely"
        out.append(summary)
    return sorted(out, key=lambda s: (s.blocked != "", -s.patients_seen, str(s.doctor)))


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


def page(practice: Practice, today: date) -> dict[str, Any]:
    found = summaries(practice, today)
    opening = openings(practice)
    for summary in found:
        summary.lines = letter_lines(practice, summary, opening)
    return {"summaries": found, "openings": opening}
