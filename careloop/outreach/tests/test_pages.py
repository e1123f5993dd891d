"""The outreach staff pages and the calendar feed."""

from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from careloop import testing
from careloop.outreach import actions
from careloop.outreach.models import (
    Activity,
    ActivityKind,
    CalendarFeed,
    DoctorPreference,
    OutreachEvent,
    OutreachSettings,
    OutreachTask,
    TaskSource,
    VisitPlan,
    VisitStop,
)
from careloop.practices.models import Role

from .factories import make_activity, make_event, make_task, referrals_every


def test_the_doctor_page_explains_the_stage_and_shows_the_history(
    owner_client, alice_practice, doctor, owner
):
    today = alice_practice.today()
    referrals_every(alice_practice, doctor, days=35, count=6, last=today - timedelta(days=133))
    make_activity(
        alice_practice,
        doctor=doctor,
        occurred_on=today - timedelta(days=400),
        people_met="Dr Chen and the practice manager",
        next_step="Send the leave-behind",
    )
    make_task(alice_practice, doctor=doctor, title="Call Dr Chen", assigned_to=owner)
    response = owner_client.get(reverse("outreach:doctor", args=[doctor.uuid]))
    page = response.content.decode()
    assert response.status_code == 200
    assert "Lapsed" in page
    assert "Usually refers every 5 weeks; nothing for 19 weeks" in page
    assert "<svg" in page and "Referrals from Dr Mei Chen by month" in page
    assert "met Dr Chen and the practice manager" in page
    assert "Seen" not in page or "Still in progress: <strong>6</strong>" in page
    assert "Still in progress: <strong>6</strong>" in page
    assert "Call Dr Chen, due" in page


def test_the_medical_practice_page_sums_over_its_doctors(
    owner_client, alice_practice, medical_practice, doctor
):
    today = alice_practice.today()
    other = testing.make_doctor(alice_practice, medical_practices=[medical_practice])
    testing.make_referral(alice_practice, doctor=doctor, referral_date=today - timedelta(days=3))
    make_activity(alice_practice, doctor=other, kind=ActivityKind.PHONE_CALL)
    response = owner_client.get(reverse("outreach:medical_practice", args=[medical_practice.uuid]))
    page = response.content.decode()
    assert "Referring" in page and "one referral, on" in page.lower()
    assert "Introduced" in page  # the other doctor's own stage in the table
    assert other.display_name in page


def test_the_timeline_tells_each_contact_referral_and_letter(
    owner_client, alice_practice, medical_practice, doctor, owner
):
    from careloop.letters.actions import draft
    from careloop.letters.models import Letter

    today = alice_practice.today()
    event = make_event(alice_practice, name="GP education evening")
    make_activity(
        alice_practice,
        doctor=doctor,
        kind=ActivityKind.EVENT,
        event=event,
        topic="Anxiety in teens",
        training_status="delivered",
        people_met="Dr Chen & nurses",
        materials_left="brochures",
        asked_for_referrals=True,
        summary="Went <well>",
        next_step="Send the slides",
        next_step_due=date(2026, 3, 4),
        logged_by=owner,
    )
    make_activity(alice_practice, medical_practice=medical_practice, kind=ActivityKind.EMAIL)
    client = testing.make_client(alice_practice, given_name="Ava", family_name="Lee")
    referral = testing.make_referral(
        alice_practice, client=client, doctor=doctor, referral_date=today - timedelta(days=5)
    )
    letter = draft("end_of_course", client=client, doctor=doctor, referral=referral)
    Letter.objects.filter(pk=letter.pk).update(signed_at=timezone.now())
    event_line = (
        "Conference or event{who}at GP education evening: Anxiety in teens (delivered); "
        "met Dr Chen &amp; nurses; left brochures; asked for referrals<br>Went &lt;well&gt;"
        '<br><span class="muted">Next step: Send the slides by 04/03/2026</span> '
        f'<span class="muted">· {owner.full_name}</span></li>'
    )
    referral_line = (
        f'Referral received: <a href="{referral.get_absolute_url()}">Ava Lee</a>'
        "{from_doctor} · New</li>"
    )
    letter_line = (
        f'Letter sent: <a href="{letter.get_absolute_url()}">End-of-course report about '
        "Ava Lee</a>{to_doctor}</li>"
    )
    page = owner_client.get(reverse("outreach:doctor", args=[doctor.uuid])).content.decode()
    assert event_line.format(who=" ") in page
    assert referral_line.format(from_doctor="") in page
    assert letter_line.format(to_doctor="") in page
    page = owner_client.get(
        reverse("outreach:medical_practice", args=[medical_practice.uuid])
    ).content.decode()
    assert event_line.format(who=" with Dr Mei Chen ") in page
    assert referral_line.format(from_doctor=" from Dr Mei Chen") in page
    assert letter_line.format(to_doctor=" to Dr Mei Chen") in page
    assert "· E-mail</li>" in page  # at the practice, logged by nobody


def test_the_directory_pages_link_to_the_relationship(owner_client, doctor, medical_practice):
    page = owner_client.get(doctor.get_absolute_url()).content.decode()
    assert reverse("outreach:doctor", args=[doctor.uuid]) in page
    page = owner_client.get(medical_practice.get_absolute_url()).content.decode()
    assert reverse("outreach:medical_practice", args=[medical_practice.uuid]) in page


def test_logging_a_visit_with_its_next_step(owner_client, alice_practice, doctor, owner):
    url = reverse("outreach:log_doctor", args=[doctor.uuid]) + "?kind=visit"
    form = owner_client.get(url).content.decode()
    assert "Materials left" in form and "Areas of practice explained" in form
    today = alice_practice.today()
    response = owner_client.post(
        url,
        {
            "kind": "visit",
            "occurred_on": today.strftime("%d/%m/%Y"),
            "staff": [owner.uuid],
            "people_met": "Dr Chen",
            "materials_left": "Leave-behind",
            "asked_for_referrals": "on",
            "next_step": "Offer a lunch-and-learn",
            "next_step_due": (today + timedelta(days=10)).strftime("%d/%m/%Y"),
        },
    )
    assert response.status_code == 302
    activity = Activity.objects.get(doctor=doctor)
    assert activity.kind == ActivityKind.VISIT and activity.asked_for_referrals
    assert list(activity.staff.all()) == [owner]
    task = OutreachTask.objects.get(from_activity=activity)
    assert task.assigned_to == owner and task.title == "Offer a lunch-and-learn"
    page = owner_client.get(reverse("outreach:doctor", args=[doctor.uuid])).content.decode()
    assert "Next step: Offer a lunch-and-learn" in page


def test_a_training_form_asks_for_topic_and_attendees(owner_client, medical_practice):
    url = reverse("outreach:log_medical_practice", args=[medical_practice.uuid])
    page = owner_client.get(url + "?kind=training").content.decode()
    assert "Topic" in page and "Attendees" in page and "Offered or delivered" in page
    assert "The practice as a whole" in page


def test_a_contact_in_the_future_or_a_step_without_words_is_refused(
    owner_client, alice_practice, doctor
):
    today = alice_practice.today()
    response = owner_client.post(
        reverse("outreach:log_doctor", args=[doctor.uuid]) + "?kind=phone_call",
        {
            "kind": "phone_call",
            "occurred_on": (today + timedelta(days=2)).strftime("%d/%m/%Y"),
            "next_step_due": (today + timedelta(days=9)).strftime("%d/%m/%Y"),
        },
    )
    page = response.content.decode()
    assert response.status_code == 400
    assert "pick today or earlier" in page and "Say what the next step is" in page
    assert not Activity.objects.exists()


def test_done_is_done_by_logging_the_contact(owner_client, alice_practice, doctor, owner):
    task = make_task(alice_practice, doctor=doctor, assigned_to=owner)
    response = owner_client.get(reverse("outreach:task_done", args=[task.uuid]))
    assert response.status_code == 302
    form_url = response["Location"]
    assert f"task={task.uuid}" in form_url
    response = owner_client.post(
        form_url,
        {"kind": "phone_call", "occurred_on": alice_practice.today().strftime("%d/%m/%Y")},
    )
    assert response.status_code == 302
    task.refresh_from_db()
    assert task.done_at is not None and task.done_by_activity.kind == ActivityKind.PHONE_CALL


def test_the_task_list_and_a_snooze(owner_client, alice_practice, doctor, owner, clinician):
    mine = make_task(alice_practice, doctor=doctor, assigned_to=owner, title="Thank Dr Chen")
    make_task(
        alice_practice,
        doctor=doctor,
        assigned_to=clinician,
        title="Theirs",
        source=TaskSource.NEXT_STEP,
    )
    page = owner_client.get(reverse("outreach:tasks")).content.decode()
    assert "Thank Dr Chen" in page and "Theirs" not in page
    page = owner_client.get(reverse("outreach:tasks") + "?whose=everyone").content.decode()
    assert "Theirs" in page
    until = alice_practice.today() + timedelta(days=5)
    response = owner_client.post(
        reverse("outreach:task_snooze", args=[mine.uuid]),
        {"until": until.strftime("%d/%m/%Y"), "reason": "Dr Chen is on leave"},
    )
    assert response.status_code == 302
    mine.refresh_from_db()
    assert mine.snoozed_until == until
    page = owner_client.get(reverse("outreach:tasks")).content.decode()
    assert "Dr Chen is on leave" in page


def test_the_dashboard_shows_my_outreach_due_this_week(owner_client, alice_practice, doctor, owner):
    today = alice_practice.today()
    make_task(alice_practice, doctor=doctor, assigned_to=owner, title="Call Dr Chen")
    make_task(
        alice_practice,
        doctor=doctor,
        assigned_to=owner,
        title="Much later",
        source=TaskSource.NEXT_STEP,
        due_on=today + timedelta(days=30),
    )
    page = owner_client.get(reverse("dashboard")).content.decode()
    assert "Outreach due this week" in page
    assert "Call Dr Chen" in page and "Much later" not in page


def test_preferences_and_do_not_contact(owner_client, alice_practice, doctor, owner):
    response = owner_client.post(
        reverse("outreach:doctor_preferences", args=[doctor.uuid]),
        {"preferred_channel": "email", "detail_level": "brief", "update_every_days": "60"},
    )
    assert response.status_code == 302
    pref = DoctorPreference.objects.get(doctor=doctor)
    doctor.refresh_from_db()
    assert (pref.detail_level, pref.update_every_days, doctor.preferred_channel) == (
        "brief",
        60,
        "email",
    )
    url = reverse("outreach:doctor_do_not_contact", args=[doctor.uuid])
    assert owner_client.post(url, {"reason": ""}).status_code == 400
    assert owner_client.post(url, {"reason": "Asked by phone"}).status_code == 302
    page = owner_client.get(reverse("outreach:doctor", args=[doctor.uuid])).content.decode()
    assert "Do not contact" in page and "Asked by phone" in page
    assert reverse("outreach:log_doctor", args=[doctor.uuid]) not in page
    assert owner_client.post(url, {"clear": "1"}).status_code == 302
    pref.refresh_from_db()
    assert not pref.do_not_contact


def test_events_with_their_talk_status(owner_client, alice_practice, doctor, owner):
    today = alice_practice.today()
    response = owner_client.post(
        reverse("outreach:event_create"),
        {
            "name": "Inner West GP conference",
            "audience_focus": "GPs of the inner west",
            "starts_on": (today + timedelta(days=30)).strftime("%d/%m/%Y"),
            "talk_title": "Anxiety in teenagers",
            "talk_status": "proposed",
        },
    )
    assert response.status_code == 302
    event = OutreachEvent.objects.get()
    page = owner_client.get(reverse("outreach:events")).content.decode()
    assert "Inner West GP conference" in page and "Proposed" in page
    response = owner_client.post(
        reverse("outreach:event_edit", args=[event.uuid]),
        {
            "name": event.name,
            "starts_on": event.starts_on.strftime("%d/%m/%Y"),
            "talk_title": "Anxiety in teenagers",
            "talk_status": "accepted",
        },
    )
    assert response.status_code == 302
    event.refresh_from_db()
    assert event.talk_status == "accepted"
    make_activity(alice_practice, doctor=doctor, kind=ActivityKind.EVENT, event=event)
    page = owner_client.get(reverse("outreach:event_edit", args=[event.uuid])).content.decode()
    assert doctor.display_name in page
    response = owner_client.post(
        reverse("outreach:event_create"),
        {"name": "Bad", "starts_on": "10/10/2026", "ends_on": "01/10/2026", "talk_status": ""},
    )
    assert response.status_code == 400
    assert owner_client.post(reverse("outreach:event_delete", args=[event.uuid])).status_code == 302
    assert not OutreachEvent.objects.filter(pk=event.pk).exists()


def test_a_clinician_updates_their_own_openings_only(client, alice_practice, clinician, owner):
    other = testing.make_user(alice_practice)
    client.force_login(clinician)
    data = {"accepting_referrals": "on", "urgent_slots_this_week": "3", "current_wait_days": "12"}
    url = reverse("outreach:openings_edit", args=[clinician.uuid])
    assert client.post(url, data).status_code == 302
    clinician.clinician_profile.refresh_from_db()
    assert clinician.clinician_profile.urgent_slots_this_week == 3
    assert (
        client.post(reverse("outreach:openings_edit", args=[other.uuid]), data).status_code == 403
    )
    page = client.get(reverse("outreach:openings")).content.decode()
    assert "12 days" in page


def test_only_owners_set_the_routine(client, alice_practice, clinician, owner):
    client.force_login(clinician)
    assert client.get(reverse("outreach:settings")).status_code == 403
    client.force_login(owner)
    response = client.post(
        reverse("outreach:settings"),
        {
            "referrer_contact_every_days": "60",
            "thank_you_within_business_days": "2",
            "introduced_follow_up_after_days": "21",
            "call_lapsed_referrers": "on",
            "frequency_cap_days": "14",
            "general_radius_km": "8",
        },
    )
    assert response.status_code == 302
    settings = OutreachSettings.objects.get(practice=alice_practice)
    assert (settings.referrer_contact_every_days, settings.general_radius_km) == (60, 8)


# Calendar feed -------------------------------------------------------------------


def test_the_calendar_feed_parses_and_carries_my_tasks_and_visit_days(
    client, owner_client, alice_practice, doctor, owner, medical_practice, bob_practice
):
    make_task(alice_practice, doctor=doctor, assigned_to=owner, title="Call Dr Chen")
    plan = VisitPlan.objects.create(
        practice=alice_practice, planned_for=alice_practice.today(), planned_by=owner
    )
    VisitStop.objects.create(
        practice=alice_practice, plan=plan, position=1, medical_practice=medical_practice
    )
    bob_owner = testing.make_user(bob_practice, Role.OWNER)
    bob_doctor = testing.make_doctor(bob_practice, family_name="Elsewhere")
    make_task(bob_practice, doctor=bob_doctor, assigned_to=bob_owner, title="Bob's task")
    assert owner_client.post(reverse("outreach:calendar"), {"action": "new"}).status_code == 302
    feed = CalendarFeed.objects.get(user=owner, revoked_at__isnull=True)
    url = reverse("outreach:calendar_feed", args=[feed.token])
    assert url in owner_client.get(reverse("outreach:calendar")).content.decode()
    client.logout()
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    calendar = Calendar.from_ical(response.content)
    summaries = [str(e.get("summary")) for e in calendar.walk("VEVENT")]
    assert "Call Dr Chen" in summaries
    assert "Visit day: 1 medical practice" in summaries
    assert "Elsewhere" not in response.content.decode() and "Bob's task" not in summaries


def test_the_calendar_feed_is_kept_until_what_it_shows_changes(
    client, alice_practice, doctor, owner, medical_practice
):
    first = make_task(alice_practice, doctor=doctor, assigned_to=owner, title="Call Dr Chen")
    feed = actions.new_feed(owner, by=owner, via=actions.JOB)
    url = reverse("outreach:calendar_feed", args=[feed.token])
    body = client.get(url).content
    with CaptureQueriesContext(connection) as kept:
        assert client.get(url).content == body
    assert not any('outreach_outreachtask"."title' in q["sql"] for q in kept.captured_queries)

    other = testing.make_doctor(alice_practice)
    make_task(alice_practice, doctor=other, assigned_to=owner, title="Send the flyer")
    assert b"Send the flyer" in client.get(url).content
    first.done_at = timezone.now()
    first.save(update_fields=["done_at"])
    assert b"Call Dr Chen" not in client.get(url).content
    plan = VisitPlan.objects.create(
        practice=alice_practice, planned_for=alice_practice.today(), planned_by=owner
    )
    VisitStop.objects.create(
        practice=alice_practice, plan=plan, position=1, medical_practice=medical_practice
    )
    assert b"Visit day: 1 medical practice" in client.get(url).content


def test_a_wrong_or_revoked_feed_token_is_not_found(client, owner, alice_practice):
    feed = actions.new_feed(owner, by=owner, via=actions.JOB)
    assert client.get(reverse("outreach:calendar_feed", args=["not-a-token"])).status_code == 404
    new = actions.new_feed(owner, by=owner, via=actions.JOB)
    assert client.get(reverse("outreach:calendar_feed", args=[feed.token])).status_code == 404
    assert client.get(reverse("outreach:calendar_feed", args=[new.token])).status_code == 200
    actions.revoke_feed(owner, by=owner, via=actions.JOB)
    assert client.get(reverse("outreach:calendar_feed", args=[new.token])).status_code == 404


# Another practice's records ------------------------------------------------------


def test_every_page_answers_404_for_another_practices_records(owner_client, bob_practice):
    bob_owner = testing.make_user(bob_practice, Role.OWNER)
    bob_mp = testing.make_medical_practice(bob_practice)
    bob_doctor = testing.make_doctor(bob_practice, medical_practices=[bob_mp])
    bob_task = make_task(bob_practice, doctor=bob_doctor, assigned_to=bob_owner)
    bob_event = make_event(bob_practice)
    bob_clinician = testing.make_user(bob_practice)
    urls = [
        reverse("outreach:doctor", args=[bob_doctor.uuid]),
        reverse("outreach:log_doctor", args=[bob_doctor.uuid]),
        reverse("outreach:doctor_preferences", args=[bob_doctor.uuid]),
        reverse("outreach:doctor_do_not_contact", args=[bob_doctor.uuid]),
        reverse("outreach:medical_practice", args=[bob_mp.uuid]),
        reverse("outreach:log_medical_practice", args=[bob_mp.uuid]),
        reverse("outreach:medical_practice_do_not_contact", args=[bob_mp.uuid]),
        reverse("outreach:task_snooze", args=[bob_task.uuid]),
        reverse("outreach:task_done", args=[bob_task.uuid]),
        reverse("outreach:event_edit", args=[bob_event.uuid]),
        reverse("outreach:event_delete", args=[bob_event.uuid]),
        reverse("outreach:openings_edit", args=[bob_clinician.uuid]),
    ]
    for url in urls:
        assert owner_client.post(url, {"reason": "x"}).status_code == 404, url
        if "delete" not in url:
            assert owner_client.get(url).status_code == 404, url
    # Lists show nothing of Bob's.
    for name in ("outreach:tasks", "outreach:events", "outreach:openings"):
        page = owner_client.get(reverse(name) + "?whose=everyone").content.decode()
        assert bob_doctor.family_name not in page and bob_event.name not in page
    bob_task.refresh_from_db()
    assert bob_task.snoozed_until is None and OutreachEvent.objects.filter(pk=bob_event.pk).exists()


# Query counts --------------------------------------------------------------------


def _history(practice, medical_practice, owner, n):
    today = practice.today()
    event = make_event(practice)
    for i in range(n):
        doctor = testing.make_doctor(practice, medical_practices=[medical_practice])
        referrals_every(practice, doctor, days=40, count=2, last=today - timedelta(days=i))
        make_activity(practice, doctor=doctor, logged_by=owner, event=event, kind="event")
        make_activity(practice, medical_practice=medical_practice, logged_by=owner)
        make_task(practice, doctor=doctor, assigned_to=owner)
        make_task(
            practice, medical_practice=medical_practice, assigned_to=owner, source="next_step"
        )
        make_event(practice)


def _count(client, url):
    from django.core.cache import cache

    cache.clear()  # the calendar feed keeps its body: count the queries that make it
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(captured)


@pytest.mark.parametrize(
    "page", ["doctor", "medical_practice", "tasks", "events", "dashboard", "feed"]
)
def test_queries_do_not_grow_with_the_history(owner_client, alice_practice, owner, page):
    mp = testing.make_medical_practice(alice_practice)
    doctor = testing.make_doctor(alice_practice, medical_practices=[mp])
    feed = actions.new_feed(owner, by=owner, via=actions.JOB)
    urls = {
        "doctor": reverse("outreach:doctor", args=[doctor.uuid]),
        "medical_practice": reverse("outreach:medical_practice", args=[mp.uuid]),
        "tasks": reverse("outreach:tasks") + "?whose=everyone",
        "events": reverse("outreach:events"),
        "dashboard": reverse("dashboard"),
        "feed": reverse("outreach:calendar_feed", args=[feed.token]),
    }

    def grow(n):
        _history(alice_practice, mp, owner, n)
        referrals_every(alice_practice, doctor, days=30, count=n, last=alice_practice.today())
        make_activity(alice_practice, doctor=doctor, logged_by=owner)

    grow(2)
    _count(owner_client, urls[page])
    small = _count(owner_client, urls[page])
    grow(20)
    large = _count(owner_client, urls[page])
    assert small == large, f"{page}: {small} queries, then {large}"
    assert large <= 25
