"""AnyOf: a list of ids as one array on PostgreSQL, IN elsewhere; the same rows."""

import pytest
from django.db import connection
from django.db.models import F, Q
from django.test.utils import CaptureQueriesContext

from careloop import testing
from careloop.clients.models import Client
from careloop.lib.lookups import SQLITE_LIST_PARAMETERS, AnyOf


@pytest.fixture
def three(alice_practice):
    return [testing.make_client(alice_practice) for _ in range(3)]


def test_it_finds_the_rows_of_the_ids_given(three, alice_practice):
    wanted = [three[0].pk, three[2].pk]
    found = Client.objects.for_practice(alice_practice).filter(AnyOf(F("pk"), wanted))
    assert sorted(found.values_list("pk", flat=True)) == sorted(wanted)


def test_an_empty_list_and_nones_find_nothing_more(three, alice_practice):
    clients = Client.objects.for_practice(alice_practice)
    assert not clients.filter(AnyOf(F("pk"), [])).exists()
    assert list(clients.filter(AnyOf(F("pk"), [None, three[1].pk]))) == [three[1]]


def test_it_combines_with_other_conditions_and_negation(three, alice_practice):
    clients = Client.objects.for_practice(alice_practice)
    either = clients.filter(Q(AnyOf(F("pk"), [three[0].pk])) | Q(pk=three[1].pk))
    assert set(either) == {three[0], three[1]}
    assert list(clients.exclude(AnyOf(F("pk"), [three[0].pk, three[1].pk]))) == [three[2]]


def test_on_postgresql_the_ids_are_one_parameter(three, alice_practice):
    ids = [client.pk for client in three]
    with CaptureQueriesContext(connection) as captured:
        list(Client.objects.for_practice(alice_practice).filter(AnyOf(F("pk"), ids)))
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
        found = set(clients.filter(AnyOf(F("pk"), ids)))
    assert found == set(three)
    assert list(clients.exclude(AnyOf(F("pk"), ids))) == []
    if connection.vendor == "sqlite":
        assert "json_each(" in captured[-1]["sql"]
