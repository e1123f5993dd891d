"""Merging a duplicate client keeps everything: every row any app hangs on the
duplicate moves to the kept record, in one transaction."""

from datetime import timedelta

from django.apps import apps
from django.db import models
from django.utils import timezone

from careloop import testing
from careloop.clients.models import Client
from careloop.consent.models import Consent, ConsentRequest, Disclosure
from careloop.entitlements.models import ElsewhereClaims
from careloop.letters.models import Letter
from careloop.measures.actions import invite, record_result
from careloop.measures.models import MeasureResult, RiskAlert


def rows_pointing_at(client) -> dict[str, int]:
    """Every model with a foreign key to Client, and how many of its rows name it.
    Walking the app registry means a new model is covered the day it is added."""
    counts = {}
    for model in apps.get_models():
        for field in model._meta.get_fields():
            if isinstance(field, models.ForeignKey) and field.related_model is Client:
                key = f"{model._meta.label}.{field.name}"
                counts[key] = model._default_manager.filter(**{field.name: client}).count()
    return counts


def test_merging_keeps_scores_consent_disclosures_letters_and_everything_else(
    owner_client, alice_practice, admin_user, clinician
):
    keep = testing.make_client(alice_practice, given_name="Ana", family_name="Silva")
    duplicate = testing.make_client(
        alice_practice,
        given_name="Ana",
        family_name="Silva",
        date_of_birth=keep.date_of_birth,
        possible_duplicate_of=keep,
        email="ana@example.com",
    )
    referral = testing.make_referral(alice_practice, client=duplicate)
    testing.make_session(alice_practice, client=duplicate, clinician=clinician, referral=referral)
    record_result(duplicate, "k10", dict.fromkeys(range(1, 11), 2), on=timezone.localdate())
    record_result(
        duplicate, "phq9", dict.fromkeys(range(1, 10), 1), on=timezone.localdate()
    )  # raises a safety alert
    invite(duplicate, "gad7", by=clinician)
    consent = Consent.objects.create(
        practice=alice_practice,
        client=duplicate,
        referral=referral,
        scopes=["status"],
        method="verbal",
        obtained_on=timezone.localdate() - timedelta(days=3),
        recorded_by=admin_user,
    )
    ConsentRequest.objects.create(
        practice=alice_practice,
        client=duplicate,
        referral=referral,
        doctor=referral.referring_doctor,
        scopes=["status"],
        created_by=admin_user,
        expires_at=timezone.now() + timedelta(days=7),
    )
    Disclosure.objects.create(
        practice=alice_practice,
        client=duplicate,
        doctor=referral.referring_doctor,
        consent=consent,
        scope="status",
        description="Acknowledgement",
        channel="email",
        at=timezone.now(),
    )
    Letter.objects.create(
        practice=alice_practice,
        client=duplicate,
        referral=referral,
        doctor=referral.referring_doctor,
        kind="acknowledgement",
    )
    year = timezone.localdate().year
    ElsewhereClaims.objects.create(practice=alice_practice, client=duplicate, year=year, group=2)
    ElsewhereClaims.objects.create(
        practice=alice_practice, client=keep, year=year, individual=3, note="HPOS"
    )
    before = rows_pointing_at(duplicate)
    kept_before = rows_pointing_at(keep)
    assert before["measures.MeasureResult.client"] == 2 and before["letters.Letter.client"] == 1

    response = owner_client.post(f"/clients/{duplicate.uuid}/duplicate/", {"decision": "same"})

    assert response.status_code == 302
    assert not Client.objects.filter(pk=duplicate.pk).exists()
    after = rows_pointing_at(keep)
    for key, count in before.items():
        if key == "entitlements.ElsewhereClaims.client":
            continue  # one row per year: the two years' rows became one
        if key == "clients.Client.possible_duplicate_of":
            continue
        assert after[key] == kept_before[key] + count, key
    claims = ElsewhereClaims.objects.get(client=keep, year=year)
    assert (claims.individual, claims.group) == (3, 2)
    assert MeasureResult.objects.filter(client=keep).count() == 2
    assert RiskAlert.objects.get().client == keep
    assert Client.objects.get(pk=keep.pk).email == "ana@example.com"


def test_a_merge_that_fails_in_any_app_changes_nothing(owner_client, alice_practice, monkeypatch):
    from careloop import events
    from careloop.clients.events import ClientsMerged

    keep = testing.make_client(alice_practice)
    duplicate = testing.make_client(
        alice_practice, date_of_birth=keep.date_of_birth, possible_duplicate_of=keep
    )
    record_result(duplicate, "k10", dict.fromkeys(range(1, 11), 2), on=timezone.localdate())

    def broken(event):
        raise RuntimeError("disk full")

    monkeypatch.setattr(events, "_handlers", {**events._handlers})
    events._handlers[ClientsMerged] = [*events._handlers[ClientsMerged], broken]
    owner_client.raise_request_exception = False
    response = owner_client.post(f"/clients/{duplicate.uuid}/duplicate/", {"decision": "same"})
    assert response.status_code == 500
    assert Client.objects.filter(pk=duplicate.pk).exists()
    assert MeasureResult.objects.get().client == duplicate
