"""Type-ahead pickers: the search endpoint and forms sent without JavaScript."""

from datetime import date, timedelta

import pytest
from django.db import connection
from django.test import Client as DjangoClient
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from careloop import testing
from careloop.clients.models import Client
from careloop.directory.models import Doctor
from careloop.therapy.models import TherapySession
from careloop.therapy.tests.test_sessions import session_form


def matches(page) -> list[str]:
    html = page.content.decode()
    return [part.split('"', 1)[0] for part in html.split('data-label="')[1:]]


def search(http, source, typed):
    return http.get(f"/pick/{source}/", {"client__search": typed, "list": "id_client_results"})


def test_a_client_is_found_whatever_the_accents_and_case(owner_client, alice_practice):
    testing.make_client(alice_practice, given_name="Zoë", family_name="Quixoteon")
    for typed in ("zoe", "ZOË", "quix", "Zoe Quix", "quix zo"):
        assert matches(search(owner_client, "clients", typed)) == ["Zoë Quixoteon"], typed


def test_a_client_is_found_by_date_of_birth_medicare_number_and_referral_reference(
    owner_client, alice_practice
):
    wanted = testing.make_client(
        alice_practice,
        given_name="Wanted",
        family_name="Person",
        date_of_birth=date(1987, 3, 4),
        medicare_number="2953701851",
    )
    testing.make_client(alice_practice, date_of_birth=date(1987, 3, 5))
    referral = testing.make_referral(alice_practice, client=wanted)
    for typed in ("4/3/1987", "04/03/1987", "2953 7018", referral.reference.lower()):
        assert matches(search(owner_client, "clients", typed)) == ["Wanted Person"], typed


def test_matches_are_the_practices_own_at_most_twenty_most_recent_first(
    owner_client, alice_practice, bob_practice
):
    for number in range(25):
        testing.make_client(alice_practice, given_name=f"Pat{number:02}", family_name="Zzyzx")
    Client.objects.filter(given_name="Pat07").update(updated_at=timezone.now() + timedelta(days=1))
    testing.make_client(bob_practice, given_name="OtherPracticeMarker", family_name="Zzyzx")
    page = search(owner_client, "clients", "zzy")
    found = matches(page)
    assert len(found) == 20
    assert found[0] == "Pat07 Zzyzx"
    assert "OtherPracticeMarker" not in page.content.decode()
    assert "type more to narrow" in page.content.decode()


def test_the_search_runs_the_same_queries_however_many_clients(owner_client, alice_practice):
    def count():
        with CaptureQueriesContext(connection) as queries:
            assert search(owner_client, "clients", "zzy").status_code == 200
        return len(queries)

    testing.make_client(alice_practice, family_name="Zzyzx")
    few = count()
    for _ in range(30):
        testing.make_client(alice_practice, family_name="Zzyzx")
    assert count() == few


def test_short_and_unmatched_searches_say_so(owner_client, alice_practice):
    assert "Type at least 2 letters" in search(owner_client, "clients", "z").content.decode()
    assert "No client matches “qqqq”" in search(owner_client, "clients", "qqqq").content.decode()


def test_doctors_and_medical_practices_are_searched(owner_client, alice_practice):
    surgery = testing.make_medical_practice(alice_practice, name="The Quayside Surgery")
    testing.make_doctor(
        alice_practice,
        [surgery],
        given_name="Ngaio",
        family_name="O'Bréen",
        provider_number="2426621B",
    )
    assert matches(search(owner_client, "doctors", "dr obree")) == ["Dr Ngaio O&#x27;Bréen"]
    assert matches(search(owner_client, "doctors", "242662")) == ["Dr Ngaio O&#x27;Bréen"]
    assert matches(search(owner_client, "medical-practices", "quays"))[0].startswith(
        "The Quayside Surgery"
    )


def test_an_unknown_list_is_not_found_and_strangers_are_sent_to_sign_in(owner_client):
    assert owner_client.get("/pick/passwords/", {"x__search": "ab"}).status_code == 404
    response = DjangoClient().get("/pick/clients/", {"client__search": "ab"})
    assert response.status_code == 302 and "/account/sign-in/" in response["Location"]


def test_the_booking_form_never_lists_every_client(owner_client, alice_practice):
    for _ in range(5):
        testing.make_client(alice_practice)
    html = owner_client.get("/sessions/new/").content.decode()
    assert '<select name="client"' not in html
    assert 'role="combobox"' in html and 'name="client__search"' in html


def test_without_javascript_a_typed_name_with_one_match_books_that_client(
    owner_client, clinician, alice_practice
):
    zoe = testing.make_client(alice_practice, given_name="Zoë", family_name="Quixoteon")
    data = {**session_form(zoe, clinician), "client": "", "client__search": "zoe quix"}
    assert owner_client.post("/sessions/new/", data).status_code == 302
    assert TherapySession.objects.get().client == zoe


def test_without_javascript_several_matches_are_offered_to_choose_from(
    owner_client, clinician, alice_practice
):
    first = testing.make_client(alice_practice, given_name="Sam", family_name="Quixoteon")
    testing.make_client(alice_practice, given_name="Sasha", family_name="Quixoteon")
    data = {**session_form(first, clinician), "client": "", "client__search": "quix"}
    page = owner_client.post("/sessions/new/", data).content.decode()
    assert "2 clients match “quix”: choose one below" in page
    assert page.count('name="client__choice"') == 2
    data["client__choice"] = str(first.uuid)
    assert owner_client.post("/sessions/new/", data).status_code == 302
    assert TherapySession.objects.get().client == first


def test_a_changed_name_is_searched_again_rather_than_keeping_the_old_choice(
    owner_client, clinician, alice_practice
):
    old = testing.make_client(alice_practice, given_name="Old", family_name="Choice")
    new = testing.make_client(alice_practice, given_name="New", family_name="Quixoteon")
    data = session_form(old, clinician, client__search="quixoteon")
    assert owner_client.post("/sessions/new/", data).status_code == 302
    assert TherapySession.objects.get().client == new


def test_a_client_of_another_practice_cannot_be_chosen(
    owner_client, clinician, alice_practice, bob_practice
):
    theirs = testing.make_client(bob_practice, given_name="Their", family_name="Quixoteon")
    data = session_form(theirs, clinician, client__choice=str(theirs.uuid))
    page = owner_client.post("/sessions/new/", data)
    assert page.status_code != 302 and not TherapySession.objects.exists()


@pytest.mark.parametrize("path", ["/referrals/new/", "/sessions/new/"])
def test_staff_forms_use_pickers_for_clients_and_doctors(owner_client, path):
    html = owner_client.get(path).content.decode()
    assert '<select name="client"' not in html and '<select name="referring_doctor"' not in html
    assert 'name="client__search"' in html


def doctor_form(**overrides):
    data = {
        "title": "Dr",
        "given_name": "Priya",
        "family_name": "Shah",
        "doctor_type": "gp",
        "provider_number": "2448301T",
        "preferred_channel": "email",
    }
    data.update(overrides)
    return data


def test_a_doctors_medical_practices_are_ticked_and_one_more_is_typed(owner_client, alice_practice):
    bay = testing.make_medical_practice(alice_practice, name="Quaybay Medical")
    other = testing.make_medical_practice(alice_practice, name="Zzyzx Family Practice")
    doctor = testing.make_doctor(alice_practice, [bay])
    page = owner_client.get(f"/doctors/{doctor.uuid}/edit/").content.decode()
    assert "<select" not in page.split('id="field-medical_practices"')[1].split("</div>")[0]
    assert f'name="medical_practices" value="{bay.uuid}" checked' in page

    # Without JavaScript: keep the ticked one, and add one by typing its name.
    data = doctor_form(medical_practices=[bay.uuid], medical_practices__search="zzyzx fam")
    assert owner_client.post(f"/doctors/{doctor.uuid}/edit/", data).status_code == 302
    assert set(doctor.medical_practices.all()) == {bay, other}

    # Unticking takes one off.
    data = doctor_form(medical_practices=[other.uuid], medical_practices__search="")
    assert owner_client.post(f"/doctors/{doctor.uuid}/edit/", data).status_code == 302
    assert set(doctor.medical_practices.all()) == {other}


def test_a_typed_medical_practice_that_matches_several_is_offered_to_tick(
    owner_client, alice_practice
):
    testing.make_medical_practice(alice_practice, name="Zzyzx North")
    testing.make_medical_practice(alice_practice, name="Zzyzx South")
    page = owner_client.post(
        "/doctors/new/", doctor_form(medical_practices__search="zzyzx")
    ).content.decode()
    assert "2 medical practices match “zzyzx”" in page
    assert page.count('name="medical_practices" value=') == 2
    assert not Doctor.objects.exists()
