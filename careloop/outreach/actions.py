"""Every write of the relationship records: each takes who acted (`by`) and how
(`via`), and is audited."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils import timezone

from careloop.audit.actions import JOB, Via, record, record_change
from careloop.lib.business_days import add_business_days
from careloop.practices.models import ClinicianProfile, Role, User

from . import cadence, relationships
from .models import (
    Activity,
    ActivityKind,
    CalendarFeed,
    DoctorPreference,
    MedicalPracticePreference,
    OutreachEvent,
    OutreachSettings,
    OutreachTask,
    TaskSource,
)

if TYPE_CHECKING:
    from careloop.directory.models import Doctor, MedicalPractice
    from careloop.practices.models import Practice
    from careloop.referrals.models import Referral


class OutreachError(ValueError):
    """The write cannot be right as asked; nothing was changed."""


def _person(by: User | None) -> User:
    if by is None or not getattr(by, "is_authenticated", False):
        raise PermissionDenied("Only a person can do this.")
    return by


def _now_date(practice: Practice) -> date:
    return practice.today()


# Activities ----------------------------------------------------------------------


def log_activity(
    activity: Activity,
    *,
    practice: Practice,
    by: User | None,
    via: Via,
    staff: Iterable[User] = (),
    niches_explained: Iterable[Any] = (),
    completes: OutreachTask | None = None,
) -> Activity:
    """Save a contact with a doctor or medical practice. Its next step, if dated,
    becomes a task for the person logging it. Open cadence tasks for the same doctor
    (or medical practice) are done by it, and so is `completes`."""
    if activity.doctor_id is None and activity.medical_practice_id is None:
        raise OutreachError("Choose the doctor or the medical practice this was with.")
    if activity.kind == ActivityKind.REFERRAL and activity.referral_id is None:
        raise OutreachError("Referrals are logged by Careloop when they arrive.")
    if activity.next_step_due and not activity.next_step:
        raise OutreachError("Say what the next step is, or leave its date empty.")
    with transaction.atomic():
        activity.practice = practice
        if activity.logged_by_id is None and by is not None and by.is_authenticated:
            activity.logged_by = by
        activity.save()
        activity.staff.set(list(staff))
        activity.niches_explained.set(list(niches_explained))
        record_change(
            activity,
            by=by,
            via=via,
            client=None,
            created=True,
            changed_fields=[activity.get_kind_display().lower()],
        )
        if activity.next_step and activity.next_step_due:
            task = OutreachTask.objects.create(
                practice=practice,
                source=TaskSource.NEXT_STEP,
                title=activity.next_step,
                doctor_id=activity.doctor_id,
                medical_practice_id=activity.medical_practice_id,
                from_activity=activity,
                assigned_to=activity.logged_by,
                due_on=activity.next_step_due,
            )
            record_change(task, by=by, via=via, client=None, created=True)
        if activity.kind != ActivityKind.REFERRAL:
            open_tasks = OutreachTask.objects.for_practice(practice).filter(done_at__isnull=True)
            if activity.doctor_id:
                cadence_tasks = open_tasks.filter(doctor_id=activity.doctor_id)
            else:
                cadence_tasks = open_tasks.filter(
                    medical_practice_id=activity.medical_practice_id, doctor__isnull=True
                )
            to_close = list(cadence_tasks.exclude(source=TaskSource.NEXT_STEP))
            if completes is not None and completes.done_at is None:
                to_close.append(completes)
            for task in {t.pk: t for t in to_close}.values():
                _close(task, activity, by=by, via=via)
    return activity


def _close(task: OutreachTask, activity: Activity | None, *, by: User | None, via: Via) -> None:
    task.done_at = timezone.now()
    task.done_by_activity = activity
    task.save(update_fields=["done_at", "done_by_activity", "updated_at"])
    record_change(task, by=by, via=via, client=None, created=False, changed_fields=["done"])


def log_referral_received(referral: Referral) -> Activity | None:
    """The automatic "referral received" on the referring doctor's timeline: once per
    referral, however often the event is delivered."""
    if referral.referring_doctor_id is None:
        return None
    existing = Activity.objects.for_practice(referral.practice_id).filter(referral=referral)
    if existing.exists():
        return None
    try:
        with transaction.atomic():
            activity = Activity.objects.create(
                practice_id=referral.practice_id,
                kind=ActivityKind.REFERRAL,
                occurred_on=referral.referral_date,
                doctor_id=referral.referring_doctor_id,
                referral=referral,
                summary=f"Referral {referral.reference}",
            )
            record_change(activity, by=None, via=JOB, client=referral.client, created=True)
    except IntegrityError:
        return None  # logged by another delivery of the same event
    return activity


# Do not contact and preferences ----------------------------------------------------


def doctor_preference(doctor: Doctor) -> DoctorPreference:
    pref = DoctorPreference.objects.for_practice(doctor.practice_id).filter(doctor=doctor).first()
    return pref or DoctorPreference(practice=doctor.practice, doctor=doctor)


def medical_practice_preference(medical_practice: MedicalPractice) -> MedicalPracticePreference:
    pref = (
        MedicalPracticePreference.objects.for_practice(medical_practice.practice_id)
        .filter(medical_practice=medical_practice)
        .first()
    )
    return pref or MedicalPracticePreference(
        practice=medical_practice.practice, medical_practice=medical_practice
    )


Preference = DoctorPreference | MedicalPracticePreference


def set_do_not_contact(pref: Preference, *, reason: str, by: User | None, via: Via) -> Preference:
    """Only a person sets "do not contact", with a reason; it closes the open tasks
    for that doctor or medical practice and blocks every outreach channel."""
    person = _person(by)
    reason = reason.strip()
    if not reason:
        raise OutreachError("Say why they are not to be contacted.")
    with transaction.atomic():
        created = pref.pk is None
        pref.do_not_contact = True
        pref.do_not_contact_reason = reason[:200]
        pref.do_not_contact_set_by = person
        pref.do_not_contact_set_at = timezone.now()
        pref.save()
        record_change(
            pref,
            by=by,
            via=via,
            client=None,
            created=created,
            changed_fields=["do not contact"],
            label=f"Do not contact: {_subject(pref)}",
        )
        tasks = OutreachTask.objects.for_practice(pref.practice_id).filter(done_at__isnull=True)
        if isinstance(pref, DoctorPreference):
            tasks = tasks.filter(doctor_id=pref.doctor_id)
        else:
            tasks = tasks.filter(medical_practice_id=pref.medical_practice_id)
        for task in tasks:
            _close(task, None, by=by, via=via)
    return pref


def clear_do_not_contact(pref: Preference, *, by: User | None, via: Via) -> Preference:
    _person(by)
    if pref.pk is None or not pref.do_not_contact:
        return pref
    with transaction.atomic():
        pref.do_not_contact = False
        pref.do_not_contact_reason = ""
        pref.do_not_contact_set_by = None
        pref.do_not_contact_set_at = None
        pref.save()
        record_change(
            pref,
            by=by,
            via=via,
            client=None,
            created=False,
            changed_fields=["do not contact cleared"],
            label=f"Contact allowed again: {_subject(pref)}",
        )
    return pref


def _subject(pref: Preference) -> str:
    if isinstance(pref, DoctorPreference):
        return str(pref.doctor)
    return str(pref.medical_practice)


def save_preferences(
    pref: Preference, *, changed_fields: Iterable[str], by: User | None, via: Via
) -> Preference:
    with transaction.atomic():
        created = pref.pk is None
        pref.save()
        record_change(
            pref,
            by=by,
            via=via,
            client=None,
            created=created,
            changed_fields=changed_fields,
            label=f"Preferences of {_subject(pref)}",
        )
    return pref


# Openings --------------------------------------------------------------------------


def may_update_openings(by: User, profile: ClinicianProfile) -> bool:
    return by.pk == profile.user_id or (
        by.role == Role.OWNER and by.practice_id == profile.user.practice_id
    )


def update_openings(
    profile: ClinicianProfile,
    *,
    accepting_referrals: bool,
    urgent_slots_this_week: int,
    current_wait_days: int | None,
    niches: Iterable[Any] | None = None,
    by: User | None,
    via: Via,
) -> ClinicianProfile:
    """A clinician's own capacity now (or their owner's update of it)."""
    person = _person(by)
    if not may_update_openings(person, profile):
        raise PermissionDenied("Only the clinician or the practice owner can change this.")
    with transaction.atomic():
        profile.accepting_referrals = accepting_referrals
        profile.urgent_slots_this_week = urgent_slots_this_week
        profile.current_wait_days = current_wait_days
        profile.openings_updated_at = timezone.now()
        profile.save()
        if niches is not None:
            profile.niches.set(list(niches))
        record(
            profile.user,
            action="update",
            by=by,
            via=via,
            changed_fields=["openings"],
            label=f"Openings of {profile.user.get_full_name()}",
        )
    return profile


# Tasks -----------------------------------------------------------------------------


def snooze_task(
    task: OutreachTask, *, until: date, reason: str, by: User | None, via: Via
) -> OutreachTask:
    reason = reason.strip()
    if not reason:
        raise OutreachError("Say why it waits, so the next person knows.")
    if until <= task.practice.today():
        raise OutreachError("Snooze it until a day after today.")
    with transaction.atomic():
        task.snoozed_until = until
        task.snooze_reason = reason[:200]
        task.save(update_fields=["snoozed_until", "snooze_reason", "updated_at"])
        record_change(task, by=by, via=via, client=None, created=False, changed_fields=["snoozed"])
    return task


def raise_due_tasks(practice: Practice, *, today: date | None = None) -> list[OutreachTask]:
    """The cadence job for one practice: create the tasks that have fallen due, once
    each (an open task of the same rule for the same doctor blocks a second). Returns
    the tasks created."""
    today = today or practice.today()
    settings = OutreachSettings.objects.for_practice(practice).first() or OutreachSettings()
    rules = cadence.Rules(
        referrer_contact_every_days=settings.referrer_contact_every_days,
        thank_you_within_business_days=settings.thank_you_within_business_days,
        introduced_follow_up_after_days=settings.introduced_follow_up_after_days,
        call_lapsed_referrers=settings.call_lapsed_referrers,
    )
    members = {
        u.pk: u for u in User.objects.filter(practice=practice, is_active=True).order_by("pk")
    }
    owner = next((u for u in members.values() if u.role == Role.OWNER), None)
    from careloop.directory.models import Doctor

    names = {}
    new_tasks = []
    found = []
    for situation in relationships.situations(practice, today):
        dues = cadence.due_for(
            rules,
            today=today,
            verdict=situation.verdict,
            referral_dates=situation.referral_dates,
            contacts=situation.contacts,
            update_every_days=situation.update_every_days,
            add_business_days=lambda day, n: add_business_days(day, n, practice.state),
        )
        if dues:
            found.append((situation, dues))
    if found:
        names = {
            d.pk: d.display_name
            for d in Doctor.objects.for_practice(practice)
            .filter(pk__in=[s.doctor_id for s, _ in found])
            .only("pk", "title", "given_name", "family_name")
        }
    for situation, dues in found:
        last = situation.contacts.last
        responsible = members.get(last[2]) if last and last[2] else None
        if responsible is None and situation.last_referral_clinician_id:
            responsible = members.get(situation.last_referral_clinician_id)
        responsible = responsible or owner
        for due in dues:
            new_tasks.append(
                OutreachTask(
                    practice=practice,
                    source=due.source,
                    title=f"{TaskSource(due.source).label}: {names.get(situation.doctor_id, '')}",
                    doctor_id=situation.doctor_id,
                    assigned_to=responsible,
                    due_on=due.due_on,
                    snooze_reason="",
                )
            )
    if not new_tasks:
        return []
    with transaction.atomic():
        open_keys = set(
            OutreachTask.objects.for_practice(practice)
            .filter(done_at__isnull=True)
            .exclude(source=TaskSource.NEXT_STEP)
            .values_list("source", "doctor_id")
        )
        fresh = [t for t in new_tasks if (t.source, t.doctor_id) not in open_keys]
        # A concurrent run may have raised the same task: the constraint keeps one.
        OutreachTask.objects.bulk_create(fresh, ignore_conflicts=True)
        created = list(
            OutreachTask.objects.for_practice(practice).filter(uuid__in=[t.uuid for t in fresh])
        )
        for task in created:
            record_change(task, by=None, via=JOB, client=None, created=True)
    return created


# Events ----------------------------------------------------------------------------


def save_event(
    event: OutreachEvent,
    *,
    practice: Practice,
    niches: Iterable[Any] | None,
    changed_fields: Iterable[str],
    by: User | None,
    via: Via,
) -> OutreachEvent:
    if event.ends_on and event.ends_on < event.starts_on:
        raise OutreachError("An event cannot end before it starts.")
    with transaction.atomic():
        created = event.pk is None
        event.practice = practice
        event.save()
        if niches is not None:
            event.niches.set(list(niches))
        record_change(
            event, by=by, via=via, client=None, created=created, changed_fields=changed_fields
        )
    return event


def delete_event(event: OutreachEvent, *, by: User | None, via: Via) -> None:
    with transaction.atomic():
        record(event, action="update", by=by, via=via, changed_fields=["deleted"], label=str(event))
        event.delete()


# Settings --------------------------------------------------------------------------


def outreach_settings(practice: Practice) -> OutreachSettings:
    return OutreachSettings.objects.for_practice(practice).first() or OutreachSettings(
        practice=practice
    )


def save_settings(
    settings: OutreachSettings,
    *,
    reaches: dict[Any, int | None],
    changed_fields: Iterable[str],
    by: User | None,
    via: Via,
) -> OutreachSettings:
    """Cadences and search radii: the owner's to set. `reaches` maps a niche to its
    radius in km (None: the general radius applies)."""
    from .models import NicheReach

    person = _person(by)
    if person.role != Role.OWNER:
        raise PermissionDenied("Only the practice owner can change the outreach routine.")
    with transaction.atomic():
        created = settings.pk is None
        settings.save()
        for niche, radius in reaches.items():
            if radius:
                NicheReach.objects.for_practice(settings.practice).update_or_create(
                    practice=settings.practice, niche=niche, defaults={"radius_km": radius}
                )
            else:
                NicheReach.objects.for_practice(settings.practice).filter(niche=niche).delete()
        record_change(
            settings,
            by=by,
            via=via,
            client=None,
            created=created,
            changed_fields=changed_fields,
            label="Outreach routine",
        )
    return settings


# Calendar feed ---------------------------------------------------------------------


def active_feed(user: User) -> CalendarFeed | None:
    return (
        CalendarFeed.objects.for_practice(user.practice_id)
        .filter(user=user, revoked_at__isnull=True)
        .first()
    )


def new_feed(user: User, *, by: User | None, via: Via) -> CalendarFeed:
    """A new personal feed address; the old one, if any, stops working."""
    if user.practice is None:
        raise PermissionDenied("This account does not belong to a practice.")
    with transaction.atomic():
        revoke_feed(user, by=by, via=via)
        feed = CalendarFeed.objects.create(practice=user.practice, user=user)
        record_change(feed, by=by, via=via, client=None, created=True, label="Calendar feed")
    return feed


def revoke_feed(user: User, *, by: User | None, via: Via) -> int:
    feeds = list(
        CalendarFeed.objects.for_practice(user.practice_id).filter(
            user=user, revoked_at__isnull=True
        )
    )
    for feed in feeds:
        feed.revoked_at = timezone.now()
        feed.save(update_fields=["revoked_at", "updated_at"])
        record_change(
            feed,
            by=by,
            via=via,
            client=None,
            created=False,
            changed_fields=["revoked"],
            label="Calendar feed",
        )
    return len(feeds)
