from careloop import testing
from careloop.directory.models import Doctor, MedicalPractice
from careloop.practices.scoping import practice_scope


def test_it_adds_a_doctor_working_at_two_medical_practices(owner_client, alice_practice):
    first = testing.make_medical_practice(alice_practice, name="Bay Medical")
    second = testing.make_medical_practice(alice_practice, name="Harbour GP")
    response = owner_client.post(
        "/doctors/new/",
        {
            "title": "Dr",
            "given_name": "Priya",
            "family_name": "Shah",
            "doctor_type": "gp",
            "medical_practices": [first.uuid, second.uuid],
            "provider_number": "2448301T",
            "hpii": "8003619900015717",
            "email": "priya@example.com",
            "preferred_channel": "email",
        },
    )
    assert response.status_code == 302
    doctor = Doctor.objects.get()
    assert doctor.practice == alice_practice
    assert set(doctor.medical_practices.all()) == {first, second}


def test_it_explains_bad_doctor_identifiers(owner_client):
    response = owner_client.post(
        "/doctors/new/",
        {
            "given_name": "Priya",
            "family_name": "Shah",
            "doctor_type": "gp",
            "provider_number": "2448301A",
            "hpii": "8003629900040359",
        },
    )
    page = response.content.decode()
    assert response.status_code == 400
    assert "fails its check character" in page
    assert "An HPI-I starts with 800361" in page


def test_it_filters_doctors_by_type_and_suburb(owner_client, alice_practice):
    bay = testing.make_medical_practice(alice_practice, suburb="Mosman")
    gp = testing.make_doctor(alice_practice, doctor_type="gp", medical_practices=[bay])
    testing.make_doctor(alice_practice, doctor_type="psychiatrist", medical_practices=[bay])
    testing.make_doctor(alice_practice, doctor_type="gp")
    response = owner_client.get("/doctors/?doctor_type=gp&suburb=mosman")
    assert list(response.context["object_list"]) == [gp]


def test_it_checks_a_medical_practices_location_and_hpio(owner_client):
    response = owner_client.post(
        "/medical-practices/new/",
        {
            "name": "Bay Medical",
            "suburb": "Mosman",
            "state": "NSW",
            "postcode": "2088",
            "latitude": "51.5",
            "hpio": "8003619900015717",
        },
    )
    page = response.content.decode()
    assert "Give both latitude and longitude" in page
    assert "An Australian latitude is between -44 and -9" in page
    assert "An HPI-O starts with 800362" in page
    assert not MedicalPractice.objects.exists()


def test_it_saves_a_medical_practice_with_its_coordinates(owner_client, alice_practice):
    response = owner_client.post(
        "/medical-practices/new/",
        {
            "name": "Bay Medical",
            "suburb": "Mosman",
            "state": "NSW",
            "postcode": "2088",
            "latitude": "-33.829",
            "longitude": "151.244",
            "hpio": "8003621566684455",
        },
    )
    assert response.status_code == 302
    assert MedicalPractice.objects.get().practice == alice_practice


def test_the_doctor_page_lists_their_referrals(owner_client, alice_practice):
    doctor = testing.make_doctor(alice_practice)
    referral = testing.make_referral(alice_practice, doctor=doctor)
    page = owner_client.get(f"/doctors/{doctor.uuid}/").content.decode()
    assert referral.client.full_name in page


def test_it_keeps_the_doctors_secure_messaging_service_and_shows_it(owner_client, alice_practice):
    response = owner_client.post(
        "/doctors/new/",
        {
            "title": "Dr",
            "given_name": "Priya",
            "family_name": "Shah",
            "doctor_type": "gp",
            "secure_messaging_address": "shahp",
            "secure_messaging_service": "Medical-Objects",
            "preferred_channel": "hl7",
        },
    )
    assert response.status_code == 302
    doctor = Doctor.objects.get()
    assert doctor.secure_messaging_service == "Medical-Objects"
    page = owner_client.get(doctor.get_absolute_url()).content.decode()
    assert "shahp (Medical-Objects)" in page


def test_bulk_writes_keep_the_pickers_search_keys(alice_practice):
    with practice_scope(alice_practice):
        [doctor] = Doctor.objects.bulk_create(
            [Doctor(practice=alice_practice, given_name="Zoë", family_name="O'Brien")]
        )
        [place] = MedicalPractice.objects.bulk_create(
            [MedicalPractice(practice=alice_practice, name="The Bay Clinic")]
        )
        doctor.refresh_from_db()
        place.refresh_from_db()
        assert (doctor.search_family, doctor.search_given, place.search_name) == (
            "obrien",
            "zoe",
            "bayclinic",
        )
        doctor.family_name = "Ng"
        Doctor.objects.bulk_update([doctor], ["family_name"])
        place.name = "Harbour GP"
        MedicalPractice.objects.bulk_update([place], ["name"])
        doctor.refresh_from_db()
        place.refresh_from_db()
        assert (doctor.search_family, place.search_name) == ("ng", "harbourgp")
