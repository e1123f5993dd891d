from datetime import UTC, datetime, timedelta

from django.utils import timezone
from django.utils.html import escape

from careloop import testing
from careloop.practices.models import Role
from careloop.therapy.models import TherapySession


def session_form(client, clinician, **overrides):
    data = {
        "client": client.uuid,
        "clinician": clinician.uuid,
        "starts_at": "15/12/2026 10:00",
        "duration_minutes": "50",
        "session_type": "individual",
        "modality": "video",
        "status": "booked",
    }
    data.update(overrides)
    return data


def test_it_books_a_session_in_the_practices_time_zone(owner_client, clinician, alice_practice):
    client = testing.make_client(alice_practice)
    response = owner_client.post("/sessions/new/", session_form(client, clinician))
    assert response.status_code == 302
    session = TherapySession.objects.get()
    assert session.practice == alice_practice
    local = timezone.localtime(session.starts_at, alice_practice.zoneinfo)
    assert (local.day, local.month, local.hour, local.minute) == (15, 12, 10, 0)
    assert session.starts_at.utcoffset() == timedelta(0)  # stored in UTC: 23:00 the day before


def test_times_show_in_each_practices_own_zone(
    client, alice_practice, bob_practice, bob_owner, owner
):
    moment = datetime(2026, 12, 15, 0, 30, tzinfo=UTC)
    ours = testing.make_session(alice_practice, starts_at=moment)
    theirs = testing.make_session(bob_practice, starts_at=moment)
    client.force_login(owner)
    assert "15/12/2026 11:30" in client.get(f"/sessions/{ours.uuid}/").content.decode()
    client.force_login(bob_owner)
    assert "15/12/2026 10:30" in client.get(f"/sessions/{theirs.uuid}/").content.decode()


def test_only_clinicians_are_offered_as_the_treating_clinician(owner_client, clinician, admin_user):
    choices = owner_client.get("/sessions/new/").context["form"].fields["clinician"].queryset
    assert clinician in choices and admin_user not in choices


def test_a_session_cannot_use_another_clients_referral(owner_client, clinician, alice_practice):
    client = testing.make_client(alice_practice)
    someone_elses = testing.make_referral(alice_practice)
    response = owner_client.post(
        "/sessions/new/", session_form(client, clinician, referral=someone_elses.uuid)
    )
    assert "referrals, or leave it empty" in response.content.decode()


def test_a_future_session_cannot_be_marked_attended(owner_client, clinician, alice_practice):
    client = testing.make_client(alice_practice)
    response = owner_client.post(
        "/sessions/new/",
        session_form(client, clinician, starts_at="15/12/2099 10:00", status="attended"),
    )
    assert "cannot be marked attended" in response.content.decode()


def test_it_refuses_unlikely_durations(owner_client, clinician, alice_practice):
    client = testing.make_client(alice_practice)
    response = owner_client.post(
        "/sessions/new/", session_form(client, clinician, duration_minutes="500")
    )
    assert "between 5 and 240 minutes" in response.content.decode()


def test_it_filters_sessions_by_status_clinician_and_date(owner_client, alice_practice):
    mine = testing.make_user(alice_practice, Role.CLINICIAN)
    other = testing.make_user(alice_practice, Role.CLINICIAN)
    day = testing.aware(2026, 10, 5)
    kept = testing.make_session(alice_practice, clinician=mine, status="attended", starts_at=day)
    testing.make_session(alice_practice, clinician=mine, status="cancelled", starts_at=day)
    testing.make_session(alice_practice, clinician=other, status="attended", starts_at=day)
    testing.make_session(
        alice_practice, clinician=mine, status="attended", starts_at=day - timedelta(days=40)
    )
    response = owner_client.get(
        f"/sessions/?status=attended&clinician={mine.uuid}&date_from=01/10/2026&date_to=31/10/2026"
    )
    assert list(response.context["object_list"]) == [kept]


def test_booking_from_a_client_page_suggests_their_latest_referral(
    client, clinician, alice_practice
):
    client.force_login(clinician)
    person = testing.make_client(alice_practice)
    referral = testing.make_referral(alice_practice, client=person)
    form = client.get(f"/sessions/new/?client={person.uuid}").context["form"]
    assert form.initial == {"client": person, "referral": referral, "clinician": clinician}


def test_an_empty_referral_means_the_latest_one_dated_before_the_session(
    owner_client, clinician, alice_practice
):
    from datetime import date

    client = testing.make_client(alice_practice)
    older = testing.make_referral(alice_practice, client=client, referral_date=date(2026, 1, 5))
    testing.make_referral(alice_practice, client=client, referral_date=date(2026, 11, 20))
    owner_client.post(
        "/sessions/new/", session_form(client, clinician, starts_at="10/06/2026 09:00")
    )
    assert TherapySession.objects.get().referral == older


def test_the_referral_choices_follow_the_chosen_client(owner_client, alice_practice):
    client = testing.make_client(alice_practice)
    theirs = testing.make_referral(alice_practice, client=client)
    someone_elses = testing.make_referral(alice_practice)
    partial = owner_client.get(
        f"/sessions/new/referral-field/?client={client.uuid}", HTTP_HX_REQUEST="true"
    ).content.decode()
    assert f'value="{theirs.uuid}"' in partial
    assert str(someone_elses.uuid) not in partial
    assert 'id="field-referral"' in partial and "<html" not in partial
    # With no client yet there is nothing to choose (and no list of every referral).
    empty = owner_client.get("/sessions/new/").context["form"].fields["referral"].queryset
    assert not empty.exists()


def test_choices_carry_public_ids_not_database_keys(owner_client, clinician, alice_practice):
    person = testing.make_client(alice_practice)
    query = f"client={person.uuid}&clinician={clinician.uuid}"
    page = owner_client.get(f"/sessions/new/?{query}").content.decode()
    assert f'name="client" value="{person.uuid}"' in page
    assert f'value="{person.pk}"' not in page
    assert f'name="clinician" value="{clinician.uuid}"' in page
    assert f'value="{clinician.pk}"' not in page


def test_editing_keeps_the_current_choices_selected(owner_client, alice_practice):
    session = testing.make_session(alice_practice, referral=testing.make_referral(alice_practice))
    page = owner_client.get(f"/sessions/{session.uuid}/edit/").content.decode()
    assert f'name="client" value="{session.client.uuid}"' in page
    assert f'name="client__search" value="{escape(session.client.full_name)}"' in page
    assert f'name="clinician" value="{session.clinician.uuid}"' in page
    assert f'name="clinician__search" value="{escape(session.clinician.full_name)}"' in page
