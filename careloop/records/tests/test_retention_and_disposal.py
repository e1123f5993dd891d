"""Retention: the practice's rule, the records past it, the monthly reminder, and
disposal (confirmed, irreversible, registered without contents, audited)."""

from datetime import date

import pytest
import time_machine
from django.core import mail
from django.core.files.storage import default_storage

from careloop import testing
from careloop.audit.models import AuditEvent
from careloop.clients.models import Client
from careloop.consent.models import Consent, Disclosure
from careloop.letters.models import Delivery, Letter
from careloop.measures.actions import record_result
from careloop.practices.models import Role
from careloop.records import queries, tasks
from careloop.records.models import AccessReport, DisposalRecord, RetentionSettings
from careloop.referrals.models import Referral, ReferralDocument
from careloop.therapy.models import ClinicalNote, TherapySession

TODAY = date(2036, 6, 1)
GIVEN, FAMILY = "Qxgivenqx", "Qxfamilyqx"


def _aware(day: date):
    return testing.aware(day.year, day.month, day.day)


def _old_client(practice, *, born, first, last, **fields):
    """A client created at `first` and last seen at `last`, with a full record."""
    client = testing.make_client(practice, date_of_birth=born, **fields)
    Client.objects.filter(pk=client.pk).update(created_at=_aware(first))
    client.refresh_from_db()
    doctor = testing.make_doctor(practice)
    referral = testing.make_referral(
        practice, client=client, doctor=doctor, referral_date=first, received_at=_aware(first)
    )
    testing.make_document(referral)
    clinician = testing.make_user(practice, Role.CLINICIAN)
    session = testing.make_session(
        practice,
        client=client,
        clinician=clinician,
        referral=referral,
        starts_at=_aware(last),
        status="attended",
    )
    ClinicalNote.objects.create(practice=practice, session=session, text="note", author=clinician)
    record_result(client, "k10", dict.fromkeys(range(1, 11), 2), on=last)
    consent = Consent.objects.create(
        practice=practice,
        client=client,
        doctor=doctor,
        scopes=["status"],
        method="verbal",
        obtained_on=first,
        recorded_by=clinician,
    )
    letter = Letter.objects.create(
        practice=practice, client=client, referral=referral, doctor=doctor, kind="end_of_course"
    )
    Letter.objects.filter(pk=letter.pk).update(created_at=_aware(last))
    Delivery.objects.create(
        practice=practice,
        letter=letter,
        channel="print",
        status="to_print",
        next_attempt_at=_aware(last),
    )
    Disclosure.objects.create(
        practice=practice,
        client=client,
        doctor=doctor,
        consent=consent,
        scope="status",
        description="status",
        channel="email",
        at=_aware(last),
    )
    return client


@pytest.fixture(autouse=True)
def at_today():
    # Before any other fixture: a session signed in before the jump would have expired.
    with time_machine.travel(_aware(TODAY), tick=False):
        yield


@pytest.fixture
def minor(alice_practice):
    # Seen as a minor in 2020 (aged 10): kept until 25, in 2035.
    return _old_client(
        alice_practice,
        born=date(2010, 5, 1),
        first=date(2020, 2, 1),
        last=date(2020, 9, 1),
        given_name=GIVEN,
        family_name=FAMILY,
    )


@pytest.fixture
def adult(alice_practice):
    # An adult last seen in 2030: kept until 2037.
    return _old_client(
        alice_practice, born=date(1980, 1, 1), first=date(2029, 1, 1), last=date(2030, 3, 1)
    )


def test_a_client_seen_as_a_minor_is_kept_until_25_and_an_adult_7_years(
    alice_practice, minor, adult, at_today
):
    due = {d.client.pk: d for d in queries.past_retention(alice_practice, today=TODAY)}
    assert set(due) == {minor.pk}
    assert due[minor.pk].ends == date(2035, 5, 1)
    with time_machine.travel(_aware(date(2035, 4, 30)), tick=False):
        assert queries.past_retention(alice_practice) == []
    adult_due = queries.retention_of(
        alice_practice, queries.with_contacts(Client.objects.filter(pk=adult.pk)).get()
    )
    assert adult_due.last_contact == date(2030, 3, 1)
    assert adult_due.ends == date(2037, 3, 1)


def test_the_practice_chooses_its_rule(owner_client, alice_practice, minor, adult, at_today):
    response = owner_client.post(
        "/practice/retention/", {"adult_years": "5", "minor_until_age": "", "source": "WA"}
    )
    assert response.status_code == 302
    rule = RetentionSettings.objects.get(practice=alice_practice)
    assert (rule.adult_years, rule.minor_until_age) == (5, None)
    # Five years after 2030-03-01 has passed; the minor's 2020 contact too.
    due = {d.client.pk for d in queries.past_retention(alice_practice)}
    assert due == {minor.pk, adult.pk}
    assert owner_client.post("/practice/retention/", {"adult_years": "0"}).status_code == 400


def test_the_page_lists_records_past_retention_for_the_owner(owner_client, minor, adult, at_today):
    page = owner_client.get("/practice/retention/").content.decode()
    assert f"/clients/{minor.uuid}/dispose/" in page
    assert f"/clients/{adult.uuid}/dispose/" not in page


def test_the_monthly_job_tells_owners_the_count_only(alice_practice, owner, minor, at_today):
    testing.make_user(alice_practice, Role.CLINICIAN)
    assert tasks.tell_owners_of_records_past_retention() == 1
    (message,) = mail.outbox
    assert message.to == [owner.email]
    assert "1 client record(s)" in message.subject + message.body
    assert GIVEN not in message.body and FAMILY not in message.body
    assert Client.objects.filter(pk=minor.pk).exists()  # never disposed of by itself


def test_nothing_is_disposed_of_without_confirmation(owner_client, minor, at_today):
    url = f"/clients/{minor.uuid}/dispose/"
    assert owner_client.get(url).status_code == 200
    for data in (
        {},
        {"typed_name": "Someone Else", "understood": "on"},
        {"typed_name": f"{GIVEN} {FAMILY}"},  # box not ticked
    ):
        assert owner_client.post(url, data).status_code == 400
    assert Client.objects.filter(pk=minor.pk).exists()
    assert not DisposalRecord.objects.exists()


def test_a_record_still_in_retention_cannot_be_disposed_of(owner_client, adult, at_today):
    response = owner_client.post(
        f"/clients/{adult.uuid}/dispose/",
        {"typed_name": adult.full_name, "understood": "on"},
    )
    assert response.status_code == 302
    assert Client.objects.filter(pk=adult.pk).exists()
    assert not DisposalRecord.objects.exists()


@pytest.mark.parametrize("role", [Role.CLINICIAN, Role.ADMIN])
def test_only_owners_see_retention_or_dispose(client, alice_practice, minor, role, at_today):
    client.force_login(testing.make_user(alice_practice, role))
    assert client.get("/practice/retention/").status_code == 403
    assert (
        client.post(
            f"/clients/{minor.uuid}/dispose/", {"typed_name": minor.full_name, "understood": "on"}
        ).status_code
        == 403
    )
    assert Client.objects.filter(pk=minor.pk).exists()


def test_disposal_deletes_the_whole_record_and_keeps_a_register_without_contents(
    owner_client,
    owner,
    alice_practice,
    minor,
    adult,
    django_capture_on_commit_callbacks,
    at_today,
):
    owner_client.get(f"/clients/{minor.uuid}/")  # an audit row about the client
    AccessReport.objects.create(practice=alice_practice, client=minor, requested_by=owner)
    files = list(
        ReferralDocument.objects.filter(referral__client=minor).values_list("file", flat=True)
    )
    assert files and all(default_storage.exists(name) for name in files)
    audit_before = AuditEvent.objects.filter(client_uuid=minor.uuid).count()

    with django_capture_on_commit_callbacks(execute=True):
        response = owner_client.post(
            f"/clients/{minor.uuid}/dispose/",
            {"typed_name": f"  {GIVEN.lower()}   {FAMILY} ", "understood": "on"},
        )
    assert response.status_code == 302

    assert not Client.objects.filter(pk=minor.pk).exists()
    gone = {
        Referral: {"client_id": minor.pk},
        TherapySession: {"client_id": minor.pk},
        ClinicalNote: {"session__client_id": minor.pk},
        Consent: {"client_id": minor.pk},
        Disclosure: {"client_id": minor.pk},
        Letter: {"client_id": minor.pk},
        Delivery: {"letter__client_id": minor.pk},
        AccessReport: {"client_id": minor.pk},
        ReferralDocument: {"referral__client_id": minor.pk},
    }
    for model, lookup in gone.items():
        assert not model.objects.filter(**lookup).exists(), model
    assert Letter.objects.filter(client=adult).exists()  # only the one record
    assert not any(default_storage.exists(name) for name in files)
    assert Client.objects.filter(pk=adult.pk).exists()  # only the one record

    (row,) = DisposalRecord.objects.all()
    assert row.client_uuid == minor.uuid and row.disposed_by == owner
    assert row.retention_ended_on == date(2035, 5, 1)
    # The row's fields, not Django's state object, whose repr holds a memory address
    # (once 0x...2010, which read as the year of birth).
    text = " ".join(str(getattr(row, f.attname)) for f in DisposalRecord._meta.concrete_fields)
    assert GIVEN not in text and FAMILY not in text and "2010" not in text

    # The audit log keeps its rows and records the disposal.
    assert AuditEvent.objects.filter(client_uuid=minor.uuid).count() == audit_before + 1
    event = AuditEvent.objects.get(action="dispose")
    assert event.client_uuid == minor.uuid and GIVEN not in event.object_label

    assert owner_client.get(f"/clients/{minor.uuid}/").status_code == 404
    assert owner_client.get(f"/clients/{minor.uuid}/dispose/").status_code == 404
    assert owner_client.get(f"/clients/{minor.uuid}/access/").status_code == 404
    page = owner_client.get("/practice/retention/").content.decode()
    assert str(minor.uuid) in page


def test_the_retention_page_answers_in_constant_queries(
    owner_client, alice_practice, django_assert_max_num_queries, at_today
):
    for _ in range(2):
        _old_client(
            alice_practice, born=date(1950, 1, 1), first=date(2000, 1, 1), last=date(2001, 1, 1)
        )
    with django_assert_max_num_queries(20) as small:
        owner_client.get("/practice/retention/")
    for _ in range(6):
        _old_client(
            alice_practice, born=date(1950, 1, 1), first=date(2000, 1, 1), last=date(2001, 1, 1)
        )
    with django_assert_max_num_queries(20) as large:
        assert owner_client.get("/practice/retention/").context["due"].__len__() == 8
    assert len(large.captured_queries) == len(small.captured_queries)
