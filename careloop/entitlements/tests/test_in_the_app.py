"""The entitlement engine as staff meet it: booking, sessions, clients, dashboard."""

from datetime import date, timedelta

from django.utils import timezone

from careloop import testing
from careloop.clients.models import Client
from careloop.entitlements.models import ElsewhereClaims
from careloop.practices.models import Profession, Role
from careloop.therapy import entitlements


def test_booking_shows_whats_left_and_why_a_session_is_not_rebatable(owner_client, alice_practice):
    psychologist = testing.make_user(
        alice_practice, Role.CLINICIAN, profession=Profession.PSYCHOLOGIST
    )
    counsellor = testing.make_user(alice_practice, Role.CLINICIAN, profession=Profession.COUNSELLOR)
    person = testing.make_client(alice_practice)
    referral = testing.make_referral(
        alice_practice, client=person, sessions_referred=2, referral_date=date(2026, 1, 5)
    )
    testing.make_session(
        alice_practice,
        client=person,
        clinician=psychologist,
        referral=referral,
        status="attended",
        starts_at=testing.aware(2026, 2, 2),
    )
    panel = owner_client.get(
        "/sessions/new/medicare/",
        {
            "client": person.uuid,
            "clinician": psychologist.uuid,
            "starts_at": "10/12/2026 10:00",
            "session_type": "individual",
            "modality": "in_rooms",
            "duration_minutes": "50",
        },
    ).content.decode()
    # The synthetic referral lacks what Medicare requires, so the rebate is conditional.
    assert "Rebatable once the referral is complete" in panel
    assert "1 of 2 used" in panel
    assert "Item <strong>80110</strong>" in panel
    assert "<html" not in panel
    as_counsellor = owner_client.get(
        "/sessions/new/medicare/",
        {
            "client": person.uuid,
            "clinician": counsellor.uuid,
            "starts_at": "10/12/2026 10:00",
            "session_type": "individual",
        },
    ).content.decode()
    assert "counsellors cannot bill Better Access" in as_counsellor
    before_referral = owner_client.get(
        "/sessions/new/medicare/",
        {
            "client": person.uuid,
            "clinician": psychologist.uuid,
            "starts_at": "01/01/2026 10:00",
            "session_type": "individual",
        },
    ).content.decode()
    assert "no referral dated on or before the session" in before_referral


def test_booking_a_family_carer_session_before_those_items_began_says_why(
    owner_client, alice_practice
):
    psychologist = testing.make_user(
        alice_practice, Role.CLINICIAN, profession=Profession.PSYCHOLOGIST
    )
    person = testing.make_client(alice_practice)
    testing.make_referral(
        alice_practice, client=person, sessions_referred=6, referral_date=date(2022, 11, 1)
    )
    query = {
        "client": person.uuid,
        "clinician": psychologist.uuid,
        "session_type": "family_carer",
        "modality": "in_rooms",
        "duration_minutes": "50",
    }
    before = owner_client.get(
        "/sessions/new/medicare/", {**query, "starts_at": "28/02/2023 10:00"}
    ).content.decode()
    assert "Medicare had no item for this type of session on that date" in before
    assert "from 1 March 2023" in before
    assert "Medicare-rebatable" not in before
    on_the_day = owner_client.get(
        "/sessions/new/medicare/", {**query, "starts_at": "01/03/2023 10:00"}
    ).content.decode()
    assert "Rebatable once the referral is complete" in on_the_day
    assert "Item <strong>80112</strong>" in on_the_day


def test_the_booking_page_starts_with_the_panel_for_the_client(
    owner_client, alice_practice, clinician
):
    person = testing.make_client(alice_practice)
    testing.make_referral(alice_practice, client=person)
    page = owner_client.get(f"/sessions/new/?client={person.uuid}").content.decode()
    assert 'id="entitlement-panel"' in page
    assert "0 of 6 used" in page


def test_a_session_page_says_whether_medicare_pays(owner_client, alice_practice):
    psychologist = testing.make_user(alice_practice, Role.CLINICIAN)
    person = testing.make_client(alice_practice)
    referral = testing.make_referral(
        alice_practice,
        client=person,
        sessions_referred=1,
        referral_date=timezone.localdate() - timedelta(days=30),
    )
    first, second = (
        testing.make_session(
            alice_practice,
            client=person,
            clinician=psychologist,
            referral=referral,
            status="attended",
            starts_at=timezone.now() - timedelta(days=d),
        )
        for d in (20, 10)
    )
    assert "Medicare-rebatable" in owner_client.get(f"/sessions/{first.uuid}/").content.decode()
    later = owner_client.get(f"/sessions/{second.uuid}/").content.decode()
    assert "the referral&#x27;s sessions are used up" in later


def test_services_elsewhere_count_toward_the_clients_year(owner_client, alice_practice):
    person = testing.make_client(alice_practice)
    year = alice_practice.today().year
    response = owner_client.post(
        f"/clients/{person.uuid}/elsewhere/",
        {"year": year, "individual": 4, "group": 0, "family_carer": 1, "note": "HPOS check"},
    )
    assert response.status_code == 302
    assert ElsewhereClaims.objects.get().individual == 4
    page = owner_client.get(f"/clients/{person.uuid}/").content.decode()
    assert "Individual: 5 of 10 used" in page  # family/carer counts as individual too
    bad = owner_client.post(f"/clients/{person.uuid}/elsewhere/", {"year": year, "individual": -1})
    assert bad.status_code == 400


def test_the_clinicians_dashboard_lists_courses_ending_and_reports_due(client, alice_practice):
    clinician = testing.make_user(alice_practice, Role.CLINICIAN)
    ending = testing.make_client(alice_practice, family_name="Almostdone")
    ended = testing.make_client(alice_practice, family_name="Finished")
    reported = testing.make_client(alice_practice, family_name="Reported")
    for person, attended, report_sent in [
        (ending, 5, None),
        (ended, 6, None),
        (reported, 6, timezone.now()),
    ]:
        referral = testing.make_referral(
            alice_practice,
            client=person,
            sessions_referred=6,
            report_sent_at=report_sent,
            referral_date=timezone.localdate() - timedelta(days=80),
        )
        for n in range(attended):
            testing.make_session(
                alice_practice,
                client=person,
                clinician=clinician,
                referral=referral,
                status="attended",
                starts_at=timezone.now() - timedelta(days=70 - 7 * n),
            )
    client.force_login(clinician)
    courses = client.get("/dashboard/").context["courses"]
    assert [(row["client"].family_name, row["kind"]) for row in courses] == [
        ("Finished", "report_due"),
        ("Almostdone", "last_one"),
    ]


def test_a_summarised_history_gets_the_same_answer_as_the_full_one(alice_practice):
    """The dashboard reads sessions as values (with_summarised_history): the engine's
    answer, and what each session was judged, are those of the models."""
    psychologist = testing.make_user(alice_practice, Role.CLINICIAN)
    counsellor = testing.make_user(alice_practice, Role.CLINICIAN, profession=Profession.COUNSELLOR)
    person = testing.make_client(alice_practice)
    first = testing.make_referral(
        alice_practice, client=person, sessions_referred=2, referral_date=date(2026, 1, 5)
    )
    second = testing.make_referral(
        alice_practice, client=person, sessions_referred=6, referral_date=date(2026, 3, 2)
    )
    for day, clinician, status, session_type, referral in [
        (date(2026, 1, 12), psychologist, "attended", "individual", first),
        (date(2026, 1, 19), counsellor, "attended", "individual", first),  # private
        (date(2026, 1, 26), psychologist, "cancelled", "individual", first),
        (date(2026, 2, 2), psychologist, "attended", "group", first),
        (date(2026, 2, 9), psychologist, "attended", "individual", None),
        (date(2026, 3, 9), psychologist, "attended", "individual", first),  # drawn elsewhere
        (date(2026, 3, 16), psychologist, "no_show", "individual", second),
    ]:
        testing.make_session(
            alice_practice,
            client=person,
            clinician=clinician,
            status=status,
            session_type=session_type,
            referral=referral,
            starts_at=testing.aware(day.year, day.month, day.day),
        )
    ElsewhereClaims.objects.create(practice=alice_practice, client=person, year=2026, individual=3)
    clients = Client.objects.filter(pk=person.pk)
    [full] = entitlements.with_history(clients)
    [summarised] = entitlements.with_summarised_history(clients)
    assert all(isinstance(s, entitlements.SessionSummary) for s in summarised.history_sessions)
    as_of = date(2026, 4, 1)
    expected = entitlements.evaluate_prefetched(full, as_of=as_of)
    answer = entitlements.evaluate_prefetched(summarised, as_of=as_of)
    assert answer.result == expected.result
    assert answer.session_judgements == expected.session_judgements
    assert [(row["id"], row["used"], row["remaining"]) for row in answer.referral_rows()] == [
        (row["id"], row["used"], row["remaining"]) for row in expected.referral_rows()
    ]
    assert expected.result["referrals"] != []  # the client has courses to compare
    for referral in (first, second):
        assert [s.pk for s in answer.course_sessions(referral)] == [
            s.pk for s in expected.course_sessions(referral)
        ]


def test_confirming_a_duplicate_moves_everything_to_the_earlier_record(
    owner_client, alice_practice
):
    earlier = testing.make_client(alice_practice, medicare_number="", phone="")
    newer = testing.make_client(alice_practice, possible_duplicate_of=earlier, phone="0491 570 110")
    referral = testing.make_referral(alice_practice, client=newer)
    session = testing.make_session(alice_practice, client=newer)
    response = owner_client.post(f"/clients/{newer.uuid}/duplicate/", {"decision": "same"})
    assert response["Location"] == f"/clients/{earlier.uuid}/"
    assert not Client.objects.filter(pk=newer.pk).exists()
    referral.refresh_from_db()
    session.refresh_from_db()
    earlier.refresh_from_db()
    assert referral.client == earlier and session.client == earlier
    assert earlier.phone == "0491 570 110"  # filled from the duplicate, nothing overwritten


def test_dismissing_a_duplicate_keeps_both(owner_client, alice_practice):
    earlier = testing.make_client(alice_practice)
    newer = testing.make_client(alice_practice, possible_duplicate_of=earlier)
    owner_client.post(f"/clients/{newer.uuid}/duplicate/", {"decision": "different"})
    newer.refresh_from_db()
    assert newer.possible_duplicate_of is None
    assert Client.objects.count() == 2
