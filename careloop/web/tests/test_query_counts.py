"""Every list page runs the same number of SQL queries at two data sizes."""

from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from careloop import testing
from careloop.letters.models import Letter
from careloop.practices.models import Role


def fill(practice, n: int) -> None:
    clinician = testing.make_user(practice)
    medical_practices = [testing.make_medical_practice(practice) for _ in range(3)]
    for i in range(n):
        doctor = testing.make_doctor(practice, medical_practices=medical_practices[: 1 + i % 3])
        client = testing.make_client(practice, usual_gp=doctor)
        referral = testing.make_referral(practice, client=client, doctor=doctor)
        testing.make_document(referral) if i % 2 else None
        testing.make_session(
            practice, client=client, clinician=clinician, referral=referral, status="attended"
        )
        testing.make_session(practice, client=client, clinician=clinician, referral=referral)
        testing.make_audit_event(practice)
        testing.make_enquiry(practice)


LIST_URLS = [
    "/clients/",
    "/doctors/",
    "/medical-practices/",
    "/referrals/",
    "/sessions/",
    "/audit/",
    "/dashboard/",
    "/clients/?q=a&state=NSW",
    "/sessions/?status=attended",
    "/sessions/?q=",  # every date, everyone (the list opens on today)
    "/doctors/?doctor_type=gp&suburb=Neutral+Bay",
    "/practice/",
]


def count_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(captured)


@pytest.mark.parametrize("url", LIST_URLS)
def test_queries_do_not_grow_with_rows(url, owner_client, alice_practice):
    fill(alice_practice, 2)
    count_queries(owner_client, url)  # warm caches (content types, sessions)
    small = count_queries(owner_client, url)
    fill(alice_practice, 28)  # past one page of 25
    large = count_queries(owner_client, url)
    assert large == small, f"{url}: {small} queries with few rows, {large} with many"
    # The dashboard gathers a panel from each app (alerts, today's sessions, referrals,
    # courses, outreach due, the loop-closure rate): a few more, still fixed.
    budget = 18 if url == "/dashboard/" else 15
    assert large <= budget, f"{url} runs {large} queries"


def test_the_clinicians_dashboard_does_not_grow_with_their_caseload(client, alice_practice):
    treating = testing.make_user(alice_practice, Role.CLINICIAN)
    client.force_login(treating)

    def caseload(n):
        for _ in range(n):
            person = testing.make_client(alice_practice)
            referral = testing.make_referral(alice_practice, client=person, sessions_referred=2)
            for status in ("attended", "attended", "booked"):
                testing.make_session(
                    alice_practice,
                    client=person,
                    clinician=treating,
                    referral=referral,
                    status=status,
                )

    caseload(2)
    count_queries(client, "/dashboard/")
    small = count_queries(client, "/dashboard/")
    assert len(client.get("/dashboard/").context["courses"]) == 2  # each: report due
    caseload(12)
    assert count_queries(client, "/dashboard/") == small


@pytest.mark.parametrize(
    "url", ["/sessions/", "/sessions/diary/", "/sessions/diary/?view=week", "/letters/"]
)
def test_a_clinicians_day_does_not_grow_with_their_sessions(client, alice_practice, url):
    treating = testing.make_user(alice_practice, Role.CLINICIAN)
    client.force_login(treating)

    def day(n):
        for hour in range(n):
            referral = testing.make_referral(alice_practice, assigned_clinician=treating)
            testing.make_session(
                alice_practice,
                client=referral.client,
                clinician=treating,
                referral=referral,
                starts_at=testing.aware(2026, 5, 12, 8) + timedelta(minutes=20 * hour),
                status=("booked", "attended", "cancelled")[hour % 3],
            )
            Letter.objects.create(
                practice=alice_practice,
                client=referral.client,
                referral=referral,
                doctor=referral.referring_doctor,
                kind="end_of_course",
            )
            testing.make_session(  # a colleague's, not shown
                alice_practice, starts_at=testing.aware(2026, 5, 12, 8)
            )

    with time_machine.travel(testing.aware(2026, 5, 12, 20), tick=False):
        day(2)
        count_queries(client, url)
        small = count_queries(client, url)
        day(12)
        response = client.get(url)
        assert count_queries(client, url) == small
        assert small <= 15
    if "diary" in url:
        assert len([e for d in response.context["days"] for e in d.entries]) == 14
    if url == "/letters/":
        assert len(response.context["drafts"]) == 14


@pytest.mark.parametrize(
    "path", ["/clients/{client}/", "/referrals/{referral}/", "/sessions/{session}/"]
)
def test_detail_pages_do_not_grow_with_history(owner_client, alice_practice, path):
    person = testing.make_client(alice_practice)
    referral = testing.make_referral(alice_practice, client=person)
    clinician = testing.make_user(alice_practice)

    def history(n):
        for _ in range(n):
            testing.make_session(
                alice_practice,
                client=person,
                clinician=clinician,
                referral=referral,
                status="attended",
            )

    history(2)
    url = path.format(
        client=person.uuid, referral=referral.uuid, session=person.sessions.first().uuid
    )
    count_queries(owner_client, url)
    small = count_queries(owner_client, url)
    history(15)
    assert count_queries(owner_client, url) == small


def test_htmx_partial_is_as_cheap_as_the_page(owner_client, alice_practice):
    fill(alice_practice, 5)
    full = count_queries(owner_client, "/clients/")
    with CaptureQueriesContext(connection) as captured:
        response = owner_client.get("/clients/?q=a", HTTP_HX_REQUEST="true")
    assert "<html" not in response.content.decode()
    assert len(captured) <= full


# The staff lists, searched and filtered as staff use them.
MAIN_LISTS = [
    "/clients/",
    "/clients/?q=smi",
    "/doctors/",
    "/doctors/?q=smi&doctor_type=gp",
    "/medical-practices/",
    "/medical-practices/?q=bay",
    "/referrals/",
    "/referrals/?view=all",
    "/referrals/?view=all&q=smith",
    "/referrals/?view=closed",
    "/sessions/",
    "/sessions/?q=",
    "/sessions/?q=smi&status=attended",
    "/sessions/?date_from=01/01/2020&date_to=31/12/2030",
    "/audit/",
    "/audit/?client=smith&date_from=01/01/2020",
    "/enquiries/",
    "/clients/?page=last",
]


def test_the_main_lists_cost_the_same_at_ten_times_the_rows(owner_client, alice_practice):
    """At 30 and at 300 of everything: the same queries, at most a page of rows, and no
    COUNT(*) that reads a whole table (each count stops at a limit)."""

    def visit() -> dict[str, int]:
        counts = {}
        for url in MAIN_LISTS:
            with CaptureQueriesContext(connection) as captured:
                response = owner_client.get(url)
            assert response.status_code == 200, url
            page_size = response.resolver_match.func.view_class.paginate_by
            assert 0 < len(response.context["object_list"]) <= page_size, url
            for query in captured:
                sql = query["sql"].upper()
                if "COUNT(" in sql:
                    assert "LIMIT" in sql, f"{url} counts without a limit: {query['sql']}"
            counts[url] = len(captured)
        return counts

    fill(alice_practice, 30)
    # Every list and search finds something at both sizes (an empty page skips its
    # prefetch, which would make the counts differ by chance).
    smith = testing.make_doctor(alice_practice, family_name="Smith", doctor_type="gp")
    testing.make_referral(alice_practice, doctor=smith)
    testing.make_referral(alice_practice, doctor=smith, status="discharged")
    client_smith = testing.make_client(alice_practice, family_name="Smith")
    testing.make_session(alice_practice, client=client_smith, status="attended")
    testing.make_session(alice_practice, client=client_smith, starts_at=timezone.now())
    testing.make_audit_event(alice_practice, client=client_smith)
    visit()  # warm caches (content types, sessions)
    small = visit()
    fill(alice_practice, 270)
    large = visit()
    assert large == small
    assert max(large.values()) <= 15, large
