from pathlib import Path

from django.core.files.uploadedfile import SimpleUploadedFile

from careloop import testing
from careloop.directory.models import Doctor
from careloop.directory.tests.test_import import csv_bytes, doctor_row
from careloop.practices.roles import Role


def upload(client, data: bytes, name="gps.csv", **extra):
    return client.post("/doctors/import/", {"file": SimpleUploadedFile(name, data), **extra})


def test_the_doctor_list_links_to_the_import_for_the_owner(owner_client):
    assert "/doctors/import/" in owner_client.get("/doctors/").content.decode()


def test_only_the_owner_may_import(admin_client):
    assert "/doctors/import/" not in admin_client.get("/doctors/").content.decode()
    assert admin_client.get("/doctors/import/").status_code == 403
    assert admin_client.get("/doctors/import/check/").status_code == 403


def test_upload_check_then_confirm(owner_client, alice_practice):
    response = upload(owner_client, csv_bytes(doctor_row()))
    assert response.status_code == 302 and response.url == "/doctors/import/check/"
    check = owner_client.get("/doctors/import/check/")
    assert check.status_code == 200
    assert check.context["result"].doctors_added == 1
    assert not Doctor.objects.exists()  # the check writes nothing
    done = owner_client.post("/doctors/import/check/")
    assert done.status_code == 302 and done.url == "/doctors/"
    assert Doctor.objects.get().practice == alice_practice
    # The upload is gone once imported.
    assert owner_client.get("/doctors/import/check/").url == "/doctors/import/"


def test_the_check_lists_problems_by_row_and_column_and_offers_no_import(owner_client):
    upload(owner_client, csv_bytes(doctor_row(), doctor_row(hpii="123")))
    check = owner_client.get("/doctors/import/check/")
    page = check.content.decode()
    assert check.status_code == 400
    assert "Row 3" in page and "hpii" in page and "An HPI-I has 16 digits" in page
    assert ">Import<" not in page
    owner_client.post("/doctors/import/check/")
    assert not Doctor.objects.exists()


def test_garbage_is_refused_on_the_upload_page(owner_client, settings):
    response = upload(owner_client, "given_name\nZoë\n".encode("latin-1"))
    assert response.status_code == 400
    assert "not UTF-8" in response.content.decode()
    assert not list(Path(settings.MEDIA_ROOT).glob("directory-imports/*/*"))


def test_other_headings_go_through_the_mapping_step(owner_client):
    data = (
        b"Surname,First name,Clinic,Town,State,Postcode,Notes\n"
        b"Shah,Priya,Bay Medical,Mosman,NSW,2088,x\n"
    )
    response = upload(owner_client, data)
    assert response.url == "/doctors/import/columns/"
    page = owner_client.get("/doctors/import/columns/")
    form = page.context["form"]
    # Guessed from the headings; the user confirms.
    assert [form[f"column_{i}"].initial for i in range(7)] == [
        "family_name",
        "given_name",
        "practice_name",
        "suburb",
        "state",
        "postcode",
        "",
    ]
    assert "First row: “Shah”" in page.content.decode()
    # Choosing the same column twice is refused.
    bad = owner_client.post(
        "/doctors/import/columns/",
        {"column_0": "family_name", "column_1": "family_name", "column_2": "practice_name"},
    )
    assert bad.status_code == 400
    assert "both marked as Family name" in bad.content.decode()
    chosen = {
        "column_0": "family_name",
        "column_1": "given_name",
        "column_2": "practice_name",
        "column_3": "suburb",
        "column_4": "state",
        "column_5": "postcode",
        "column_6": "",
    }
    assert owner_client.post("/doctors/import/columns/", chosen).url == "/doctors/import/check/"
    check = owner_client.get("/doctors/import/check/")
    assert check.context["result"].doctors_added == 1
    owner_client.post("/doctors/import/check/")
    doctor = Doctor.objects.get()
    assert (doctor.given_name, doctor.medical_practices.get().suburb) == ("Priya", "Mosman")


def test_another_practices_member_cannot_reach_an_upload(client, owner_client, bob_practice):
    upload(owner_client, csv_bytes(doctor_row()))
    token = owner_client.session["directory_import"]["token"]
    bob = testing.make_user(bob_practice, Role.OWNER, email="o@bob.test")
    client.force_login(bob)
    session = client.session
    session["directory_import"] = {
        "practice": str(bob_practice.uuid),
        "token": token,
        "name": "x.csv",
        "mapping": None,
    }
    session.save()
    # Alice's file is stored under Alice's practice: Bob's token lookup finds nothing.
    assert client.get("/doctors/import/check/").url == "/doctors/import/"
    assert client.post("/doctors/import/check/").url == "/doctors/import/"
    assert not Doctor.objects.exists()


def test_the_au_base_examples_import_through_the_page_when_told_to_drop_bad_numbers(
    owner_client,
):
    from careloop.directory.tests.test_import import AU_BASE, bundle_xml

    upload(owner_client, bundle_xml(*AU_BASE), name="au.xml", drop_bad_identifiers="on")
    check = owner_client.get("/doctors/import/check/")
    assert "Imported without it" in check.content.decode()
    owner_client.post("/doctors/import/check/")
    assert Doctor.objects.get().family_name == "Mayo"
