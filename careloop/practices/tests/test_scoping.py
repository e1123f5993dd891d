"""Tenancy fails closed: a query on a practice's records that does not say which
practice raises, instead of returning every practice's rows."""

import pytest
from django.apps import apps
from django.contrib.auth.models import AnonymousUser
from django.http import HttpResponse
from django_scopes import ScopeError, scopes_disabled

from careloop import testing
from careloop.clients.models import Client
from careloop.letters.models import Letter
from careloop.practices.middleware import PracticeMiddleware
from careloop.practices.scoping import (
    CrossPracticeReference,
    PracticeOwned,
    in_scope_of,
    practice_scope,
)
from careloop.referrals.models import Referral

PRACTICE_OWNED = [
    model
    for model in apps.get_models()
    if issubclass(model, PracticeOwned) and not model._meta.abstract
]


def test_every_practice_owned_model_is_checked():
    names = {model.__name__ for model in PRACTICE_OWNED}
    assert {"Client", "Referral", "Letter", "Consent", "ClinicalNote"} <= names


@pytest.mark.scoped
@pytest.mark.django_db
@pytest.mark.parametrize("model", PRACTICE_OWNED, ids=[m.__name__ for m in PRACTICE_OWNED])
def test_an_unscoped_query_raises(model):
    with pytest.raises(ScopeError):
        model.objects.count()
    with pytest.raises(ScopeError):
        list(model.objects.all())
    with pytest.raises(ScopeError):
        model.objects.filter(pk=1).exists()


@pytest.fixture
def two_clients(alice_practice, bob_practice):
    with scopes_disabled():
        return testing.make_client(alice_practice), testing.make_client(bob_practice)


@pytest.mark.scoped
def test_a_practices_scope_shows_only_its_own_rows(two_clients, alice_practice, bob_practice):
    mine, theirs = two_clients
    with practice_scope(alice_practice):
        assert list(Client.objects.all()) == [mine]
        assert not Client.objects.filter(pk=theirs.pk).exists()
        # Naming the other practice inside this scope still finds nothing.
        assert not Client.objects.for_practice(bob_practice).exists()
    # Outside any scope, naming the practice is the explicit way to ask.
    assert list(Client.objects.for_practice(bob_practice)) == [theirs]
    assert not Client.objects.for_practice(None).exists()


def test_a_scope_needs_a_practice():
    # django-scopes reads practice=None as "every practice"; ours refuses it.
    with pytest.raises(ValueError), practice_scope(None):
        pass


def _count_clients(request):
    return HttpResponse(str(Client.objects.count()))


def test_a_public_view_that_forgets_its_practice_raises(rf, two_clients):
    # The test body runs with scopes disabled; the request still must not inherit that.
    request = rf.get("/c/some-link/")
    request.user = AnonymousUser()
    with pytest.raises(ScopeError):
        PracticeMiddleware(_count_clients)(request)


def test_a_staff_request_counts_only_its_practices_rows(rf, two_clients, owner):
    request = rf.get("/clients/")
    request.user = owner
    assert PracticeMiddleware(_count_clients)(request).content == b"1"


def test_a_public_view_runs_in_the_scope_its_link_names(rf, two_clients, alice_practice):
    request = rf.get("/c/some-link/")
    request.user = AnonymousUser()
    named = in_scope_of(lambda request: alice_practice.pk)(_count_clients)
    assert PracticeMiddleware(named)(request).content == b"1"
    # A link that names no practice (expired, forged) sees nothing at all.
    unnamed = in_scope_of(lambda request: None)(_count_clients)
    assert PracticeMiddleware(unnamed)(request).content == b"0"


@pytest.mark.scoped
def test_a_staff_page_works_inside_its_scope(owner_client, two_clients):
    mine, theirs = two_clients
    response = owner_client.get("/clients/")
    assert response.status_code == 200
    page = response.content.decode()
    assert str(mine.uuid) in page
    assert str(theirs.uuid) not in page


def test_a_referral_to_another_practices_client_is_refused(alice_practice, bob_practice):
    theirs = testing.make_client(bob_practice)
    with pytest.raises(CrossPracticeReference, match="referral belongs to one practice"):
        testing.make_referral(alice_practice, client=theirs)
    assert not Referral.objects.exists()


def test_a_letter_to_another_practices_doctor_is_refused(alice_practice, bob_practice):
    referral = testing.make_referral(alice_practice)
    letter = Letter(
        practice=alice_practice,
        client=referral.client,
        referral=referral,
        doctor=testing.make_doctor(bob_practice),
        kind="end_of_course",
    )
    with pytest.raises(CrossPracticeReference, match="doctor"):
        letter.save()
    # Set by id alone, the key is looked up rather than trusted.
    letter.doctor_id = testing.make_doctor(bob_practice).pk
    with pytest.raises(CrossPracticeReference):
        letter.save()
    letter.doctor = referral.referring_doctor
    letter.save()


def test_moving_an_existing_row_to_another_practices_record_is_refused(
    alice_practice, bob_practice
):
    referral = testing.make_referral(alice_practice)
    referral.client_id = testing.make_client(bob_practice).pk
    with pytest.raises(CrossPracticeReference):
        referral.save(update_fields=["client"])


def test_loaded_references_are_checked_without_a_query(alice_practice, django_assert_num_queries):
    referral = testing.make_referral(alice_practice)
    with django_assert_num_queries(0):
        referral.check_references_stay_in_practice()
    with django_assert_num_queries(0):
        # An update that names no foreign key checks none.
        Referral(pk=referral.pk, practice_id=alice_practice.pk).check_references_stay_in_practice(
            ["status"]
        )
