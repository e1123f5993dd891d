"""The lists' search finds a word anywhere in a record's words, whatever its accents or
case, through a search index (web/textsearch.py) kept current by every write."""

from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from careloop import testing
from careloop.clients.models import Client
from careloop.practices.scoping import practice_scope
from careloop.referrals.filters import ReferralFilter
from careloop.referrals.models import Referral
from careloop.web import textsearch


def found(client, url) -> list:
    return list(client.get(url).context["object_list"])


@pytest.fixture
def zoe(alice_practice):
    return testing.make_client(
        alice_practice,
        given_name="Zoë",
        family_name="O'Brien",
        phone="0412 345 678",
        email="zed@example.com",
    )


@pytest.fixture
def others(alice_practice):
    return [
        testing.make_client(alice_practice, given_name="Noah", family_name="Smith"),
        testing.make_client(alice_practice, given_name="Joanna", family_name="Brown"),
    ]


@pytest.mark.parametrize(
    "typed", ["zoe", "ZOË", "Zoe O'Brien", "obrien", "o brien", "brie", "0412345678", "example"]
)
def test_a_client_is_found_by_any_part_of_their_words(owner_client, zoe, others, typed):
    assert found(owner_client, f"/clients/?q={typed}") == [zoe]


def test_short_words_alone_start_a_name_and_narrow_a_longer_one(owner_client, zoe, others):
    assert found(owner_client, "/clients/?q=jo") == [others[1]]  # Joanna
    # "br" alone starts Brown, not O'Brien: the first letters of a name, through the
    # name keys' index, rather than every row of the practice read for "br" anywhere.
    assert found(owner_client, "/clients/?q=br") == [others[1]]
    assert found(owner_client, "/clients/?q=zo ob") == [zoe]
    # Beside a longer word, a short one is found anywhere in the words it found.
    assert found(owner_client, "/clients/?q=br zoe") == [zoe]
    assert found(owner_client, "/clients/?q=zz") == []


def test_another_practices_clients_are_not_found(owner_client, zoe, bob_practice):
    testing.make_client(bob_practice, given_name="Zoe", family_name="Obrien")
    assert found(owner_client, "/clients/?q=zoe") == [zoe]


def test_the_index_follows_every_change(owner_client, zoe):
    zoe.family_name = "Nguyễn"
    zoe.save(update_fields=["family_name"])
    assert found(owner_client, "/clients/?q=nguyen") == [zoe]
    assert found(owner_client, "/clients/?q=obrien") == []
    Client.objects.filter(pk=zoe.pk).delete()
    assert found(owner_client, "/clients/?q=nguyen") == []


def test_sessions_are_found_by_their_clients_words(owner_client, alice_practice, zoe, others):
    mine = testing.make_session(alice_practice, client=zoe)
    testing.make_session(alice_practice, client=others[0])
    assert found(owner_client, "/sessions/?q=zoe+brien") == [mine]


def test_referrals_are_found_by_client_doctor_reference_or_reason(owner_client, alice_practice):
    doctor = testing.make_doctor(alice_practice, given_name="Hélène", family_name="Dubois")
    by_doctor = testing.make_referral(alice_practice, doctor=doctor)
    by_client = testing.make_referral(
        alice_practice, client=testing.make_client(alice_practice, family_name="Duboisé")
    )
    by_reason = testing.make_referral(alice_practice, reason="Panic attacks on the train")
    assert set(found(owner_client, "/referrals/?view=all&q=dubois")) == {by_doctor, by_client}
    assert found(owner_client, "/referrals/?view=all&q=helene dubois") == [by_doctor]
    assert found(owner_client, "/referrals/?view=all&q=panic") == [by_reason]
    reference = by_reason.reference.lower()
    assert found(owner_client, f"/referrals/?view=all&q={reference}") == [by_reason]


def test_doctors_and_medical_practices_are_found(owner_client, alice_practice):
    rooms = testing.make_medical_practice(alice_practice, name="Café Street Clinic")
    doctor = testing.make_doctor(
        alice_practice, provider_number="2345671A", medical_practices=[rooms]
    )
    testing.make_doctor(alice_practice, provider_number="9999990B")
    assert found(owner_client, "/doctors/?q=2345671a") == [doctor]
    assert found(owner_client, "/medical-practices/?q=cafe") == [rooms]


def test_the_audit_log_finds_a_clients_history_by_name(owner_client, alice_practice, zoe):
    owner_client.get(f"/clients/{zoe.uuid}/")  # a view: one audit row about Zoë
    events = found(owner_client, "/audit/?client=zoe")
    assert events and {event.client_uuid for event in events} == {zoe.uuid}


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's FTS5 triggers")
def test_a_missing_trigger_is_put_back_after_migrate(owner_client, alice_practice):
    with connection.cursor() as cursor:
        cursor.execute('DROP TRIGGER "clients_client_search_insert"')
    written_meanwhile = testing.make_client(alice_practice, family_name="Quokka")
    textsearch.install_all()  # what post_migrate runs
    assert found(owner_client, "/clients/?q=quokka") == [written_meanwhile]
    testing.make_client(alice_practice, family_name="Quokkas")
    assert len(found(owner_client, "/clients/?q=quokka")) == 2


def explain(sql: str, params) -> str:
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
            return "\n".join(str(row[-1]) for row in cursor.fetchall())
        # A test database is tiny, where reading the practice's rows is cheaper: ask
        # whether the index can serve the search, not whether it pays yet.
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_indexscan = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        return "\n".join(row[0] for row in cursor.fetchall())


def test_the_search_reads_the_index(alice_practice, zoe):
    # Every practice's clients: on a tiny table PostgreSQL would rather read the
    # practice's few rows through its index, and the question is the search's.
    query = textsearch.search(Client._base_manager.all(), "brien")
    sql, params = query.query.sql_with_params()
    plan = explain(sql, params)
    if connection.vendor == "sqlite":
        assert "clients_client_search VIRTUAL TABLE INDEX" in plan, plan
    else:
        assert "Bitmap Index Scan on clients_client_search_text" in plan, plan


def _referral(practice, client_name: str, doctor_name: str, days_ago: int, **fields):
    return testing.make_referral(
        practice,
        client=testing.make_client(practice, given_name="Kim", family_name=client_name),
        doctor=testing.make_doctor(practice, given_name="Lee", family_name=doctor_name),
        referral_date=timezone.localdate() - timedelta(days=days_ago),
        **fields,
    )


@pytest.fixture
def inbox(alice_practice):
    """Five referrals, four of them with an Adams (the client or the doctor)."""
    return [
        _referral(alice_practice, "Adams", "Young", 3),
        _referral(alice_practice, "Young", "Adamson", 1, status="declined"),
        _referral(alice_practice, "Adair", "Young", 7),
        _referral(alice_practice, "Young", "Yates", 2),
        _referral(alice_practice, "Adams", "Adams", 5, basis="self"),
    ]


@pytest.mark.parametrize("sample_rows", [1_000, 3])
def test_a_search_finds_the_same_referrals_read_either_way(
    owner_client, inbox, monkeypatch, sample_rows
):
    # A list shorter than the sample is read in its order; with a sample of 3, the
    # common "ad" is read in the list's order, the rare "ya" through the search's
    # indexes (textsearch.find).
    monkeypatch.setattr(textsearch, "SAMPLE_ROWS", sample_rows)
    newest_first = [inbox[1], inbox[0], inbox[4], inbox[2]]
    assert found(owner_client, "/referrals/?view=all&q=ad") == newest_first
    assert found(owner_client, "/referrals/?view=all&q=ad&basis=mhtp") == [
        inbox[1],
        inbox[0],
        inbox[2],
    ]
    assert set(found(owner_client, "/referrals/?q=ad")) == {inbox[0], inbox[2], inbox[4]}
    assert found(owner_client, "/referrals/?view=all&q=ya") == [inbox[3]]
    assert found(owner_client, "/referrals/?view=all&q=adams") == [inbox[1], inbox[0], inbox[4]]
    page = owner_client.get("/referrals/?view=all&q=ad").content.decode()
    assert "4 referrals" in page


def test_a_common_search_reads_the_list_in_its_order_a_rare_one_its_indexes(
    alice_practice, inbox, monkeypatch
):
    monkeypatch.setattr(textsearch, "SAMPLE_ROWS", 3)
    listed = Referral.objects.for_practice(alice_practice).order_by("-referral_date", "-pk")

    def searched(typed):
        filters = ReferralFilter({"q": typed}, queryset=listed, practice=alice_practice)
        counted = filters.qs
        return str(filters.paged.query), str(counted.query)

    if connection.vendor == "postgresql":
        # No sample: PostgreSQL's planner chooses how to read the one query.
        with practice_scope(alice_practice):
            for typed in ("ad", "ya"):
                paged, counted = searched(typed)
                assert paged == counted and "EXISTS" not in paged
        return
    with practice_scope(alice_practice):
        paged, counted = searched("ad")
        # The page: each row read in the list's order is asked about its client and
        # doctor; the count of up to 500 goes through the name indexes.
        assert "EXISTS" in paged and "EXISTS" not in counted
        paged, counted = searched("ya")
        assert paged == counted and "EXISTS" not in paged
    monkeypatch.setattr(textsearch, "SAMPLE_ROWS", 1_000)
    with practice_scope(alice_practice):
        paged, counted = searched("ya")
        # A short list: read in its order, for its count too.
        assert paged == counted and "EXISTS" in paged


@pytest.mark.parametrize(
    ("typed", "expected"),
    [("s", {"Noah"}), ("jo", {"Joanna"}), ("brie", {"Zoë"}), ("o", {"Zoë"}), ("qq", set())],
)
def test_another_lists_search_finds_the_same_clients_however_it_reads_them(
    alice_practice, zoe, others, bob_practice, typed, expected
):
    # One subquery on SQLite; on PostgreSQL one per name index, or the ids read at once.
    testing.make_client(bob_practice, given_name="Sam", family_name="Obrien")
    with practice_scope(alice_practice):
        clients = Client.objects.for_practice(alice_practice)
        id_sets = textsearch.matching_ids(clients, typed)
        chosen = Client.objects.filter(textsearch.among("id", id_sets))
        assert {c.given_name for c in chosen} == expected
        if connection.vendor == "postgresql" and len(typed) < textsearch.MIN_INDEXED:
            assert len(id_sets) == len(Client.PREFIX_FIELDS)
        elif connection.vendor == "postgresql":
            assert isinstance(id_sets[0], list)


@pytest.mark.parametrize("typed", ["brie", "zoe obrien", "qqq"])
def test_more_matches_than_are_read_at_once_fall_back_to_a_subquery(
    alice_practice, zoe, others, bob_practice, monkeypatch, typed
):
    # Beyond IDS_READ_AT_ONCE, PostgreSQL names the matches by a subquery: the same rows.
    testing.make_client(bob_practice, given_name="Zoe", family_name="Obrien")
    with practice_scope(alice_practice):
        clients = Client.objects.for_practice(alice_practice)
        as_ids = set(
            Client.objects.filter(textsearch.among("id", textsearch.matching_ids(clients, typed)))
        )
        monkeypatch.setattr(textsearch, "IDS_READ_AT_ONCE", 0)
        id_sets = textsearch.matching_ids(clients, typed)
        assert set(Client.objects.filter(textsearch.among("id", id_sets))) == as_ids
        if connection.vendor == "postgresql" and as_ids:
            assert not isinstance(id_sets[0], list)
    assert {c.given_name for c in as_ids} == ({"Zoë"} if typed != "qqq" else set())
