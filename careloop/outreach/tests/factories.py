"""Records for the outreach tests."""

from datetime import timedelta

from careloop import testing
from careloop.outreach.models import Activity, ActivityKind, OutreachEvent, OutreachTask, TaskSource


def referrals_every(practice, doctor, *, days, count, last):
    for i in range(count):
        testing.make_referral(
            practice, doctor=doctor, referral_date=last - timedelta(days=days * i)
        )


def make_activity(practice, *, doctor=None, medical_practice=None, kind=ActivityKind.VISIT, **f):
    f.setdefault("occurred_on", practice.today() - timedelta(days=40))
    return Activity.objects.create(
        practice=practice, doctor=doctor, medical_practice=medical_practice, kind=kind, **f
    )


def make_task(practice, *, doctor=None, medical_practice=None, assigned_to=None, **f):
    f.setdefault("due_on", practice.today())
    f.setdefault("source", TaskSource.CADENCE_KEEP_IN_TOUCH)
    f.setdefault("title", "Keep in touch")
    return OutreachTask.objects.create(
        practice=practice,
        doctor=doctor,
        medical_practice=medical_practice,
        assigned_to=assigned_to,
        **f,
    )


def make_event(practice, **f):
    f.setdefault("name", "GP education evening")
    f.setdefault("starts_on", practice.today() + timedelta(days=20))
    return OutreachEvent.objects.create(practice=practice, **f)
