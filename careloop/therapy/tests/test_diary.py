"""The diary: a clinician's day and week, one-tap statuses, and the clash check."""

from zoneinfo import ZoneInfo

import pytest
import time_machine

from careloop import testing
from careloop.audit.models import AuditEvent
from careloop.letters.models import Letter
from careloop.practices.models import Role
from careloop.therapy.models import TherapySession
from careloop.therapy.tests.test_sessions import session_form

# Tuesday 12 May 2026, mid-morning in Sydney.
NOW = testing.aware(2026, 5, 12, 10, 30)


@pytest.fixture(autouse=True)
def _tuesday_morning():
    with time_machine.travel(NOW, tick=False):
        yield


def at(day: int, hour: int, minute: int = 0):
    return testing.aware(2026, 5, day, hour, minute)


@pytest.fixture
def clinician_client(client, clinician):
    client.force_login(clinician)
    return client


# The diary pages


def test_it_opens_on_the_signed_in_clinicians_day(clinician_client, clinician, alice_practice):
    mine = testing.make_session(alice_practice, clinician=clinician, starts_at=at(12, 9))
    testing.make_session(alice_practice, clinician=clinician, starts_at=at(13, 9))  # tomorrow
    testing.make_session(alice_practice, starts_at=at(12, 9))  # a colleague's
    response = clinician_client.get("/sessions/diary/")
    assert response.status_code == 200
    assert response.context["clinician"] == clinician
    (today,) = response.context["days"]
    assert [entry.session for entry in today.entries] == [mine]
    page = response.content.decode()
    assert "Tuesday 12/05/2026" in page
    assert "09:00</time>–<time" in page and "09:50</time>" in page


def test_times_are_the_practices_not_the_servers(clinician_client, clinician, alice_practice):
    # 23:30 UTC on the 11th is 09:30 on the 12th in Sydney: today's diary, not yesterday's.
    late = testing.make_session(
        alice_practice, clinician=clinician, starts_at=at(12, 9, 30).astimezone(ZoneInfo("UTC"))
    )
    response = clinician_client.get("/sessions/diary/?day=2026-05-12")
    assert [e.session for e in response.context["days"][0].entries] == [late]
    assert "09:30" in response.content.decode()


def test_the_week_runs_monday_to_sunday(clinician_client, clinician, alice_practice):
    monday = testing.make_session(alice_practice, clinician=clinician, starts_at=at(11, 8))
    sunday = testing.make_session(alice_practice, clinician=clinician, starts_at=at(17, 20))
    testing.make_session(alice_practice, clinician=clinician, starts_at=at(18, 8))  # next week
    response = clinician_client.get("/sessions/diary/?view=week&day=2026-05-13")
    days = response.context["days"]
    assert [d.day.day for d in days] == [11, 12, 13, 14, 15, 16, 17]
    assert [e.session for d in days for e in d.entries] == [monday, sunday]
    assert response.context["previous"].isoformat() == "2026-05-06"
    assert response.context["next"].isoformat() == "2026-05-20"


def test_reception_picks_a_clinician(admin_client, clinician, alice_practice):
    other = testing.make_user(alice_practice, Role.CLINICIAN, full_name="Bea Second")
    theirs = testing.make_session(alice_practice, clinician=other, starts_at=at(12, 11))
    response = admin_client.get(f"/sessions/diary/?clinician={other.uuid}")
    assert response.context["clinician"] == other
    assert [e.session for e in response.context["days"][0].entries] == [theirs]
    page = response.content.decode()
    assert "<select" not in page.split('for="diary-view"')[0]  # whose diary: typed
    assert 'name="clinician__search" value="Bea Second"' in page


def test_another_practices_clinician_cannot_be_chosen(
    clinician_client, clinician, bob_practice, alice_practice
):
    stranger = testing.make_user(bob_practice, Role.CLINICIAN)
    testing.make_session(bob_practice, clinician=stranger, starts_at=at(12, 9))
    response = clinician_client.get(f"/sessions/diary/?clinician={stranger.uuid}")
    assert response.context["clinician"] == clinician  # the id is ignored, not obeyed
    assert all(not d.entries for d in response.context["days"])


def test_a_nonsense_date_opens_today(clinician_client):
    response = clinician_client.get("/sessions/diary/?day=31-31-2026&view=fortnight")
    assert response.status_code == 200
    assert response.context["day"].isoformat() == "2026-05-12"
    assert response.context["view"] == "day"


def test_previous_and_next_are_buttons_not_endless_links(clinician_client):
    page = clinician_client.get("/sessions/diary/?day=2026-05-12").content.decode()
    assert 'name="day" value="2026-05-11"' in page and 'name="day" value="2026-05-13"' in page
    assert "day=2026-05-11" not in page


def test_the_diary_is_in_the_menu_for_clinicians_and_owners(client, clinician, owner, admin_user):
    def labels(user):
        client.force_login(user)
        return [item["label"] for item in client.get("/dashboard/").context["nav_items"]]

    assert "Diary" in labels(owner)
    assert "Diary" not in labels(admin_user)  # reception opens it from Sessions
    assert "Diary" in labels(clinician)
    items = client.get("/sessions/diary/").context["nav_items"]
    assert [i["label"] for i in items if i["active"]] == ["Diary"]  # not Sessions too


# One tap


def test_one_tap_marks_a_session_attended_and_audits_it(
    clinician_client, clinician, alice_practice
):
    session = testing.make_session(alice_practice, clinician=clinician, starts_at=at(12, 9))
    back = "/sessions/diary/?day=2026-05-12&view=day"
    response = clinician_client.post(
        f"/sessions/{session.uuid}/status/", {"status": "attended", "next": back}
    )
    assert response.status_code == 302 and response.url == back
    session.refresh_from_db()
    assert session.status == "attended"
    row = AuditEvent.objects.get(action="update", object_uuid=session.uuid)
    assert row.changed_fields == ["status"] and row.actor == clinician


def test_one_tap_with_htmx_swaps_the_entry(clinician_client, clinician, alice_practice):
    session = testing.make_session(alice_practice, clinician=clinician, starts_at=at(12, 9))
    response = clinician_client.post(
        f"/sessions/{session.uuid}/status/", {"status": "no_show"}, HTTP_HX_REQUEST="true"
    )
    page = response.content.decode()
    assert response.status_code == 200 and "<html" not in page
    assert page.strip().startswith(
        f'<li class="diary-entry diary-no_show" id="entry-{session.uuid}"'
    )
    assert "did not attend." in page and ">Undo<" in page
    assert TherapySession.objects.get(pk=session.pk).status == "no_show"


def test_undo_puts_a_session_back_to_booked(clinician_client, clinician, alice_practice):
    session = testing.make_session(
        alice_practice, clinician=clinician, starts_at=at(12, 9), status="cancelled"
    )
    clinician_client.post(f"/sessions/{session.uuid}/status/", {"status": "booked"})
    assert TherapySession.objects.get(pk=session.pk).status == "booked"


def test_undoing_a_cancellation_refuses_a_slot_given_away(
    clinician_client, clinician, alice_practice
):
    session = testing.make_session(
        alice_practice, clinician=clinician, starts_at=at(12, 14), status="cancelled"
    )
    replacement = testing.make_client(alice_practice, given_name="Noor", family_name="Haddad")
    testing.make_session(
        alice_practice, client=replacement, clinician=clinician, starts_at=at(12, 14, 15)
    )
    response = clinician_client.post(
        f"/sessions/{session.uuid}/status/", {"status": "booked"}, follow=True
    )
    assert TherapySession.objects.get(pk=session.pk).status == "cancelled"
    assert "from 14:15 to 15:05 on Tue 12/05/2026 (client NH)" in response.content.decode()


def test_a_future_session_cannot_be_marked_attended_in_one_tap(
    clinician_client, clinician, alice_practice
):
    session = testing.make_session(alice_practice, clinician=clinician, starts_at=at(12, 15))
    response = clinician_client.post(
        f"/sessions/{session.uuid}/status/", {"status": "attended"}, follow=True
    )
    assert TherapySession.objects.get(pk=session.pk).status == "booked"
    assert "cannot be marked attended or missed yet" in response.content.decode()
    # …and the diary does not offer it.
    entry = clinician_client.get("/sessions/diary/").context["days"][0].entries[0]
    assert [status for status, _ in entry.choices] == ["cancelled"]


def test_a_stale_tap_is_refused_not_applied(clinician_client, clinician, alice_practice):
    # Marked attended elsewhere meanwhile; this page still offered "cancelled".
    session = testing.make_session(
        alice_practice, clinician=clinician, starts_at=at(12, 9), status="attended"
    )
    response = clinician_client.post(
        f"/sessions/{session.uuid}/status/", {"status": "cancelled"}, HTTP_HX_REQUEST="true"
    )
    assert TherapySession.objects.get(pk=session.pk).status == "attended"
    assert "has changed since the page was loaded" in response.content.decode()


def test_the_status_address_takes_only_a_post(clinician_client, clinician, alice_practice):
    session = testing.make_session(alice_practice, clinician=clinician, starts_at=at(12, 9))
    assert clinician_client.get(f"/sessions/{session.uuid}/status/").status_code == 405
    response = clinician_client.post(f"/sessions/{session.uuid}/status/", {"status": "gone"})
    assert response.status_code == 302
    assert TherapySession.objects.get(pk=session.pk).status == "booked"


def test_it_does_not_redirect_elsewhere(clinician_client, clinician, alice_practice):
    session = testing.make_session(alice_practice, clinician=clinician, starts_at=at(12, 9))
    response = clinician_client.post(
        f"/sessions/{session.uuid}/status/",
        {"status": "attended", "next": "https://evil.example/"},
    )
    assert response.url.startswith("/sessions/diary/?") and "day=2026-05-12" in response.url


def test_another_practices_session_answers_404(clinician_client, bob_practice):
    theirs = testing.make_session(bob_practice, starts_at=at(12, 9))
    response = clinician_client.post(f"/sessions/{theirs.uuid}/status/", {"status": "attended"})
    assert response.status_code == 404
    assert TherapySession.objects.get(pk=theirs.pk).status == "booked"


def test_attended_in_one_tap_moves_the_referral_on_and_drafts_the_report(
    clinician_client, clinician, alice_practice, django_capture_on_commit_callbacks
):
    referral = testing.make_referral(alice_practice, sessions_referred=1)
    session = testing.make_session(
        alice_practice,
        client=referral.client,
        clinician=clinician,
        referral=referral,
        starts_at=at(12, 9),
    )
    with django_capture_on_commit_callbacks(execute=True):
        clinician_client.post(f"/sessions/{session.uuid}/status/", {"status": "attended"})
    referral.refresh_from_db()
    assert referral.first_seen_at == session.starts_at
    assert Letter.objects.filter(referral=referral, kind="end_of_course").exists()


# The clash check when booking


def test_booking_over_another_session_is_refused_with_its_time_and_initials(
    clinician_client, clinician, alice_practice
):
    other = testing.make_client(alice_practice, given_name="Mia", family_name="Tran")
    testing.make_session(alice_practice, client=other, clinician=clinician, starts_at=at(15, 10))
    person = testing.make_client(alice_practice)
    response = clinician_client.post(
        "/sessions/new/", session_form(person, clinician, starts_at="15/05/2026 10:30")
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "already has a session from 10:00 to 10:50 on Fri 15/05/2026 (client MT)" in page
    (error,) = response.context["form"].errors["starts_at"]
    assert "Mia" not in error and "Tran" not in error  # initials only
    assert "tick “Book anyway (double-booked on purpose)”" in error
    assert 'type="checkbox" name="book_anyway"' in page
    assert TherapySession.objects.count() == 1


def test_book_anyway_books_the_double_booking(clinician_client, clinician, alice_practice):
    testing.make_session(alice_practice, clinician=clinician, starts_at=at(15, 10))
    person = testing.make_client(alice_practice)
    response = clinician_client.post(
        "/sessions/new/",
        session_form(person, clinician, starts_at="15/05/2026 10:30", book_anyway="on"),
    )
    assert response.status_code == 302
    assert TherapySession.objects.count() == 2
    created = AuditEvent.objects.get(action="create", client_uuid=person.uuid)
    assert "book_anyway" in created.changed_fields


@pytest.mark.parametrize(
    ("starts_at", "others"),
    [
        ("15/05/2026 10:50", {}),  # back to back
        ("15/05/2026 10:30", {"status": "cancelled"}),  # the other was cancelled
        ("15/05/2026 10:30", {"clinician": "someone else"}),
    ],
)
def test_no_clash_means_no_question(clinician_client, clinician, alice_practice, starts_at, others):
    theirs = clinician
    if others.pop("clinician", None):
        theirs = testing.make_user(alice_practice, Role.CLINICIAN)
    testing.make_session(alice_practice, clinician=theirs, starts_at=at(15, 10), **others)
    response = clinician_client.post(
        "/sessions/new/",
        session_form(testing.make_client(alice_practice), clinician, starts_at=starts_at),
    )
    assert response.status_code == 302


def test_editing_checks_the_new_time_but_not_an_unmoved_session(
    clinician_client, clinician, alice_practice
):
    first = testing.make_session(alice_practice, clinician=clinician, starts_at=at(15, 10))
    second = testing.make_session(
        alice_practice, client=first.client, clinician=clinician, starts_at=at(15, 12)
    )
    moved = session_form(first.client, clinician, starts_at="15/05/2026 12:20")
    assert clinician_client.post(f"/sessions/{first.uuid}/edit/", moved).status_code == 400
    # Saving a session without moving it does not clash with itself.
    same = session_form(first.client, clinician, starts_at="15/05/2026 10:00", modality="phone")
    assert clinician_client.post(f"/sessions/{first.uuid}/edit/", same).status_code == 302
    # A double booking made on purpose is not questioned again by an unrelated edit.
    TherapySession.objects.filter(pk=second.pk).update(starts_at=at(15, 10, 20))
    same = session_form(first.client, clinician, starts_at="15/05/2026 10:00", modality="video")
    assert clinician_client.post(f"/sessions/{first.uuid}/edit/", same).status_code == 302


def test_the_diary_flags_double_bookings(clinician_client, clinician, alice_practice):
    a = testing.make_session(alice_practice, clinician=clinician, starts_at=at(12, 9))
    b = testing.make_session(alice_practice, clinician=clinician, starts_at=at(12, 9, 30))
    c = testing.make_session(alice_practice, clinician=clinician, starts_at=at(12, 11))
    entries = clinician_client.get("/sessions/diary/").context["days"][0].entries
    assert {e.session: e.double_booked for e in entries} == {a: True, b: True, c: False}


def test_booking_from_the_diary_chooses_its_clinician(admin_client, clinician):
    form = admin_client.get(f"/sessions/new/?clinician={clinician.uuid}").context["form"]
    assert form.initial["clinician"] == clinician


# The sessions list opens on today


def test_the_sessions_list_opens_on_the_clinicians_own_day(
    clinician_client, clinician, alice_practice
):
    mine = testing.make_session(alice_practice, clinician=clinician, starts_at=at(12, 9))
    testing.make_session(alice_practice, clinician=clinician, starts_at=at(11, 9))
    colleague = testing.make_session(alice_practice, starts_at=at(12, 9))
    response = clinician_client.get("/sessions/")
    assert list(response.context["object_list"]) == [mine]
    assert "yours only" in response.content.decode()
    # Cleared filters are a choice: every date, everyone.
    everything = clinician_client.get("/sessions/?q=&clinician=&date_from=&date_to=")
    assert len(everything.context["object_list"]) == 3
    assert colleague in everything.context["object_list"]
    assert len(clinician_client.get("/sessions/?q=").context["object_list"]) == 3


def test_owners_and_reception_open_on_everyones_day(owner_client, alice_practice):
    today = testing.make_session(alice_practice, starts_at=at(12, 9))
    testing.make_session(alice_practice, starts_at=at(12, 9))
    testing.make_session(alice_practice, starts_at=at(10, 9))
    shown = owner_client.get("/sessions/").context["object_list"]
    assert len(shown) == 2 and today in shown
    assert "yours only" not in owner_client.get("/sessions/").content.decode()


def test_a_new_clinician_opens_on_an_empty_day_without_an_error(clinician_client):
    response = clinician_client.get("/sessions/")
    assert response.status_code == 200
    assert not response.context["filter"].form.errors
    assert list(response.context["object_list"]) == []
