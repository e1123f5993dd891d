"""Visit days: the plan in driving order, the run sheet, the calendar, logging visits."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from icalendar import Calendar

from careloop import testing
from careloop.audit.actions import COMMAND
from careloop.outreach import visits
from careloop.outreach.models import Activity, OutreachTask, VisitPlan, VisitStop
from careloop.outreach.tests.test_visit_next import ORIGIN, at_km_north


@pytest.fixture
def practice(alice_practice):
    alice_practice.latitude, alice_practice.longitude = ORIGIN
    alice_practice.save()
    return alice_practice


@pytest.fixture
def clinics(practice):
    far = testing.make_medical_practice(practice, name="Far Clinic", **at_km_north(9))
    near = testing.make_medical_practice(practice, name="Near Clinic", **at_km_north(2))
    mid = testing.make_medical_practice(practice, name="Mid Clinic", **at_km_north(5))
    testing.make_doctor(practice, [near], given_name="Nina", family_name="Near")
    return [far, near, mid]


def test_it_plans_the_stops_in_driving_order_from_the_practice(owner_client, clinics):
    response = owner_client.post(
        "/outreach/visits/new/",
        {"medical_practice": [str(c.uuid) for c in clinics], "planned_for": "2026-12-02"},
    )
    plan = VisitPlan.objects.get()
    assert response.url == f"/outreach/visits/{plan.uuid}/"
    assert plan.planned_for == date(2026, 12, 2)
    stops = list(plan.stops.select_related("medical_practice"))
    assert [s.medical_practice.name for s in stops] == ["Near Clinic", "Mid Clinic", "Far Clinic"]
    assert [round(float(s.distance_from_previous_km)) for s in stops] == [2, 3, 4]
    page = owner_client.get(response.url).content.decode()
    assert "straight-line" in page and "Dr Nina Near" in page


def test_the_run_sheet_prints_addresses_people_and_what_to_bring(owner_client, clinics, owner):
    plan = visits.plan_visit_day(
        clinics[0].practice, clinics, planned_for=date(2026, 12, 2), by=owner, via=COMMAND
    )
    page = owner_client.get(f"/outreach/visits/{plan.uuid}/run-sheet/").content.decode()
    assert "Near Clinic" in page and "Dr Nina Near" in page and "NEUTRAL BAY" in page
    assert "Bring:" in page and "Never" in page and "run_sheet.css" in page


def test_the_calendar_export_parses_with_one_event_per_stop(owner_client, clinics):
    owner_client.post("/outreach/visits/new/", {"medical_practice": [str(c.uuid) for c in clinics]})
    plan = VisitPlan.objects.get()
    response = owner_client.get(f"/outreach/visits/{plan.uuid}/visits.ics")
    assert response["Content-Type"].startswith("text/calendar")
    calendar = Calendar.from_ical(response.content)
    events = list(calendar.walk("VEVENT"))
    assert [str(e["summary"]) for e in events] == [
        "Visit 1: Near Clinic",
        "Visit 2: Mid Clinic",
        "Visit 3: Far Clinic",
    ]
    assert events[0].decoded("dtstart") == plan.planned_for
    assert plan.planned_for == timezone.localdate() + timedelta(days=1)


def test_logging_a_stop_makes_a_visit_and_its_next_step_a_due_task(owner_client, clinics, owner):
    owner_client.post("/outreach/visits/new/", {"medical_practice": [str(clinics[1].uuid)]})
    plan = VisitPlan.objects.get()
    stop = plan.stops.get()
    due = timezone.localdate() + timedelta(days=7)
    url = f"/outreach/visits/{plan.uuid}/stops/{stop.uuid}/log/"
    data = {
        f"{stop.uuid}-people_met": "Practice manager",
        f"{stop.uuid}-materials_left": "Leave-behind",
        f"{stop.uuid}-asked_for_referrals": "on",
        f"{stop.uuid}-next_step": "Offer a lunch-and-learn",
        f"{stop.uuid}-next_step_due": due.isoformat(),
    }
    assert owner_client.post(url, data).status_code == 302
    assert owner_client.post(url, data).status_code == 302  # a double click
    activity = Activity.objects.get()
    assert activity.kind == "visit" and activity.medical_practice == clinics[1]
    assert activity.people_met == "Practice manager" and activity.asked_for_referrals
    assert list(activity.staff.all()) == [owner]
    task = OutreachTask.objects.get()
    assert (task.source, task.title, task.due_on) == ("next_step", "Offer a lunch-and-learn", due)
    assert task.assigned_to == owner and task.medical_practice == clinics[1]
    assert VisitStop.objects.get().logged_activity == activity


def test_a_next_step_needs_its_date(owner_client, clinics):
    owner_client.post("/outreach/visits/new/", {"medical_practice": [str(clinics[1].uuid)]})
    plan = VisitPlan.objects.get()
    stop = plan.stops.get()
    response = owner_client.post(
        f"/outreach/visits/{plan.uuid}/stops/{stop.uuid}/log/",
        {f"{stop.uuid}-next_step": "Call back"},
    )
    assert response.status_code == 400
    assert "Give the date the next step is due." in response.content.decode()
    assert not Activity.objects.exists()


def test_planning_without_a_pick_says_so(owner_client, clinics):
    response = owner_client.post("/outreach/visits/new/", {}, follow=True)
    assert "Tick at least one medical practice" in response.content.decode()
    assert not VisitPlan.objects.exists()


def test_another_practices_plan_and_clinics_are_not_found(client, clinics, bob_owner):
    plan = visits.plan_visit_day(
        clinics[0].practice, clinics, planned_for=date(2026, 12, 2), by=None, via=COMMAND
    )
    stop = plan.stops.first()
    client.force_login(bob_owner)
    for url in (
        f"/outreach/visits/{plan.uuid}/",
        f"/outreach/visits/{plan.uuid}/run-sheet/",
        f"/outreach/visits/{plan.uuid}/visits.ics",
    ):
        assert client.get(url).status_code == 404, url
    assert client.post(f"/outreach/visits/{plan.uuid}/stops/{stop.uuid}/log/").status_code == 404
    # Bob cannot plan a day with Alice's clinics: they are not found, nothing planned.
    client.post("/outreach/visits/new/", {"medical_practice": [str(clinics[0].uuid)]})
    assert VisitPlan.objects.count() == 1
    assert "Near Clinic" not in client.get("/outreach/visits/").content.decode()


def _plans(practice, n):
    for i in range(n):
        clinic = testing.make_medical_practice(
            practice, name=f"C{i}", latitude=Decimal("-33.80"), longitude=Decimal("151.2")
        )
        visits.plan_visit_day(
            practice, [clinic], planned_for=date(2026, 12, 1), by=None, via=COMMAND
        )


def test_the_plan_list_runs_a_constant_number_of_queries(owner_client, practice):
    _plans(practice, 2)
    with CaptureQueriesContext(connection) as small:
        owner_client.get("/outreach/visits/")
    _plans(practice, 12)
    with CaptureQueriesContext(connection) as large:
        page = owner_client.get("/outreach/visits/").content.decode()
    assert len(large) == len(small)
    assert page.count('data-label="Stops"') == 14
