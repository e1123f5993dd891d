"""Reading a relationship's facts from the database for the pure rules in `stages`
and `cadence`: one doctor or medical practice for its page, or every doctor of a
practice at once for the cadence job (a fixed number of queries either way)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import Q

from careloop.directory.models import Doctor, MedicalPractice
from careloop.referrals.models import Referral

from .models import (
    Activity,
    ActivityKind,
    DoctorPreference,
    MedicalPracticePreference,
    OutreachTask,
)
from .stages import Contacts, StageFacts, Verdict, stage_of


def _preference_facts(pref) -> dict:
    if pref is None or not pref.do_not_contact:
        return {}
    set_by = pref.do_not_contact_set_by
    return {
        "do_not_contact": True,
        "do_not_contact_reason": pref.do_not_contact_reason,
        "do_not_contact_set_on": pref.do_not_contact_set_at.date()
        if pref.do_not_contact_set_at
        else None,
        "do_not_contact_set_by": set_by.get_full_name() if set_by else "",
    }


def stage_facts(today: date, referral_dates, contacts: Contacts, pref) -> StageFacts:
    first = contacts.first
    return StageFacts(
        today=today,
        referral_dates=tuple(sorted(referral_dates)),
        first_contact=first[0] if first else None,
        first_contact_kind=ActivityKind(first[1]).label if first else "",
        **_preference_facts(pref),
    )


def _contacts_of(activities) -> Contacts:
    contacts = Contacts()
    for day, kind, logged_by_id in activities.exclude(kind=ActivityKind.REFERRAL).values_list(
        "occurred_on", "kind", "logged_by_id"
    ):
        contacts.add(day, kind, logged_by_id)
    return contacts


def preference_of(doctor: Doctor) -> DoctorPreference | None:
    return (
        DoctorPreference.objects.for_practice(doctor.practice_id)
        .select_related("do_not_contact_set_by")
        .filter(doctor=doctor)
        .first()
    )


def medical_practice_preference_of(medical_practice: MedicalPractice):
    return (
        MedicalPracticePreference.objects.for_practice(medical_practice.practice_id)
        .select_related("do_not_contact_set_by")
        .filter(medical_practice=medical_practice)
        .first()
    )


def doctor_stage(doctor: Doctor, today: date, pref=None) -> Verdict:
    practice_id = doctor.practice_id
    dates = Referral.objects.for_practice(practice_id).filter(referring_doctor=doctor)
    contacts = _contacts_of(Activity.objects.for_practice(practice_id).filter(doctor=doctor))
    return stage_of(
        stage_facts(today, dates.values_list("referral_date", flat=True), contacts, pref)
    )


def medical_practice_stage(medical_practice: MedicalPractice, today: date, pref=None) -> Verdict:
    """Summed over its doctors: their referrals, and contacts with them or the practice."""
    practice_id = medical_practice.practice_id
    doctors = Doctor.medical_practices.through.objects.filter(
        medicalpractice=medical_practice
    ).values("doctor_id")
    dates = Referral.objects.for_practice(practice_id).filter(referring_doctor__in=doctors)
    activities = Activity.objects.for_practice(practice_id).filter(
        Q(medical_practice=medical_practice) | Q(doctor__in=doctors)
    )
    return stage_of(
        stage_facts(
            today, dates.values_list("referral_date", flat=True), _contacts_of(activities), pref
        )
    )


@dataclass
class DoctorSituation:
    """Everything the cadence rules read about one doctor."""

    doctor_id: int
    verdict: Verdict
    referral_dates: list[date]
    contacts: Contacts
    update_every_days: int | None
    last_referral_clinician_id: int | None


def situations(practice, today: date) -> list[DoctorSituation]:
    """Every doctor of the practice who has a referral, a contact or a preference,
    in four queries whatever the number of doctors."""
    referral_dates: dict[int, list[date]] = defaultdict(list)
    last_clinician: dict[int, tuple[date, int | None]] = {}
    for doctor_id, day, clinician_id in (
        Referral.objects.for_practice(practice)
        .filter(referring_doctor__isnull=False)
        .values_list("referring_doctor_id", "referral_date", "assigned_clinician_id")
    ):
        referral_dates[doctor_id].append(day)
        if doctor_id not in last_clinician or last_clinician[doctor_id][0] <= day:
            last_clinician[doctor_id] = (day, clinician_id)
    contacts: dict[int, Contacts] = defaultdict(Contacts)
    for doctor_id, day, kind, logged_by_id in (
        Activity.objects.for_practice(practice)
        .filter(doctor__isnull=False)
        .exclude(kind=ActivityKind.REFERRAL)
        .values_list("doctor_id", "occurred_on", "kind", "logged_by_id")
    ):
        contacts[doctor_id].add(day, kind, logged_by_id)
    prefs = {
        p.doctor_id: p
        for p in DoctorPreference.objects.for_practice(practice).select_related(
            "do_not_contact_set_by"
        )
    }
    result = []
    for doctor_id in sorted(set(referral_dates) | set(contacts) | set(prefs)):
        pref = prefs.get(doctor_id)
        dates = referral_dates.get(doctor_id, [])
        doctor_contacts = contacts.get(doctor_id, Contacts())
        result.append(
            DoctorSituation(
                doctor_id=doctor_id,
                verdict=stage_of(stage_facts(today, dates, doctor_contacts, pref)),
                referral_dates=sorted(dates),
                contacts=doctor_contacts,
                update_every_days=pref.update_every_days if pref else None,
                last_referral_clinician_id=last_clinician.get(doctor_id, (None, None))[1],
            )
        )
    return result


def open_tasks(practice):
    return (
        OutreachTask.objects.for_practice(practice)
        .filter(done_at__isnull=True)
        .select_related("assigned_to", "doctor", "medical_practice")
        .order_by("due_on", "pk")
    )


def due_this_week(user, practice, today: date) -> dict:
    """The dashboard's panel: the signed-in person's open tasks due within a week, not
    snoozed past today (one query)."""
    rows = list(
        open_tasks(practice)
        .filter(assigned_to=user, due_on__lte=today + timedelta(days=7))
        .filter(Q(snoozed_until__isnull=True) | Q(snoozed_until__lte=today))[:9]
    )
    return {"tasks": rows[:8], "more": len(rows) > 8}
