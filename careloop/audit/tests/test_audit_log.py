import pytest
from django.db import DatabaseError, connection, transaction

from careloop import testing
from careloop.audit.models import AppendOnlyError, AuditEvent
from careloop.web.records import audit_view


def test_viewing_a_client_is_recorded_with_who_and_when(owner_client, owner, alice_practice):
    client = testing.make_client(alice_practice)
    owner_client.get(f"/clients/{client.uuid}/")
    event = AuditEvent.objects.get()
    assert (event.actor, event.action, event.object_uuid, event.client_uuid) == (
        owner,
        "view",
        client.uuid,
        client.uuid,
    )
    assert "Olivia Owner" in event.actor_label
    assert event.ip_address == "127.0.0.1"


def test_changing_a_client_records_which_fields_changed(owner_client, alice_practice):
    client = testing.make_client(alice_practice, phone="0491 570 110")
    response = owner_client.post(
        f"/clients/{client.uuid}/edit/",
        {
            "given_name": client.given_name,
            "family_name": client.family_name,
            "date_of_birth": client.date_of_birth.strftime("%d/%m/%Y"),
            "medicare_number": client.medicare_number,
            "medicare_irn": client.medicare_irn,
            "phone": "0491 570 999",
        },
    )
    assert response.status_code == 302
    event = AuditEvent.objects.get(action="update")
    assert event.changed_fields == ["phone"]


def test_views_of_referrals_sessions_and_documents_are_tied_to_the_client(
    owner_client, alice_practice
):
    referral = testing.make_referral(alice_practice)
    document = testing.make_document(referral)
    session = testing.make_session(alice_practice, client=referral.client)
    owner_client.get(f"/referrals/{referral.uuid}/")
    owner_client.get(f"/referrals/{referral.uuid}/documents/{document.uuid}/")
    owner_client.get(f"/sessions/{session.uuid}/")
    assert AuditEvent.objects.filter(client_uuid=referral.client.uuid).count() == 3


def test_only_the_owner_reads_the_audit_log(client, owner, clinician, admin_user, alice_practice):
    testing.make_audit_event(alice_practice, actor=owner)
    for user, expected in [(owner, 200), (clinician, 403), (admin_user, 403)]:
        client.force_login(user)
        assert client.get("/audit/").status_code == expected


def test_the_owner_can_see_one_clients_access_history(owner_client, alice_practice):
    one = testing.make_client(alice_practice)
    other = testing.make_client(alice_practice)
    owner_client.get(f"/clients/{one.uuid}/")
    owner_client.get(f"/clients/{other.uuid}/")
    response = owner_client.get(f"/audit/?client_record={one.uuid}")
    assert [e.client_uuid for e in response.context["object_list"]] == [one.uuid]
    page = response.content.decode()
    assert f"Showing the history of {one.full_name} only" in page
    assert f'value="{one.uuid}"' in page  # kept, hidden, while filtering further
    assert "One client&#x27;s history" not in page


def test_the_owner_finds_a_clients_history_by_name(owner_client, alice_practice, bob_practice):
    mia = testing.make_client(alice_practice, given_name="Mia", family_name="Nguyen")
    other = testing.make_client(alice_practice, given_name="Tom", family_name="Baker")
    namesake = testing.make_client(bob_practice, given_name="Mia", family_name="Nguyen")
    for person in (mia, other):
        owner_client.get(f"/clients/{person.uuid}/")
    testing.make_audit_event(bob_practice)
    response = owner_client.get("/audit/?client=nguyen+mi")
    assert [e.client_uuid for e in response.context["object_list"]] == [mia.uuid]
    assert namesake.uuid not in [e.client_uuid for e in AuditEvent.objects.all()]
    page = response.content.decode()
    assert 'name="client"' in page and "Client name" in page
    assert "Client id" not in page


def test_changed_fields_are_shown_by_their_names_on_the_form(owner_client, alice_practice):
    client = testing.make_client(alice_practice, medicare_irn=1)
    owner_client.post(
        f"/clients/{client.uuid}/edit/",
        {
            "given_name": client.given_name,
            "family_name": client.family_name,
            "date_of_birth": client.date_of_birth.strftime("%d/%m/%Y"),
            "medicare_number": client.medicare_number,
            "medicare_irn": "2",
            "phone": "0491 570 999",
        },
    )
    assert AuditEvent.objects.get(action="update").changed_fields == ["medicare_irn", "phone"]
    page = owner_client.get("/audit/?action=update").content.decode()
    assert "Medicare IRN, Mobile or phone" in page
    assert "medicare_irn" not in page


def test_a_page_showing_several_records_writes_one_viewed_row(rf, owner, alice_practice):
    referral = testing.make_referral(alice_practice)
    request = rf.get("/")
    request.user = owner
    audit_view(request, referral.client, client=referral.client)
    audit_view(request, referral, client=referral.client)
    assert AuditEvent.objects.filter(action="view").count() == 1
    # The next page is another look, with its own row.
    request = rf.get("/")
    request.user = owner
    audit_view(request, referral, client=referral.client)
    assert AuditEvent.objects.filter(action="view").count() == 2


def test_the_log_is_append_only_in_the_application(alice_practice):
    event = testing.make_audit_event(alice_practice)
    event.object_label = "rewritten"
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.delete()
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.filter(pk=event.pk).update(object_label="rewritten")
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.all().delete()


def test_the_database_refuses_to_rewrite_an_audit_row(alice_practice):
    event = testing.make_audit_event(alice_practice)
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE audit_auditevent SET object_label = 'x' WHERE id = %s", [event.pk])
    event.refresh_from_db()
    assert event.object_label != "x"


def test_a_very_long_name_and_email_still_fit_the_audit_row(client, alice_practice):
    long_user = testing.make_user(
        alice_practice, full_name="N" * 120, email=("e" * 60) + "@" + ("d" * 60) + ".example"
    )
    person = testing.make_client(alice_practice)
    client.force_login(long_user)
    assert client.get(f"/clients/{person.uuid}/").status_code == 200
    assert len(AuditEvent.objects.get().actor_label) <= 160


def test_opening_an_edit_form_is_recorded_as_a_view(owner_client, alice_practice):
    referral = testing.make_referral(alice_practice)
    session = testing.make_session(alice_practice, client=referral.client)
    pages = {
        referral.client.uuid: f"/clients/{referral.client.uuid}/edit/",
        referral.uuid: f"/referrals/{referral.uuid}/edit/",
        session.uuid: f"/sessions/{session.uuid}/edit/",
    }
    for url in pages.values():
        assert owner_client.get(url).status_code == 200
    events = AuditEvent.objects.filter(action="view")
    assert {e.object_uuid for e in events} == set(pages)
    assert {e.client_uuid for e in events} == {referral.client.uuid}


def test_an_edit_form_of_another_practices_record_is_not_found_and_not_recorded(
    client, bob_owner, alice_practice
):
    record = testing.make_client(alice_practice)
    client.force_login(bob_owner)
    assert client.get(f"/clients/{record.uuid}/edit/").status_code == 404
    assert not AuditEvent.objects.exists()


def test_the_database_refuses_to_delete_an_audit_row(alice_practice):
    event = testing.make_audit_event(alice_practice)
    for sql in [
        "DELETE FROM audit_auditevent WHERE id = %s",
        "DELETE FROM audit_auditevent WHERE id = %s OR 1 = 1",
    ]:
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, [event.pk])
    assert AuditEvent.objects.filter(pk=event.pk).exists()


@pytest.mark.postgresql_only
def test_postgresql_refuses_to_truncate_the_audit_log(alice_practice):
    if connection.vendor != "postgresql":
        pytest.skip("TRUNCATE is PostgreSQL's; SQLite's DELETE is covered above")
    testing.make_audit_event(alice_practice)
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("TRUNCATE audit_auditevent")
    assert AuditEvent.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_a_transactional_test_can_still_empty_its_database():
    # pytest-django flushes after this test; the guards must survive the flush.
    practice = testing.make_practice("guarded")
    testing.make_audit_event(practice)
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM audit_auditevent")


@pytest.mark.django_db(transaction=True)
def test_the_guards_are_back_after_a_flush():
    assert not AuditEvent.objects.exists()
    testing.make_audit_event(testing.make_practice("guarded-again"))
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM audit_auditevent")
