"""Visit days: plan a route through medical practices, and log the visits afterwards.

Writes only; the order comes from routing.py (straight-line, nearest neighbour then
2-opt) and every write is audited.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from careloop.audit.actions import Via, record_change
from careloop.directory.models import MedicalPractice

from . import routing
from .models import Activity, ActivityKind, OutreachTask, TaskSource, VisitPlan, VisitStop
from .prospects import origin_of


class CannotPlan(ValueError):
    pass


def plan_visit_day(
    practice,
    medical_practices: Sequence[MedicalPractice],
    *,
    planned_for: date,
    notes: str = "",
    by,
    via: Via,
) -> VisitPlan:
    """A visit plan with its stops in driving order from the practice. Medical
    practices without coordinates go last, in the order picked."""
    if not medical_practices:
        raise CannotPlan("Pick at least one medical practice to visit.")
    origin = origin_of(practice)
    located = [
        mp for mp in medical_practices if mp.latitude is not None and mp.longitude is not None
    ]
    unlocated = [mp for mp in medical_practices if mp not in located]
    ordered: list[tuple[MedicalPractice, float | None]] = []
    if origin is not None and located:
        points = [(float(mp.latitude), float(mp.longitude)) for mp in located]  # type: ignore[arg-type]
        order = routing.plan_route(origin, points)
        legs = routing.legs_km(origin, points, order)
        ordered = [(located[i], leg) for i, leg in zip(order, legs, strict=True)]
    else:
        unlocated = list(medical_practices)
    ordered += [(mp, None) for mp in unlocated]
    with transaction.atomic():
        plan = VisitPlan.objects.create(
            practice=practice, planned_for=planned_for, planned_by=by, notes=notes
        )
        VisitStop.objects.bulk_create(
            VisitStop(
                practice=practice,
                plan=plan,
                position=position,
                medical_practice=mp,
                distance_from_previous_km=None if leg is None else Decimal(f"{leg:.2f}"),
            )
            for position, (mp, leg) in enumerate(ordered, start=1)
        )
        record_change(
            plan,
            by=by,
            via=via,
            client=None,
            created=True,
            label=f"Visit day {planned_for:%d/%m/%Y}, {len(ordered)} stops",
        )
    return plan


def log_stop_visit(
    stop: VisitStop,
    *,
    people_met: str = "",
    materials_left: str = "",
    asked_for_referrals: bool = False,
    summary: str = "",
    next_step: str = "",
    next_step_due: date | None = None,
    occurred_on: date | None = None,
    by,
    via: Via,
) -> Activity:
    """The visit happened: an activity for the medical practice (its doctors' timelines
    show their practice's visits), and its next step as a due task. Logging a stop
    twice (a double click) returns the first activity."""
    with transaction.atomic():
        locked = VisitStop.objects.select_for_update().select_related("plan").get(pk=stop.pk)
        if locked.logged_activity_id:
            return Activity.objects.get(pk=locked.logged_activity_id)
        plan_day = locked.plan.planned_for
        today = timezone.localdate()
        activity = Activity.objects.create(
            practice=locked.practice,
            kind=ActivityKind.VISIT,
            occurred_on=occurred_on or min(plan_day, today),
            medical_practice_id=locked.medical_practice_id,
            people_met=people_met,
            materials_left=materials_left,
            asked_for_referrals=asked_for_referrals,
            summary=summary,
            next_step=next_step,
            next_step_due=next_step_due if next_step else None,
            logged_by=by,
        )
        if by is not None and getattr(by, "pk", None):
            activity.staff.add(by)
        if next_step and next_step_due:
            task = OutreachTask.objects.create(
                practice=locked.practice,
                source=TaskSource.NEXT_STEP,
                title=next_step,
                medical_practice_id=locked.medical_practice_id,
                from_activity=activity,
                assigned_to=by if getattr(by, "pk", None) else None,
                due_on=next_step_due,
            )
            record_change(task, by=by, via=via, client=None, created=True)
        locked.logged_activity = activity
        locked.save(update_fields=["logged_activity"])
        record_change(activity, by=by, via=via, client=None, created=True)
    stop.logged_activity = activity
    return activity
