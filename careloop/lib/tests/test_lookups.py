"""`__any_of`: a list of ids as one parameter (an array on PostgreSQL, a JSON list on
SQLite when long), with the rows and the NULL handling of `__in`."""

import pytest
from django.db import connection
from django.db.models import Q
from django.test.utils import CaptureQueriesContext

from careloop import testing
from careloop.clients.models import Client
from careloop.lib.lookups import SQLITE_LIST_PARAMETERS
from careloop.referrals.models import Referral


@pytest.fixture
def three(alice_practice):
    return [testing.make_client(alice_practice) for _ in range(3)]


def test_it_finds_the_rows_of_the_ids_given(three, alice_practice):
    wanted = [three[0].pk, three[2].pk]
    found = Client.objects.for_practice(alice_practice).filter(pk__any_of=wanted)
    assert sorted(found.values_list("pk", flat=True)) == sorted(wanted)


def test_an_empty_list_and_nones_find_nothing_more(three, alice_practice):
    clients = Client.objects.for_practice(alice_practice)
    assert not clients.filter(pk__any_of=[]).exists()
    assert list(clients.filter(pk__any_of=[None, three[1].pk])) == [three[1]]
    assert set(clients.exclude(pk__any_of=[])) == set(three)


def test_it_combines_with_other_conditions_and_negation(three, alice_practice):
    clients = Client.objects.for_practice(alice_practice)
    either = clients.filter(Q(pk__any_of=[three[0].pk]) | Q(pk=three[1].pk))
    assert set(either) == {three[0], three[1]}
    assert list(clients.exclude(pk__any_of=[three[0].pk, three[1].pk])) == [three[2]]


@pytest.mark.parametrize("padding", [0, SQLITE_LIST_PARAMETERS])
def test_exclude_keeps_the_rows_whose_field_is_empty_as_in_does(alice_practice, padding):
    doctor = testing.make_doctor(alice_practice)
    from_doctor = testing.make_referral(alice_practice, doctor=doctor)
    from_nobody = testing.make_referral(alice_practice)
    from_nobody.referring_doctor = None
    from_nobody.save()
    ids = [doctor.pk, *range(10**9, 10**9 + padding)]
    referrals = Referral.objects.for_practice(alice_practice)
    expected = set(referrals.exclude(referring_doctor_id__in=ids))
    assert expected == {from_nobody}
    assert set(referrals.exclude(referring_doctor_id__any_of=ids)) == expected
    assert set(referrals.filter(referring_doctor_id__any_of=ids)) == {from_doctor}


def test_it_takes_a_list_not_a_query(three, alice_practice):
    clients = Client.objects.for_practice(alice_practice)
    with pytest.raises(TypeError, match="list of ids"):
        list(clients.filter(pk__any_of=clients.values("pk")))


def test_on_postgresql_the_ids_are_one_parameter(three, alice_practice):
    ids = [client.pk for client in three]
    with CaptureQueriesContext(connection) as captured:
        list(Client.objects.for_practice(alice_practice).filter(pk__any_of=ids))
    sql = captured[-1]["sql"]
    if connection.vendor == "postgresql":
        assert "= ANY(" in sql and " IN (" not in sql
    else:
        assert " IN (" in sql


def test_a_long_list_is_one_parameter_on_sqlite_too(three, alice_practice):
    # Ids of nobody pad the list past the placeholders' limit for short lists.
    ids = [client.pk for client in three] + list(range(10**9, 10**9 + SQLITE_LIST_PARAMETERS))
    clients = Client.objects.for_practice(alice_practice)
    with CaptureQueriesContext(connection) as captured:
        found = set(clients.filter(pk__any_of=ids))
    assert found == set(three)
    assert list(clients.exclude(pk__any_of=ids)) == []
    if connection.vendor == "sqlite":
        assert "json_each(" in captured[-1]["sql"]
