"""The dashboard's figures, and that it reads only what it shows: every query goes
through an index that leads with the practice and narrows it further (to the open
referrals, this month, today, one person's clients), or stops at a limit."""

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from careloop import testing
from careloop.dashboard import views
from careloop.practices.models import Role
from careloop.referrals.models import Referral, TriageStatus


@pytest.fixture
def alice_history(alice_practice, bob_practice):
    """Open and closed referrals of Alice's practice, and Bob's practice's, which must
    not count."""
    now = timezone.now()
    today = alice_practice.today()
    make = testing.make_referral
    make(alice_practice, status=TriageStatus.NEW, next_due_at=now - timedelta(hours=2))
    make(alice_practice, status=TriageStatus.CONTACTING, next_due_at=now + timedelta(days=1))
    make(alice_practice, status=TriageStatus.BOOKED, referral_date=today.replace(day=1))
    make(
        alice_practice,
        status=TriageStatus.DISCHARGED,
        next_due_at=now - timedelta(days=30),
        referral_date=today - timedelta(days=400),
    )
    make(bob_practice, status=TriageStatus.NEW, next_due_at=now - timedelta(hours=2))
    return alice_practice


@pytest.mark.django_db
def test_it_counts_open_and_overdue_referrals_this_months_and_clients(owner_client, alice_history):
    context = owner_client.get("/dashboard/").context
    assert context["open_referrals"] == 3
    assert context["overdue_referrals"] == 1  # the discharged one's clock stopped
    # Test referrals are dated ten days ago unless told: this month's count depends on
    # the day of the month.
    month_start = alice_history.today().replace(day=1)
    expected = Referral.objects.filter(
        practice=alice_history, referral_date__gte=month_start
    ).count()
    assert context["referrals_this_month"] == expected
    assert context["client_count"] == 4
    assert context["more_clients"] is False


@pytest.mark.django_db
def test_it_says_more_than_the_bound_instead_of_counting_every_client(
    owner_client, alice_practice, monkeypatch
):
    monkeypatch.setattr(views, "CLIENTS_COUNTED", 3)
    for _ in range(5):
        testing.make_client(alice_practice)
    response = owner_client.get("/dashboard/")
    assert (response.context["client_count"], response.context["more_clients"]) == (3, True)
    assert '<span class="stat-value">3+</span> clients' in response.content.decode()


def explain(sql: str, params) -> list[str]:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute(f"EXPLAIN {sql}", params)
            return [row[0] for row in cursor.fetchall()]
        cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
        return [row[-1] for row in cursor.fetchall()]


def reads_the_whole_practice(sql: str, plan: list[str]) -> list[str]:
    """The steps of a plan that read a table, or all of one practice's rows of it."""
    if connection.vendor == "postgresql":
        # With sequential scans priced out, a table read in full has no usable index.
        return [step for step in plan if "Seq Scan" in step]
    limited = re.search(r"\bLIMIT \d+", sql) and not any("TEMP B-TREE" in s for s in plan)
    return [
        step
        for step in plan
        if re.match(r"\s*SCAN (?!subquery|CONSTANT)", step)
        or (re.search(r"\(practice_id=\?\)$", step) and not limited)
    ]


def dashboard_queries(client) -> list[tuple[str, tuple]]:
    client.get("/dashboard/")  # sessions, content types: not the dashboard's own
    with CaptureQueriesContext(connection) as captured:
        assert client.get("/dashboard/").status_code == 200
    cursor_sql = []
    for query in captured.captured_queries:
        sql = query["sql"]
        if sql.startswith("SELECT") and "django_session" not in sql:
            cursor_sql.append(sql)
    return [(sql, ()) for sql in cursor_sql]


@pytest.mark.django_db(transaction=False)
@pytest.mark.parametrize("role", [Role.OWNER, Role.CLINICIAN, Role.ADMIN])
def test_no_query_reads_the_practices_whole_history(client, alice_history, role):
    person = testing.make_user(alice_history, role)
    testing.make_session(alice_history, clinician=person if role != Role.ADMIN else None)
    client.force_login(person)
    found = []
    for sql, params in dashboard_queries(client):
        whole = reads_the_whole_practice(sql, explain(sql, params))
        if whole:
            found.append(f"{sql}\n    reads: {whole}")
    assert not found, "\n\n".join(found)


@pytest.mark.django_db
def test_it_lists_the_first_of_todays_sessions_and_counts_them_all_but_cancelled(
    owner_client, alice_practice, monkeypatch
):
    monkeypatch.setattr(views, "TODAYS_SESSIONS_SHOWN", 2)
    today = alice_practice.today()
    for hour, status in ((9, "attended"), (10, "no_show"), (11, "booked"), (12, "cancelled")):
        testing.make_session(
            alice_practice,
            starts_at=testing.aware(today.year, today.month, today.day, hour),
            status=status,
        )
    response = owner_client.get("/dashboard/")
    assert response.context["todays_count"] == 3
    assert len(response.context["todays_sessions"]) == 2
    assert "All 3 of today's sessions" in response.content.decode()
