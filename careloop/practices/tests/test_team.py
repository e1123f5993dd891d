import re

from django.core import mail

from careloop.audit.models import AuditEvent
from careloop.practices.models import Role, User


def member_form(**overrides):
    data = {
        "full_name": "Nina Nurse",
        "email": "nina@alice.test",
        "role": "clinician",
        "is_active": "on",
        "profession": "psychologist",
        "ahpra_registration": "PSY0001234567",
        "provider_number": "2448301T",
    }
    data.update(overrides)
    return data


def test_the_owner_adds_a_clinician_who_is_emailed_a_set_password_link(
    owner_client, alice_practice, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = owner_client.post("/practice/team/new/", member_form())
    assert response.status_code == 302
    nina = User.objects.get(email="nina@alice.test")
    assert (nina.practice, nina.role) == (alice_practice, Role.CLINICIAN)
    assert nina.clinician_profile.profession == "psychologist"
    assert not nina.has_usable_password()
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["nina@alice.test"]
    assert re.search(r"/account/password/reset/\S+/\S+/", mail.outbox[0].body)


def test_it_checks_the_clinicians_registration(owner_client):
    page = owner_client.post(
        "/practice/team/new/", member_form(ahpra_registration="", provider_number="2448301A")
    ).content.decode()
    assert "registered with Ahpra" in page
    assert "fails its check character" in page
    page = owner_client.post(
        "/practice/team/new/", member_form(profession="counsellor", ahpra_registration="")
    ).content.decode()
    assert "Counsellors cannot bill Medicare" in page


def email_errors(response):
    return response.context["form"].errors.get("email")


def test_an_address_in_use_here_or_in_another_practice_is_refused_without_saying_where(
    owner_client, clinician, bob_owner
):
    here = owner_client.post("/practice/team/new/", member_form(email="CLINICIAN@alice.test"))
    elsewhere = owner_client.post("/practice/team/new/", member_form(email="owner@bob.test"))
    assert here.status_code == elsewhere.status_code == 400
    assert email_errors(here) == email_errors(elsewhere)
    assert "cannot be used for a new account" in email_errors(elsewhere)[0]
    assert "Bob" not in elsewhere.content.decode()
    assert User.objects.filter(email="owner@bob.test").get() == bob_owner


def test_an_owner_cannot_check_a_list_of_addresses_against_other_practices(
    owner_client, bob_owner, monkeypatch
):
    monkeypatch.setattr("careloop.practices.forms.NEW_MEMBER_ADDRESSES_PER_HOUR", 3)
    for _ in range(3):
        owner_client.post("/practice/team/new/", member_form(email="owner@bob.test"))
    taken = owner_client.post("/practice/team/new/", member_form(email="owner@bob.test"))
    free = owner_client.post("/practice/team/new/", member_form(email="nina@alice.test"))
    # Over the hour's allowance a free address and a taken one get the same answer.
    assert email_errors(taken) == email_errors(free)
    assert "try again in an hour" in email_errors(free)[0]
    assert not User.objects.filter(email="nina@alice.test").exists()


def test_saving_a_member_without_changing_their_address_is_not_counted(
    owner_client, clinician, monkeypatch
):
    monkeypatch.setattr("careloop.practices.forms.NEW_MEMBER_ADDRESSES_PER_HOUR", 1)
    edit = f"/practice/team/{clinician.uuid}/edit/"
    for name in ["Clara C", "Clara Clinician"]:
        response = owner_client.post(edit, member_form(full_name=name, email=clinician.email))
        assert response.status_code == 302


def test_the_last_owner_cannot_be_demoted(owner_client, owner):
    response = owner_client.post(
        f"/practice/team/{owner.uuid}/edit/",
        member_form(full_name=owner.full_name, email=owner.email, role="admin", profession=""),
    )
    assert "at least one active owner" in response.content.decode()
    owner.refresh_from_db()
    assert owner.role == Role.OWNER


def test_only_the_owner_manages_the_practice(client, clinician, admin_user):
    for user in (clinician, admin_user):
        client.force_login(user)
        assert client.get("/practice/").status_code == 403
        assert client.post("/practice/team/new/", member_form()).status_code == 403
    assert not User.objects.filter(email="nina@alice.test").exists()


def test_the_navigation_shows_owner_areas_to_owners_only(client, owner, admin_user):
    client.force_login(admin_user)
    assert "Audit log" not in client.get("/dashboard/").content.decode()
    client.force_login(owner)
    assert "Audit log" in client.get("/dashboard/").content.decode()


def test_the_practice_abn_is_checked(owner_client, alice_practice):
    response = owner_client.post(
        "/practice/",
        {"name": "Alice", "abn": "51 824 753 557", "state": "NSW", "time_zone": "Australia/Sydney"},
    )
    assert "fails its checksum" in response.content.decode()


def test_the_owner_sets_the_response_targets(owner_client, alice_practice):
    data = {
        "name": alice_practice.name,
        "state": "NSW",
        "time_zone": "Australia/Sydney",
        "acknowledge_within_days": "2",
        "contact_within_days": "3",
        "hl7_facility_ids": "ALICE, 8003621566684455",
        "k10_band_set": "abs",
    }
    assert owner_client.post("/practice/", data).status_code == 302
    alice_practice.refresh_from_db()
    assert (alice_practice.acknowledge_within_days, alice_practice.contact_within_days) == (2, 3)
    refused = owner_client.post("/practice/", {**data, "contact_within_days": "0"})
    assert "between 1 and 10 business days" in refused.content.decode()


def test_the_practice_records_its_hpio_after_checking_it(owner_client, alice_practice):
    data = {
        "name": alice_practice.name,
        "state": "NSW",
        "time_zone": "Australia/Sydney",
        "acknowledge_within_days": "1",
        "contact_within_days": "2",
        "k10_band_set": "abs",
    }
    refused = owner_client.post("/practice/", {**data, "hpio": "8003621566684456"})
    assert "This HPI-O fails its check digit" in refused.content.decode()
    assert owner_client.post("/practice/", {**data, "hpio": "8003621566684455"}).status_code == 302
    alice_practice.refresh_from_db()
    assert alice_practice.hpio == "8003621566684455"


def test_a_clinicians_hpii_is_checked_and_kept_on_their_profile(owner_client, alice_practice):
    refused = owner_client.post("/practice/team/new/", member_form(hpii="8003619900015718"))
    assert "This HPI-I fails its check digit" in refused.content.decode()
    assert not User.objects.filter(email="nina@alice.test").exists()
    owner_client.post("/practice/team/new/", member_form(hpii="8003619900015717"))
    nina = User.objects.get(email="nina@alice.test")
    assert nina.clinician_profile.hpii == "8003619900015717"


def test_adding_editing_and_turning_off_a_member_is_audited(owner_client, owner, alice_practice):
    owner_client.post("/practice/team/new/", member_form())
    nina = User.objects.get(email="nina@alice.test")
    edit = f"/practice/team/{nina.uuid}/edit/"
    owner_client.post(edit, member_form(full_name="Nina Nurse-Lee", email=nina.email))
    data = member_form(full_name="Nina Nurse-Lee", email=nina.email)
    del data["is_active"]
    owner_client.post(edit, data)

    events = list(AuditEvent.objects.filter(object_uuid=nina.uuid).order_by("id"))
    assert [e.action for e in events] == ["create", "update", "update"]
    assert all(e.practice == alice_practice and e.client_uuid is None for e in events)
    assert all(e.object_type == "team member" and e.actor == owner for e in events)
    assert events[0].object_label == "Nina Nurse (Clinician)"
    assert events[1].changed_fields == ["full_name"]
    assert events[2].changed_fields == ["is_active"]
    assert events[2].object_label == "Nina Nurse-Lee (Clinician): can no longer sign in"
