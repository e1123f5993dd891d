"""Staff read enquiries from the website and make a client of one in one step."""

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from careloop import testing
from careloop.audit.actions import Via
from careloop.audit.models import AuditEvent
from careloop.clients.actions import confirm_same_person
from careloop.clients.models import Client
from careloop.enquiries.models import Enquiry
from careloop.practices.models import Role


def make_enquiry(practice, **fields) -> Enquiry:
    return testing.make_enquiry(
        practice, **{"name": "Mia Nguyen", "email": "mia@example.com", **fields}
    )


def convert_data(**overrides):
    data = {
        "given_name": "Mia",
        "family_name": "Nguyen",
        "date_of_birth": "07/03/1994",
        "phone": "0491 570 156",
        "email": "mia@example.com",
        "medicare_number": "",
        "medicare_irn": "",
    }
    data.update(overrides)
    return data


def test_reception_sees_enquiries_in_the_nav_and_the_list(admin_client, alice_practice):
    make_enquiry(alice_practice, name="Mia Nguyen")
    make_enquiry(alice_practice, name="Sam Lee", phone="", preferred_niche=None)
    response = admin_client.get("/enquiries/")
    assert response.status_code == 200
    assert [e.name for e in response.context["object_list"]] == ["Sam Lee", "Mia Nguyen"]
    page = response.content.decode()
    assert 'href="/enquiries/"' in page  # the nav
    assert 'data-label="From"' in page and 'data-label="Status"' in page


def test_the_list_is_searched_and_filtered(owner_client, alice_practice):
    make_enquiry(alice_practice, name="Mia Nguyen")
    make_enquiry(alice_practice, name="Sam Lee", status="closed")
    found = owner_client.get("/enquiries/?q=sam").context["object_list"]
    assert [e.name for e in found] == ["Sam Lee"]
    new = owner_client.get("/enquiries/?status=new").context["object_list"]
    assert [e.name for e in new] == ["Mia Nguyen"]


def test_clinicians_neither_see_nor_open_enquiries(client, clinician, alice_practice):
    enquiry = make_enquiry(alice_practice)
    client.force_login(clinician)
    assert 'href="/enquiries/"' not in client.get("/dashboard/").content.decode()
    assert client.get("/enquiries/").status_code == 403
    assert client.get(f"/enquiries/{enquiry.uuid}/").status_code == 403


def test_the_list_runs_the_same_queries_at_two_sizes(admin_client, alice_practice):
    clara = testing.make_user(alice_practice, Role.CLINICIAN)

    def fill(n):
        for i in range(n):
            client = testing.make_client(alice_practice)
            make_enquiry(
                alice_practice,
                name=f"Person {i}",
                preferred_clinician=clara if i % 2 else None,
                client=client if i % 3 else None,
                status="converted" if i % 3 else "new",
            )

    def count():
        with CaptureQueriesContext(connection) as captured:
            assert admin_client.get("/enquiries/").status_code == 200
        return len(captured)

    fill(2)
    count()  # warm caches (content types, sessions)
    small = count()
    fill(28)  # past one page of 25
    assert count() == small


def test_the_detail_page_shows_the_enquiry_and_is_audited(admin_client, admin_user, alice_practice):
    enquiry = make_enquiry(alice_practice, looking_for="Trouble sleeping")
    page = admin_client.get(f"/enquiries/{enquiry.uuid}/").content.decode()
    assert "Trouble sleeping" in page and "0491 570 156" in page
    assert "Make Mia Nguyen a client" in page
    viewed = AuditEvent.objects.get(object_uuid=enquiry.uuid, action="view")
    assert viewed.actor == admin_user


def test_another_practices_enquiry_is_404(client, bob_owner, alice_practice):
    enquiry = make_enquiry(alice_practice)
    client.force_login(bob_owner)
    assert client.get(f"/enquiries/{enquiry.uuid}/").status_code == 404
    assert client.post(f"/enquiries/{enquiry.uuid}/client/", convert_data()).status_code == 404
    assert client.post(f"/enquiries/{enquiry.uuid}/close/").status_code == 404
    assert client.get("/enquiries/").context["object_list"] == []
    enquiry.refresh_from_db()
    assert enquiry.status == "new" and not Client.objects.exists()


def test_an_enquiry_becomes_a_new_client_in_one_step(admin_client, admin_user, alice_practice):
    enquiry = make_enquiry(alice_practice)
    response = admin_client.post(f"/enquiries/{enquiry.uuid}/client/", convert_data())
    assert response.status_code == 302
    client = Client.objects.get()
    assert (client.given_name, client.family_name, client.date_of_birth) == (
        "Mia",
        "Nguyen",
        date(1994, 3, 7),
    )
    assert (client.phone, client.email, client.possible_duplicate_of) == (
        "0491 570 156",
        "mia@example.com",
        None,
    )
    enquiry.refresh_from_db()
    assert (enquiry.client, enquiry.status, enquiry.handled_by) == (client, "converted", admin_user)
    page = admin_client.get(response["Location"]).content.decode()
    assert "is now a client" in page
    assert client.get_absolute_url() in page
    audit = AuditEvent.objects.get(object_uuid=enquiry.uuid, action="update")
    assert (audit.actor, audit.channel, audit.client_uuid) == (admin_user, "staff app", client.uuid)
    assert AuditEvent.objects.filter(object_uuid=client.uuid, action="create").exists()


def test_a_client_already_on_file_is_linked_not_added_again(admin_client, alice_practice):
    earlier = testing.make_client(
        alice_practice,
        given_name="Mia",
        family_name="Nguyen",
        medicare_number="3278851195",
        medicare_irn=2,
        date_of_birth=date(1994, 3, 7),
    )
    enquiry = make_enquiry(alice_practice)
    response = admin_client.post(
        f"/enquiries/{enquiry.uuid}/client/",
        convert_data(medicare_number="3278 85119 5", medicare_irn="2"),
    )
    assert response.status_code == 302
    assert Client.objects.get() == earlier
    enquiry.refresh_from_db()
    assert enquiry.client == earlier
    assert "was already on file" in admin_client.get(response["Location"]).content.decode()


def test_the_same_name_and_birthday_is_flagged_not_merged(admin_client, alice_practice):
    earlier = testing.make_client(
        alice_practice,
        given_name="Mia",
        family_name="Nguyen",
        date_of_birth=date(1994, 3, 7),
        medicare_number="",
    )
    enquiry = make_enquiry(alice_practice)
    response = admin_client.post(f"/enquiries/{enquiry.uuid}/client/", convert_data())
    enquiry.refresh_from_db()
    assert enquiry.client != earlier
    assert enquiry.client.possible_duplicate_of == earlier
    assert "already on file" in admin_client.get(response["Location"]).content.decode()


def test_merging_the_flagged_client_keeps_the_enquiry_linked(admin_client, owner, alice_practice):
    earlier = testing.make_client(
        alice_practice, given_name="Mia", family_name="Nguyen", date_of_birth=date(1994, 3, 7)
    )
    enquiry = make_enquiry(alice_practice)
    admin_client.post(f"/enquiries/{enquiry.uuid}/client/", convert_data())
    enquiry.refresh_from_db()
    confirm_same_person(enquiry.client, by=owner, via=Via())
    enquiry.refresh_from_db()
    assert enquiry.client == earlier


def test_conversion_errors_are_specific_and_change_nothing(admin_client, alice_practice):
    enquiry = make_enquiry(alice_practice)
    response = admin_client.post(
        f"/enquiries/{enquiry.uuid}/client/",
        convert_data(date_of_birth="", medicare_number="3278851195", medicare_irn=""),
    )
    page = response.content.decode()
    assert response.status_code == 400
    assert "Enter the date of birth: ask when you call back." in page
    assert "Add the person&#x27;s IRN (1-9) from the card." in page
    enquiry.refresh_from_db()
    assert enquiry.status == "new" and not Client.objects.exists()


def test_an_enquiry_becomes_a_client_once(admin_client, alice_practice):
    enquiry = make_enquiry(alice_practice)
    url = f"/enquiries/{enquiry.uuid}/client/"
    admin_client.post(url, convert_data())
    again = admin_client.post(url, convert_data(given_name="Other"), follow=True)
    assert "already been dealt with" in again.content.decode()
    assert Client.objects.count() == 1


def test_an_enquiry_is_closed_without_a_client(admin_client, admin_user, alice_practice):
    enquiry = make_enquiry(alice_practice)
    response = admin_client.post(f"/enquiries/{enquiry.uuid}/close/")
    assert response.status_code == 302
    enquiry.refresh_from_db()
    assert (enquiry.status, enquiry.handled_by, enquiry.client) == ("closed", admin_user, None)
    assert (
        "Make Mia Nguyen a client"
        not in admin_client.get(f"/enquiries/{enquiry.uuid}/").content.decode()
    )


@pytest.mark.parametrize("path", ["/enquiries/{}/client/", "/enquiries/{}/close/"])
def test_writes_need_a_post(admin_client, alice_practice, path):
    enquiry = make_enquiry(alice_practice)
    assert admin_client.get(path.format(enquiry.uuid)).status_code == 405
