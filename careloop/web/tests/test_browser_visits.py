"""Issue 10's visit day: from Who to visit next, plan a day of three medical practices,
open the run sheet, log the visits; their next steps show as due tasks."""

from decimal import Decimal

import pytest
from django.utils import timezone

from careloop import testing
from careloop.browser_testing import PageProblems, axe_violations
from careloop.outreach.models import Activity, OutreachTask
from careloop.practices.models import Role

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def harbour(db):
    practice = testing.make_practice(
        "harbour",
        name="Harbour Psychology",
        latitude=Decimal("-33.868800"),
        longitude=Decimal("151.209300"),
    )
    testing.make_user(practice, Role.OWNER, email="owner@harbour.test", full_name="Olive Owner")
    for name, km in (("Bay Medical", 6), ("Quay GP", 1.5), ("Ridge Clinic", 3.5)):
        clinic = testing.make_medical_practice(
            practice,
            name=name,
            latitude=Decimal("-33.868800") + Decimal(str(round(km / 111.2, 6))),
            longitude=Decimal("151.209300"),
        )
        testing.make_doctor(practice, [clinic], family_name=name.split()[0])
    return practice


def test_an_owner_plans_a_visit_day_prints_it_and_logs_the_visits(page, live_server, harbour):
    problems = PageProblems(page)
    page.goto(f"{live_server.url}/account/sign-in/")
    page.get_by_label("E-mail").fill("owner@harbour.test")
    page.get_by_label("Password").fill(testing.PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Who to visit").click()
    assert axe_violations(page) == []
    for name in ("Bay Medical", "Quay GP", "Ridge Clinic"):
        page.get_by_label(f"Add {name} to a visit day").check()
    page.get_by_role("button", name="Plan a visit day with the ticked medical practices").click()
    page.get_by_text("Visit day planned: 3 stops in driving order.").wait_for()
    stops = page.locator("ol.visit-stops > li h2").all_inner_texts()
    assert stops == ["1. Quay GP", "2. Ridge Clinic", "3. Bay Medical"]
    assert axe_violations(page) == []

    page.get_by_role("link", name="Print the run sheet").click()
    page.get_by_role("heading", name="Visits,").wait_for()
    page.wait_for_load_state("load")  # the stylesheet that hides the button on paper
    sheet = page.get_by_role("table").inner_text()
    assert "Quay GP" in sheet and "Quay" in sheet and "Never" in sheet
    assert page.get_by_role("button", name="Print").is_visible()
    page.emulate_media(media="print")
    assert not page.get_by_role("button", name="Print").is_visible()
    page.emulate_media(media="screen")
    page.get_by_role("link", name="Back to the visit day").click()

    due = timezone.localdate()
    for name in ("Quay GP", "Ridge Clinic", "Bay Medical"):
        stop = page.locator("ol.visit-stops > li", has_text=name)
        stop.get_by_label("Who you met").fill("Practice manager")
        stop.get_by_label("Next step", exact=True).fill(f"Send {name} the openings update")
        stop.get_by_label("Next step due").fill(due.isoformat())
        stop.get_by_role("button", name=f"Log the visit to {name}").click()
        page.get_by_text(f"Visit to {name} logged.").wait_for()
    assert Activity.objects.filter(kind="visit").count() == 3
    assert OutreachTask.objects.filter(source="next_step", due_on=due).count() == 3

    page.goto(f"{live_server.url}/outreach/visits/")
    steps = page.get_by_role("table", name="Next steps from visits, soonest first")
    for name in ("Quay GP", "Ridge Clinic", "Bay Medical"):
        assert f"Send {name} the openings update" in steps.inner_text()
    assert steps.inner_text().count("due") >= 3
    assert axe_violations(page) == []
    problems.assert_none()
