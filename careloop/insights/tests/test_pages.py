"""The insight pages over a known history: exact figures, isolation, CSV, query counts."""

import csv
import io
import re

import pytest
import time_machine
from django.core import mail

from careloop import testing
from careloop.insights import facts, report
from careloop.insights.models import MonthlyReport, ReferralFact
from careloop.practices.models import Role

from . import history

pytestmark = pytest.mark.django_db

PAGES = [
    "/insights/",
    "/insights/doctors/",
    "/insights/settings/",
    "/insights/sources/",
    "/insights/funnel/",
    "/insights/promises/",
    "/insights/promises/broken/",
    "/insights/outreach/",
    "/insights/outcomes/",
]


@pytest.fixture
def frozen():
    with time_machine.travel(history.NOW, tick=False):
        yield


@pytest.fixture
def known(frozen, alice_practice, owner):
    made = history.build(alice_practice, owner)
    facts.refresh(alice_practice)
    return made


def rows_of(response, slug):
    """A page's table as the CSV export gives it."""
    return list(csv.reader(io.StringIO(response.content.decode())))


def test_the_outreach_page_reports_the_visit_rate_ratio_exactly(known, owner_client):
    response = owner_client.get("/insights/outreach/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "2.50 (1.09 to 5.85)" in page
    assert "Association, not proof" in page
    rows = rows_of(owner_client.get("/insights/outreach/?csv=activities"), "activities")
    visit = next(r for r in rows if r[1] == "Introductory visit")
    assert visit[3:6] == ["12", "15", "2.50 (1.09 to 5.85)"]
    kinds = rows_of(owner_client.get("/insights/outreach/?csv=kinds"), "kinds")
    assert kinds[1] == ["Introductory visit", "1", "1", "9", "9.00"]


def test_the_late_acknowledgement_and_the_late_report_break_their_loops(known, alice_practice):
    late = ReferralFact.objects.get(referral=known["late"])
    assert late.loop == "broken"
    assert late.acknowledged_on_time is False
    assert late.loop_reasons == "Acknowledged 3 business days after it arrived (target 1)"
    slow = ReferralFact.objects.get(referral=known["slow"])
    assert slow.loop == "broken"
    assert slow.loop_reasons == "Report sent 12 business days after the course ended (target 10)"


def test_the_dashboard_shows_the_loop_closure_rate_and_leads_to_the_broken_loops(
    known, owner_client
):
    page = owner_client.get("/dashboard/").content.decode()
    assert "loops closed with doctors (last 12 months)" in page
    # The figure counts the last twelve months' loops, and its link lists exactly those.
    link = re.search(r'href="(/insights/promises/broken/[^"]*)"', page).group(1)
    assert link == "/insights/promises/broken/?since=2025-10"
    broken = owner_client.get(link).content.decode()
    assert "since October 2025" in broken
    assert "LATEACK1" in broken and "SLOWREP1" in broken
    assert "Report sent 12 business days after the course ended" in broken
    august = owner_client.get("/insights/promises/broken/?month=2026-08").content.decode()
    assert "LATEACK1" in august and "SLOWREP1" not in august


def test_the_promises_page_links_each_month_to_its_broken_loops(known, owner_client):
    page = owner_client.get("/insights/promises/").content.decode()
    assert "/insights/promises/broken/?month=2026-08" in page
    rows = rows_of(owner_client.get("/insights/promises/?csv=promises"), "promises")
    assert rows[0][0] == "Month"
    august = next(r for r in rows if r[0] == "Aug 2026")
    assert august[1] == "6"  # five from the visited doctor and the late one
    assert august[5] == "1"  # broken


def test_the_sources_page_counts_by_doctor_and_quarter(known, owner_client):
    response = owner_client.get("/insights/sources/")
    assert response.status_code == 200
    assert '<svg xmlns="http://www.w3.org/2000/svg"' in response.content.decode()
    rows = rows_of(owner_client.get("/insights/sources/?csv=doctor"), "doctor")
    grace = next(r for r in rows if r[0] == "Dr Grace Visited")
    assert grace[-1] == "27"  # all 12 before and 15 after fall in the last 12 months
    movers = rows_of(owner_client.get("/insights/sources/?csv=movers"), "movers")
    assert ["Dr Grace Visited", "Doctor", "6", "15", "+9"] in movers


def test_the_sources_page_names_the_busiest_and_sums_the_others(known, owner_client, monkeypatch):
    from careloop.insights import queries

    full = rows_of(owner_client.get("/insights/sources/?csv=doctor"), "doctor")[1:]
    monkeypatch.setattr(queries, "SOURCE_ROWS", 1)
    rows = rows_of(owner_client.get("/insights/sources/?csv=doctor"), "doctor")[1:]
    busiest = max(full, key=lambda r: int(r[-1]))
    assert rows[0] == busiest
    assert rows[1][0] == f"All {len(full) - 1} others"
    assert int(rows[1][-1]) == sum(int(r[-1]) for r in full) - int(busiest[-1])


def test_the_outreach_page_weighs_the_latest_activities_only(
    known, alice_practice, owner, owner_client, monkeypatch
):
    from datetime import timedelta

    from careloop.insights import queries
    from careloop.outreach.models import Activity, ActivityKind

    Activity.objects.create(
        practice=alice_practice,
        kind=ActivityKind.PHONE_CALL,
        occurred_on=history.VISIT_ON + timedelta(days=10),
        medical_practice=testing.make_medical_practice(alice_practice),
        logged_by=owner,
    )
    everything = rows_of(owner_client.get("/insights/outreach/?csv=activities"), "activities")
    monkeypatch.setattr(queries, "OUTREACH_ACTIVITIES", 1)
    response = owner_client.get("/insights/outreach/")
    assert "The latest 1 activities of the last 12 months" in response.content.decode()
    rows = rows_of(owner_client.get("/insights/outreach/?csv=activities"), "activities")
    assert len(everything) == 3  # a header and two activities
    assert rows[1:] == everything[1:2]  # the newest


def test_every_table_exports_as_csv(known, owner_client):
    import re

    for path in PAGES:
        page = owner_client.get(path).content.decode()
        for slug in set(re.findall(r"csv=([a-z0-9-]+)", page)):
            response = owner_client.get(f"{path}?csv={slug}")
            assert response.status_code == 200, (path, slug)
            assert response["Content-Type"].startswith("text/csv")
    assert owner_client.get("/insights/sources/?csv=nope").status_code == 404


def test_a_cell_of_four_clients_never_appears(frozen, alice_practice, owner, owner_client):
    small = testing.make_medical_practice(alice_practice, name="Tiny Clinic")
    big = testing.make_medical_practice(alice_practice, name="Big Clinic")
    history.scores(alice_practice, owner, small, 4)
    history.scores(alice_practice, owner, big, 5)
    facts.refresh(alice_practice)
    page = owner_client.get("/insights/outcomes/").content.decode()
    assert "Tiny Clinic" in page and "fewer than 5" in page
    rows = rows_of(owner_client.get("/insights/outcomes/?csv=k10-by-medical-practice"), "k10")
    tiny = next(r for r in rows if r[0].startswith("Tiny Clinic"))
    assert tiny[1:] == ["fewer than 5", "—", "—"]
    big_row = next(r for r in rows if r[0].startswith("Big Clinic"))
    assert big_row[1:] == ["5", "-10.4", "100%"]
    pdf = owner_client.get("/insights/report.pdf?month=2026-03")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")


def test_the_csv_of_outcomes_uses_only_clients_who_agreed_to_share_scores(
    frozen, alice_practice, owner, owner_client
):
    clinic = testing.make_medical_practice(alice_practice, name="Mixed Clinic")
    history.scores(alice_practice, owner, clinic, 5)
    history.scores(alice_practice, owner, clinic, 3, consent=False)
    facts.refresh(alice_practice)
    page = owner_client.get("/insights/outcomes/").content.decode()
    assert ">8<" in page  # all eight on screen, inside the practice
    rows = rows_of(owner_client.get("/insights/outcomes/?csv=k10-by-medical-practice"), "k10")
    assert next(r for r in rows if r[0].startswith("Mixed Clinic"))[1] == "5"


def test_the_funnel_shows_steps_and_end_reasons(known, owner_client):
    rows = rows_of(owner_client.get("/insights/funnel/?csv=funnel"), "funnel")
    assert rows[1][:2] == ["Received", "29"]
    assert rows[4][:2] == ["First seen", "1"]


def test_another_practices_history_never_shows(known, bob_practice, bob_owner, client):
    client.force_login(bob_owner)
    for path in PAGES:
        response = client.get(path)
        assert response.status_code == 200, path
        page = response.content.decode()
        assert "Grace Visited" not in page and "LATEACK1" not in page, path
    for slug in ("doctor", "movers"):
        assert "Grace" not in client.get(f"/insights/sources/?csv={slug}").content.decode()


@pytest.mark.parametrize("role", [Role.CLINICIAN, Role.ADMIN])
def test_only_the_owner_sees_insights(alice_practice, client, role):
    client.force_login(testing.make_user(alice_practice, role))
    for path in PAGES:
        assert client.get(path).status_code == 403, path


def test_the_pages_ask_a_fixed_number_of_queries(
    frozen, alice_practice, owner, owner_client, django_assert_max_num_queries
):
    history.build(alice_practice, owner)
    facts.refresh(alice_practice)
    counts = {}
    for path in PAGES:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as captured:
            owner_client.get(path)
        counts[path] = len(captured)
    # Twice the history: same number of queries on every page.
    history.build(alice_practice, owner, suffix="2")
    facts.refresh(alice_practice)
    for path in PAGES:
        with django_assert_max_num_queries(counts[path]):
            owner_client.get(path)


def test_the_monthly_report_is_emailed_to_owners_once_on_the_first_business_day(
    alice_practice, owner
):
    # 1 August 2026 is a Saturday: the first business day is Monday 3 August.
    assert report.first_business_day(history.VISIT_ON.replace(month=8), "NSW").day == 3
    with time_machine.travel(testing.aware(2026, 8, 3, 7), tick=False):
        assert (
            report.send_if_due(alice_practice, today=history.VISIT_ON.replace(month=8, day=1))
            is None
        )
        sent = report.send_if_due(alice_practice)
        again = report.send_if_due(alice_practice)
    assert sent is not None and again is None
    assert MonthlyReport.objects.filter(practice=alice_practice).count() == 1
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [owner.email]
    assert "July 2026" in message.subject
    name, content, mimetype = message.attachments[0]
    assert mimetype == "application/pdf" and content.startswith(b"%PDF")


def test_the_summary_rows_follow_the_referral_events(
    frozen, alice_practice, owner, django_capture_on_commit_callbacks
):
    from careloop.referrals import actions

    made = testing.make_referral(alice_practice, received_at=history.NOW)
    facts.refresh(alice_practice)
    assert ReferralFact.objects.get(referral=made).acknowledged_at is None
    with django_capture_on_commit_callbacks(execute=True):
        actions.acknowledge(made, by=owner, method="phone")
    fact = ReferralFact.objects.get(referral=made)
    assert fact.acknowledged_at == history.NOW
    assert fact.acknowledged_on_time is True


def test_the_owner_sets_the_report_deadline_and_the_loops_follow(
    known, owner_client, django_capture_on_commit_callbacks
):
    slow = known["slow"]
    assert ReferralFact.objects.get(referral=slow).loop == "broken"
    with django_capture_on_commit_callbacks(execute=True):
        response = owner_client.post(
            "/insights/settings/", {"report_within_days": "12", "email_monthly_report": "on"}
        )
    assert response.status_code == 302
    assert ReferralFact.objects.get(referral=slow).loop == "closed"
    page = owner_client.get("/insights/promises/").content.decode()
    assert "report within 12 business days" in page
    refused = owner_client.post("/insights/settings/", {"report_within_days": "0"})
    assert refused.status_code == 400
    assert "from 1 to 60" in refused.content.decode()


def test_a_course_ended_without_a_report_is_owed_until_drafted_then_owed_as_the_draft(
    known, alice_practice, owner_client
):
    from careloop.letters.actions import draft

    slow = known["slow"]
    slow.report_sent_at = None
    slow.save(update_fields=["report_sent_at"])
    facts.refresh(alice_practice)
    rows = rows_of(owner_client.get("/insights/promises/?csv=letters-owed"), "letters-owed")
    assert rows[1:] == [["End-of-course report (not drafted yet)", "Dr Larry Late", "64"]]

    draft("end_of_course", client=slow.client, doctor=slow.referring_doctor, referral=slow)
    rows = rows_of(owner_client.get("/insights/promises/?csv=letters-owed"), "letters-owed")
    assert [row[:2] for row in rows[1:]] == [["End-of-course report", "Dr Larry Late"]]
