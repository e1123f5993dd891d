"""The triage state machine, the response clock and the inbox order."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from careloop import testing
from careloop.practices.models import Role
from careloop.referrals import actions, triage
from careloop.referrals.models import ClarificationRequest, ReferralEvent, TriageStatus

SYDNEY = ZoneInfo("Australia/Sydney")
S = TriageStatus

ALLOWED = [
    (S.NEW, S.CONTACTING),
    (S.NEW, S.BOOKED),
    (S.NEW, S.DECLINED),
    (S.CONTACTING, S.OFFERED),
    (S.CONTACTING, S.UNABLE_TO_CONTACT),
    (S.OFFERED, S.BOOKED),
    (S.OFFERED, S.CONTACTING),
    (S.BOOKED, S.ACTIVE),
    (S.BOOKED, S.OFFERED),
    (S.DECLINED, S.CONTACTING),
    (S.UNABLE_TO_CONTACT, S.CONTACTING),
    (S.CONTACTING, S.ACTIVE),
]
REFUSED = [
    (S.ACTIVE, S.NEW),
    (S.ACTIVE, S.DECLINED),
    (S.DECLINED, S.BOOKED),
    (S.UNABLE_TO_CONTACT, S.ACTIVE),
    (S.BOOKED, S.NEW),
    (S.CONTACTING, S.NEW),
]


@pytest.mark.parametrize(("current", "target"), ALLOWED)
def test_allowed_transitions(current, target):
    triage.check_transition(
        current, target, reason="because", has_booked_session=True, has_attended_session=True
    )


@pytest.mark.parametrize(
    ("target", "says"), [(S.BOOKED, "Book the first session"), (S.ACTIVE, "attended session")]
)
def test_booked_and_seen_need_their_sessions(target, says):
    with pytest.raises(triage.InvalidTransition, match=says):
        triage.check_transition(S.CONTACTING, target)


def test_a_post_cannot_mark_a_referral_booked_without_a_session(owner_client, alice_practice):
    from careloop import testing

    referral = testing.make_referral(alice_practice)
    response = owner_client.post(
        f"/referrals/{referral.uuid}/status/", {"status": "booked"}, follow=True
    )
    referral.refresh_from_db()
    assert referral.status == "new"
    assert "Book the first session" in response.content.decode()


@pytest.mark.parametrize(("current", "target"), REFUSED)
def test_refused_transitions_say_which_move_is_impossible(current, target):
    with pytest.raises(triage.InvalidTransition, match="cannot become"):
        triage.check_transition(current, target, reason="because")


def test_every_status_has_a_row_in_the_table():
    assert set(triage.TRANSITIONS) == set(S.values)
    assert all(targets <= set(S.values) for targets in triage.TRANSITIONS.values())


@pytest.mark.parametrize("target", [S.DECLINED, S.UNABLE_TO_CONTACT])
def test_closing_a_referral_needs_a_reason(target):
    with pytest.raises(triage.InvalidTransition, match="Say why"):
        triage.check_transition(S.CONTACTING, target, reason="  ")


def referral_received(practice, when, **fields):
    referral = testing.make_referral(practice, received_at=when, **fields)
    actions.receive(referral)
    return referral


def test_the_clock_counts_business_days_in_the_practices_state(alice_practice):
    # Friday 2 October 2026, 4 pm in Sydney; Monday 5 October is Labour Day in NSW.
    referral = referral_received(alice_practice, datetime(2026, 10, 2, 16, 0, tzinfo=SYDNEY))
    deadlines = triage.deadlines(actions.clock_facts(referral), actions.targets_for(alice_practice))
    assert deadlines["acknowledge"] == datetime(2026, 10, 7, tzinfo=SYDNEY)  # end of Tue 6
    assert deadlines["contact"] == datetime(2026, 10, 8, tzinfo=SYDNEY)  # end of Wed 7
    assert referral.next_due_at == deadlines["acknowledge"]


def test_the_practice_sets_its_own_targets(alice_practice):
    alice_practice.acknowledge_within_days = 2
    alice_practice.contact_within_days = 3
    alice_practice.save()
    referral = referral_received(alice_practice, datetime(2026, 11, 23, 9, 0, tzinfo=SYDNEY))
    steps = triage.next_steps(actions.clock_facts(referral), actions.targets_for(alice_practice))
    assert [(s.label, s.due_at.date().isoformat()) for s in steps] == [
        ("Acknowledge the referral to the doctor", "2026-11-26"),
        ("Contact the client", "2026-11-27"),
    ]


def test_acknowledging_and_contacting_move_the_clock_on(alice_practice, admin_user):
    referral = referral_received(alice_practice, datetime(2026, 11, 23, 9, 0, tzinfo=SYDNEY))
    actions.acknowledge(referral, by=admin_user, method="phone")
    assert referral.next_due_at == datetime(2026, 11, 26, tzinfo=SYDNEY)  # the contact target
    actions.record_contact_attempt(referral, by=admin_user, method="phone", outcome="no_answer")
    assert referral.first_contacted_at is None  # trying is not reaching
    assert referral.status == S.CONTACTING
    actions.record_contact_attempt(referral, by=admin_user, method="phone", outcome="reached")
    assert referral.first_contacted_at is not None
    assert referral.next_due_at is None  # no target left running
    kinds = list(referral.events.values_list("kind", "by__email"))
    assert kinds[0] == ("received", None)
    assert ("acknowledged", "admin@alice.test") in kinds
    assert kinds.count(("contact", "admin@alice.test")) == 2


def test_acknowledging_twice_records_it_once(alice_practice, admin_user):
    referral = referral_received(alice_practice, timezone.now())
    actions.acknowledge(referral, by=admin_user)
    first = referral.acknowledged_at
    actions.acknowledge(referral, by=admin_user)
    assert referral.acknowledged_at == first
    assert referral.events.filter(kind="acknowledged").count() == 1


def test_booking_and_attending_the_first_session_updates_the_referral(
    owner_client, owner, alice_practice, clinician
):
    referral = referral_received(alice_practice, timezone.now() - timedelta(days=3))
    response = owner_client.post(
        "/sessions/new/",
        {
            "client": referral.client.uuid,
            "clinician": clinician.uuid,
            "referral": referral.uuid,
            "starts_at": "15/12/2026 10:00",
            "duration_minutes": "50",
            "session_type": "individual",
            "modality": "in_rooms",
            "status": "booked",
        },
    )
    assert response.status_code == 302
    referral.refresh_from_db()
    assert referral.status == S.BOOKED
    session = referral.sessions.get()
    with time_machine.travel(session.starts_at + timedelta(hours=2)):
        owner_client.force_login(owner)  # hours later: the earlier sign-in has expired
        owner_client.post(
            f"/sessions/{session.uuid}/edit/",
            {
                "client": referral.client.uuid,
                "clinician": clinician.uuid,
                "referral": referral.uuid,
                "starts_at": "15/12/2026 10:00",
                "duration_minutes": "50",
                "session_type": "individual",
                "modality": "in_rooms",
                "status": "attended",
            },
        )
    referral.refresh_from_db()
    assert referral.status == S.ACTIVE
    assert referral.first_seen_at == session.starts_at
    assert list(referral.events.filter(kind="status").values_list("from_status", "to_status")) == [
        ("new", "booked"),
        ("booked", "active"),
    ]


def test_staff_decline_with_a_reason_and_reopen(owner_client, alice_practice):
    referral = referral_received(alice_practice, timezone.now())
    url = f"/referrals/{referral.uuid}/status/"
    refused = owner_client.post(url, {"status": "declined", "reason": ""})
    assert refused.status_code == 400
    assert "Say why" in refused.content.decode()
    owner_client.post(url, {"status": "declined", "reason": "Client chose a closer practice"})
    referral.refresh_from_db()
    assert (referral.status, referral.status_reason) == (
        S.DECLINED,
        "Client chose a closer practice",
    )
    assert referral.next_due_at is None
    owner_client.post(url, {"status": "contacting", "reason": ""})
    referral.refresh_from_db()
    assert referral.status == S.CONTACTING and referral.status_reason == ""
    # Contacting -> seen is in the table, but "seen" needs an attended session.
    impossible = owner_client.post(url, {"status": "active", "reason": ""})
    assert impossible.status_code == 400
    assert "Record an attended session" in impossible.content.decode()
    referral.refresh_from_db()
    assert referral.status == S.CONTACTING
    again = owner_client.post(url, {"status": "new", "reason": ""})
    assert "cannot become" in again.content.decode()


def test_assigning_a_clinician_is_recorded(owner_client, alice_practice, clinician):
    referral = referral_received(alice_practice, timezone.now())
    owner_client.post(f"/referrals/{referral.uuid}/assign/", {"clinician": clinician.uuid})
    referral.refresh_from_db()
    assert referral.assigned_clinician == clinician
    assert referral.events.filter(kind="assigned").exists()


def test_the_inbox_puts_the_most_overdue_first(owner_client, alice_practice, admin_user):
    now = timezone.now()
    fresh = referral_received(alice_practice, now)
    oldest = referral_received(alice_practice, now - timedelta(days=9))
    middle = referral_received(alice_practice, now - timedelta(days=5))
    done = referral_received(alice_practice, now - timedelta(days=20))
    actions.acknowledge(done, by=admin_user)
    actions.record_contact_attempt(done, by=admin_user, method="phone", outcome="reached")
    closed = referral_received(alice_practice, now - timedelta(days=30))
    actions.change_status(closed, S.DECLINED, by=admin_user, reason="Moved interstate")
    inbox = owner_client.get("/referrals/")
    assert list(inbox.context["object_list"]) == [oldest, middle, fresh, done]
    page = inbox.content.decode()
    assert "Overdue: was due by" in page
    assert "business days ago" in page
    closed_view = owner_client.get("/referrals/?view=closed")
    assert list(closed_view.context["object_list"]) == [closed]


def test_the_referral_page_lists_what_medicare_needs(owner_client, alice_practice):
    doctor = testing.make_doctor(alice_practice, provider_number="2448301A", email="")
    referral = referral_received(
        alice_practice,
        timezone.now(),
        doctor=doctor,
        sessions_referred=None,
        medications="",
        letter_signed=False,
    )
    page = owner_client.get(f"/referrals/{referral.uuid}/").content.decode().lower()
    for phrase in [
        "the patient&#x27;s address",
        "a list of current medications",
        "the number of sessions referred",
        "the doctor&#x27;s signature and date",
        "fails its check character",
    ]:
        assert phrase in page, phrase


def test_asking_the_doctor_by_email_with_a_reminder_after_two_business_days(
    owner_client, alice_practice, django_capture_on_commit_callbacks
):
    doctor = testing.make_doctor(alice_practice, email="gp@bay.example")
    referral = referral_received(
        alice_practice, timezone.now(), doctor=doctor, sessions_referred=None
    )
    with time_machine.travel(datetime(2026, 11, 23, 10, 0, tzinfo=SYDNEY), tick=False):  # Mon
        with django_capture_on_commit_callbacks(execute=True):
            response = owner_client.post(
                f"/referrals/{referral.uuid}/clarify/", {"message": "Thanks!"}
            )
        assert response.status_code == 302
    request = ClarificationRequest.objects.get()
    assert "the number of sessions referred (up to 6)" in request.items
    assert mail.outbox[0].to == ["gp@bay.example"]
    assert referral.reference in mail.outbox[0].subject
    wednesday = datetime(2026, 11, 25, 18, 0, tzinfo=SYDNEY)
    with (
        time_machine.travel(wednesday, tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        call_command("send_reminders", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert len(mail.outbox) == 1  # not yet: two business days have not passed
    thursday = datetime(2026, 11, 26, 9, 0, tzinfo=SYDNEY)
    with (
        time_machine.travel(thursday, tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        call_command("send_reminders", stdout=open("/dev/null", "w"))  # noqa: SIM115
        call_command("send_reminders", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert len(mail.outbox) == 2  # one reminder, however often the job runs
    assert mail.outbox[1].subject.startswith("Reminder:")
    assert ReferralEvent.objects.filter(kind="reminder").count() == 1


def test_an_answered_request_gets_no_reminder(owner_client, alice_practice):
    referral = referral_received(alice_practice, timezone.now(), sessions_referred=None)
    request = actions.request_clarification(referral, by=None)
    assert request.channel == "print"  # the factory's doctor has no e-mail
    owner_client.post(f"/referrals/{referral.uuid}/clarifications/{request.uuid}/answered/")
    with time_machine.travel(timezone.now() + timedelta(days=10)):
        assert actions.send_clarification_reminders() == []
    printable = owner_client.get(request.get_absolute_url()).content.decode().lower()

    assert "the number of sessions referred" in printable


def test_nothing_to_ask_when_the_referral_is_complete(owner_client, alice_practice):
    doctor = testing.make_doctor(alice_practice, provider_number="2448301T")
    client = testing.make_client(
        alice_practice, street="1 Test St", suburb="Mosman", postcode="2088"
    )
    referral = referral_received(
        alice_practice,
        timezone.now(),
        doctor=doctor,
        client=client,
        reason="Anxiety",
        medications="Nil",
        letter_signed=True,
    )
    response = owner_client.post(f"/referrals/{referral.uuid}/clarify/", {"message": ""})
    assert "nothing to ask" in response.content.decode()
    assert not ClarificationRequest.objects.exists()


def test_clinicians_can_be_assigned_but_admins_cannot(owner_client, alice_practice, admin_user):
    referral = referral_received(alice_practice, timezone.now())
    response = owner_client.post(
        f"/referrals/{referral.uuid}/assign/", {"clinician": admin_user.uuid}
    )
    assert response.status_code == 400
    assert testing.make_user(alice_practice, Role.CLINICIAN) is not None


def test_recording_the_course_report_clears_it_from_the_dashboard(client, alice_practice):
    clinician = testing.make_user(alice_practice, Role.CLINICIAN)
    person = testing.make_client(alice_practice)
    referral = testing.make_referral(
        alice_practice,
        client=person,
        sessions_referred=1,
        referral_date=timezone.localdate() - timedelta(days=30),
    )
    testing.make_session(
        alice_practice,
        client=person,
        clinician=clinician,
        referral=referral,
        status="attended",
        starts_at=timezone.now() - timedelta(days=7),
    )
    client.force_login(clinician)
    assert [r["kind"] for r in client.get("/dashboard/").context["courses"]] == ["report_due"]
    client.post(f"/referrals/{referral.uuid}/report-sent/")
    client.post(f"/referrals/{referral.uuid}/report-sent/")  # a double click: one record
    assert client.get("/dashboard/").context["courses"] == []
    assert referral.events.filter(kind="note").count() == 1
