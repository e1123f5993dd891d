"""The stage of real doctors and practices, the automatic referral activity, and the
writes of the relationship records."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.db import transaction

from careloop import testing
from careloop.audit.actions import STAFF_APP, Via
from careloop.audit.models import AuditEvent
from careloop.outreach import actions, relationships
from careloop.outreach.models import (
    Activity,
    ActivityKind,
    OutreachTask,
    Stage,
    TaskSource,
)
from careloop.referrals.intake import IncomingReferral, take_in
from careloop.referrals.models import Referral

from .factories import make_activity, make_task, referrals_every

VIA = Via(STAFF_APP)


def test_a_monthly_referrer_who_stopped_four_months_ago_is_lapsed(alice_practice, doctor):
    today = alice_practice.today()
    referrals_every(alice_practice, doctor, days=30, count=10, last=today - timedelta(days=122))
    verdict = relationships.doctor_stage(doctor, today)
    assert verdict.stage == Stage.LAPSED
    assert verdict.reason == "usually refers every 4 weeks; nothing for 17 weeks"


def test_a_twice_yearly_referrer_four_months_on_is_still_referring(alice_practice, doctor):
    today = alice_practice.today()
    referrals_every(alice_practice, doctor, days=182, count=4, last=today - timedelta(days=122))
    verdict = relationships.doctor_stage(doctor, today)
    assert verdict.stage == Stage.REFERRING
    assert verdict.reason.startswith("usually refers every 6 months")


def test_a_medical_practice_is_judged_over_all_its_doctors(alice_practice, medical_practice):
    today = alice_practice.today()
    # Two doctors who each refer every 8 weeks, a month apart: the practice every 4.
    for offset in (0, 28):
        doctor = testing.make_doctor(alice_practice, medical_practices=[medical_practice])
        referrals_every(
            alice_practice, doctor, days=56, count=5, last=today - timedelta(days=10 + offset)
        )
    verdict = relationships.medical_practice_stage(medical_practice, today)
    assert verdict.stage == Stage.REFERRING
    assert verdict.reason == "usually refers every 4 weeks; nothing for 10 days"


def test_an_outreach_contact_without_referral_is_introduced(alice_practice, doctor, owner):
    make_activity(alice_practice, doctor=doctor, kind=ActivityKind.PHONE_CALL)
    assert relationships.doctor_stage(doctor, alice_practice.today()).stage == Stage.INTRODUCED
    other = testing.make_doctor(alice_practice)
    assert relationships.doctor_stage(other, alice_practice.today()).stage == Stage.NOT_CONTACTED


def test_a_referral_taken_in_is_logged_on_the_doctors_timeline_once(
    alice_practice, doctor, owner, django_capture_on_commit_callbacks
):
    client = testing.make_client(alice_practice)
    incoming = IncomingReferral(
        referral=Referral(referral_date=alice_practice.today()), doctor=doctor, client=client
    )
    with django_capture_on_commit_callbacks(execute=True):
        intake = take_in(alice_practice, incoming, by=owner, via=VIA)
    logged = Activity.objects.get(referral=intake.referral)
    assert (logged.kind, logged.doctor, logged.occurred_on) == (
        ActivityKind.REFERRAL,
        doctor,
        alice_practice.today(),
    )
    # A replayed event logs nothing more.
    assert actions.log_referral_received(intake.referral) is None
    assert Activity.objects.filter(referral=intake.referral).count() == 1


def test_a_self_referral_logs_no_activity(alice_practice):
    referral = testing.make_referral(alice_practice)
    referral.referring_doctor = None
    assert actions.log_referral_received(referral) is None


def test_logging_a_contact_with_a_next_step_makes_a_task_for_the_logger(
    alice_practice, doctor, clinician
):
    today = alice_practice.today()
    cadence_task = make_task(alice_practice, doctor=doctor, assigned_to=clinician)
    activity = Activity(
        kind=ActivityKind.VISIT,
        occurred_on=today,
        doctor=doctor,
        next_step="Drop off referral pads",
        next_step_due=today + timedelta(days=14),
    )
    actions.log_activity(activity, practice=alice_practice, by=clinician, via=VIA)
    task = OutreachTask.objects.get(source=TaskSource.NEXT_STEP)
    assert (task.title, task.assigned_to, task.due_on, task.from_activity) == (
        "Drop off referral pads",
        clinician,
        today + timedelta(days=14),
        activity,
    )
    cadence_task.refresh_from_db()
    assert cadence_task.done_at is not None and cadence_task.done_by_activity == activity
    assert AuditEvent.objects.filter(object_uuid=activity.uuid, actor=clinician).exists()


def test_a_referral_cannot_be_logged_by_hand(alice_practice, doctor, owner):
    activity = Activity(
        kind=ActivityKind.REFERRAL, occurred_on=alice_practice.today(), doctor=doctor
    )
    with pytest.raises(actions.OutreachError):
        actions.log_activity(activity, practice=alice_practice, by=owner, via=VIA)


def test_do_not_contact_is_set_by_a_person_with_a_reason_and_closes_tasks(
    alice_practice, doctor, owner
):
    task = make_task(alice_practice, doctor=doctor, assigned_to=owner)
    pref = actions.doctor_preference(doctor)
    with pytest.raises(PermissionDenied):
        actions.set_do_not_contact(pref, reason="Asked", by=None, via=VIA)
    with pytest.raises(actions.OutreachError):
        actions.set_do_not_contact(pref, reason="  ", by=owner, via=VIA)
    actions.set_do_not_contact(pref, reason="Asked us to stop", by=owner, via=VIA)
    verdict = relationships.doctor_stage(doctor, alice_practice.today(), pref)
    assert verdict.stage == Stage.DO_NOT_CONTACT
    assert "Olivia Owner asked that they not be contacted" in verdict.reason
    task.refresh_from_db()
    assert task.done_at is not None
    actions.clear_do_not_contact(pref, by=owner, via=VIA)
    pref.refresh_from_db()
    assert not pref.do_not_contact
    assert AuditEvent.objects.filter(object_uuid=pref.uuid).count() == 2


def test_only_the_clinician_or_an_owner_updates_openings(alice_practice, clinician, owner):
    profile = clinician.clinician_profile
    other = testing.make_user(alice_practice)
    kwargs = {"accepting_referrals": False, "urgent_slots_this_week": 2, "current_wait_days": 9}
    with pytest.raises(PermissionDenied):
        actions.update_openings(profile, **kwargs, by=other, via=VIA)
    actions.update_openings(profile, **kwargs, by=clinician, via=VIA)
    actions.update_openings(profile, **{**kwargs, "current_wait_days": 5}, by=owner, via=VIA)
    profile.refresh_from_db()
    assert (profile.accepting_referrals, profile.urgent_slots_this_week) == (False, 2)
    assert profile.current_wait_days == 5 and profile.openings_updated_at is not None


def test_a_snooze_needs_a_reason_and_a_later_day(alice_practice, doctor, owner):
    task = make_task(alice_practice, doctor=doctor)
    today = alice_practice.today()
    with pytest.raises(actions.OutreachError):
        actions.snooze_task(task, until=today + timedelta(days=3), reason="", by=owner, via=VIA)
    with pytest.raises(actions.OutreachError):
        actions.snooze_task(task, until=today, reason="On leave", by=owner, via=VIA)
    actions.snooze_task(task, until=today + timedelta(days=3), reason="On leave", by=owner, via=VIA)
    task.refresh_from_db()
    assert (task.snoozed_until, task.snooze_reason) == (today + timedelta(days=3), "On leave")


def test_the_cadence_job_raises_each_task_once_for_the_person_responsible(
    alice_practice, owner, clinician
):
    today = alice_practice.today()
    quiet = testing.make_doctor(alice_practice, family_name="Quiet")
    referrals_every(alice_practice, quiet, days=30, count=8, last=today - timedelta(days=130))
    make_activity(
        alice_practice,
        doctor=quiet,
        kind=ActivityKind.VISIT,
        occurred_on=today - timedelta(days=400),
        logged_by=clinician,
    )
    introduced = testing.make_doctor(alice_practice, family_name="Introduced")
    make_activity(alice_practice, doctor=introduced, occurred_on=today - timedelta(days=31))
    steady = testing.make_doctor(alice_practice, family_name="Steady")
    referrals_every(alice_practice, steady, days=20, count=8, last=today - timedelta(days=5))
    make_activity(alice_practice, doctor=steady, occurred_on=today - timedelta(days=100))
    new = testing.make_doctor(alice_practice, family_name="New")
    testing.make_referral(alice_practice, doctor=new, referral_date=today - timedelta(days=1))
    blocked = testing.make_doctor(alice_practice, family_name="Blocked")
    referrals_every(alice_practice, blocked, days=30, count=8, last=today - timedelta(days=130))
    actions.set_do_not_contact(
        actions.doctor_preference(blocked), reason="Asked", by=owner, via=VIA
    )

    created = actions.raise_due_tasks(alice_practice)
    by_doctor = {(t.doctor.family_name, t.source): t for t in created}
    assert set(by_doctor) == {
        ("Quiet", TaskSource.CADENCE_CALL_LAPSED),
        ("Introduced", TaskSource.CADENCE_FOLLOW_UP),
        ("Steady", TaskSource.CADENCE_KEEP_IN_TOUCH),
        ("New", TaskSource.CADENCE_THANK_YOU),
    }
    assert by_doctor["Quiet", TaskSource.CADENCE_CALL_LAPSED].assigned_to == clinician
    assert by_doctor["Introduced", TaskSource.CADENCE_FOLLOW_UP].assigned_to == owner
    # Again: nothing new while those are open.
    assert actions.raise_due_tasks(alice_practice) == []
    assert OutreachTask.objects.count() == 4


def test_the_open_cadence_constraint_holds_against_a_racing_run(alice_practice, doctor):
    make_task(alice_practice, doctor=doctor)
    with pytest.raises(Exception), transaction.atomic():  # noqa: B017, PT011
        make_task(alice_practice, doctor=doctor)
