from datetime import date

from careloop import testing
from careloop.clients.models import Client
from careloop.practices.scoping import practice_scope


def client_form(**overrides):
    data = {
        "given_name": "Mia",
        "family_name": "Nguyen",
        "date_of_birth": "07/03/1994",
        "medicare_number": "3278851195",
        "medicare_irn": "2",
        "phone": "0491 570 156",
        "suburb": "Neutral Bay",
        "state": "NSW",
        "postcode": "2089",
    }
    data.update(overrides)
    return data


def test_it_adds_a_client_to_the_signed_in_practice(owner_client, alice_practice):
    response = owner_client.post("/clients/new/", client_form())
    client = Client.objects.get()
    assert response["Location"] == f"/clients/{client.uuid}/"
    assert client.practice == alice_practice
    assert client.date_of_birth == date(1994, 3, 7)  # read as dd/mm/yyyy, not mm/dd


def test_it_explains_a_bad_medicare_number(owner_client):
    response = owner_client.post("/clients/new/", client_form(medicare_number="3278851185"))
    assert response.status_code == 400
    assert "fails its check digit" in response.content.decode()
    assert not Client.objects.exists()


def test_it_asks_for_the_irn_with_a_medicare_number(owner_client):
    response = owner_client.post("/clients/new/", client_form(medicare_irn=""))
    assert "Add the person&#x27;s IRN" in response.content.decode()


def test_it_refuses_a_postcode_from_another_state(owner_client):
    response = owner_client.post("/clients/new/", client_form(postcode="3000"))
    assert "Postcode 3000 belongs to VIC, not NSW" in response.content.decode()


def test_it_refuses_a_birth_date_in_the_future(owner_client):
    response = owner_client.post("/clients/new/", client_form(date_of_birth="01/01/2099"))
    assert "cannot be in the future" in response.content.decode()


def test_the_form_lists_problems_at_the_top_linked_to_their_fields(owner_client):
    page = owner_client.post("/clients/new/", client_form(given_name="")).content.decode()
    assert 'class="error-summary"' in page
    assert 'href="#id_given_name"' in page


def test_it_shows_dates_as_dd_mm_yyyy(owner_client, alice_practice):
    client = testing.make_client(alice_practice, date_of_birth=date(1994, 3, 7))
    assert "07/03/1994" in owner_client.get(f"/clients/{client.uuid}/").content.decode()
    form_page = owner_client.get(f"/clients/{client.uuid}/edit/").content.decode()
    assert 'value="07/03/1994"' in form_page


def test_it_searches_clients_by_name_words_and_medicare_number(owner_client, alice_practice):
    mia = testing.make_client(alice_practice, given_name="Mia", family_name="Nguyen")
    testing.make_client(alice_practice, given_name="Noah", family_name="Smith")
    assert list(owner_client.get("/clients/?q=mia+nguy").context["object_list"]) == [mia]
    by_medicare = owner_client.get(f"/clients/?q={mia.medicare_number}")
    assert list(by_medicare.context["object_list"]) == [mia]


def test_the_list_is_paginated(owner_client, alice_practice):
    for _ in range(30):
        testing.make_client(alice_practice)
    first = owner_client.get("/clients/")
    second = owner_client.get("/clients/" + first.context["page_links"]["after"][0]["href"])
    assert len(first.context["object_list"]) == 25
    assert len(second.context["object_list"]) == 5
    assert "30 clients" in first.content.decode()
    assert not {c.pk for c in first.context["object_list"]} & {
        c.pk for c in second.context["object_list"]
    }


def test_the_usual_gp_choice_lists_only_gps(owner_client, alice_practice):
    gp = testing.make_doctor(alice_practice, doctor_type="gp")
    psychiatrist = testing.make_doctor(alice_practice, doctor_type="psychiatrist")
    queryset = owner_client.get("/clients/new/").context["form"].fields["usual_gp"].queryset
    assert gp in queryset and psychiatrist not in queryset


def test_a_name_with_a_line_break_is_refused_and_not_stored(owner_client):
    response = owner_client.post(
        "/clients/new/", client_form(family_name="Nguyen\r\nBcc: everyone@evil.example")
    )
    assert response.status_code == 400
    assert "must be on one line" in response.content.decode()
    response = owner_client.post("/clients/new/", client_form(suburb="Neutral\tBay"))
    assert response.status_code == 400
    assert not Client.objects.exists()


def test_a_client_edit_refuses_a_line_break_too(owner_client, alice_practice):
    client = testing.make_client(alice_practice, family_name="Nguyen")
    response = owner_client.post(
        f"/clients/{client.uuid}/edit/", client_form(given_name="Mia\nX-Header: 1")
    )
    assert response.status_code == 400
    client.refresh_from_db()
    assert client.given_name != "Mia\nX-Header: 1"


def test_clients_written_in_bulk_are_found_by_name(alice_practice):
    with practice_scope(alice_practice):
        [client] = Client.objects.bulk_create(
            [
                Client(
                    practice=alice_practice,
                    given_name="Zoë",
                    preferred_name="Zee",
                    family_name="O'Brien",
                    date_of_birth=date(1994, 3, 7),
                )
            ]
        )
        client.refresh_from_db()
        assert (client.search_family, client.search_given) == ("obrien", "zoezee")
