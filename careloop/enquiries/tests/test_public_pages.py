"""The public pages set no cookies and are served from the cache, around a fresh form
token, until the practice publishes a change (careloop/web/public_cache.py)."""

import re
from datetime import timedelta

import pytest
import time_machine
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from careloop.enquiries.models import Enquiry
from careloop.web.public_cache import TOKEN_MARK, invalidate_public_site

PAGES = ["/p/{}/", "/p/{}/refer/", "/p/{}/contact/", "/p/{}/contact/thanks/"]


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()


def token_of(response) -> str:
    found = re.search(r'name="started" value="([^"]+)"', response.content.decode())
    assert found
    return found.group(1)


@pytest.mark.parametrize("page", PAGES)
def test_public_pages_set_no_cookies(client, alice_practice, page):
    url = page.format(alice_practice.slug)
    for _ in range(2):  # as rendered, and from the cache
        response = client.get(url)
        assert response.status_code == 200
        assert not response.cookies, f"{url} set {list(response.cookies)}"
        assert "Set-Cookie" not in response
    assert "csrfmiddlewaretoken" not in response.content.decode()


def test_a_form_with_errors_sets_no_cookie_either(client, alice_practice):
    response = client.post(f"/p/{alice_practice.slug}/contact/", {"name": ""})
    assert response.status_code == 400 and not response.cookies


@pytest.mark.parametrize("page", PAGES)
def test_a_cached_page_runs_no_query(client, alice_practice, page):
    url = page.format(alice_practice.slug)
    first = client.get(url)
    with CaptureQueriesContext(connection) as captured:
        second = client.get(url)
    assert len(captured) == 0
    assert second.status_code == 200
    assert second["Content-Type"] == first["Content-Type"]


def test_each_visitor_of_a_cached_form_gets_a_fresh_token_that_works(client, alice_practice):
    url = f"/p/{alice_practice.slug}/contact/"
    tokens = [token_of(client.get(url)) for _ in range(3)]
    assert len(set(tokens)) == 3 and TOKEN_MARK not in tokens
    data = {
        "name": "Mia Nguyen",
        "email": "mia@example.com",
        "looking_for": "Anxiety",
        "consent": "on",
        "website": "",
    }
    with time_machine.travel(timezone.now() + timedelta(seconds=10)):
        for token in tokens:
            assert client.post(url, {**data, "started": token}).status_code == 302
    assert Enquiry.objects.count() == 3


def test_a_published_change_shows_at_once(client, alice_practice):
    url = f"/p/{alice_practice.slug}/"
    assert "Alice Street Psychology" in client.get(url).content.decode()
    alice_practice.name = "Alice Street Psychology and Counselling"
    alice_practice.save()
    assert "and Counselling" not in client.get(url).content.decode()  # still cached
    invalidate_public_site(alice_practice)
    assert "and Counselling" in client.get(url).content.decode()


def test_invalidating_one_practice_leaves_the_other_cached(client, alice_practice, bob_practice):
    client.get(f"/p/{alice_practice.slug}/")
    client.get(f"/p/{bob_practice.slug}/")
    invalidate_public_site(alice_practice)
    with CaptureQueriesContext(connection) as captured:
        client.get(f"/p/{bob_practice.slug}/")
    assert len(captured) == 0
    with CaptureQueriesContext(connection) as captured:
        client.get(f"/p/{alice_practice.slug}/")
    assert len(captured) > 0


def test_signed_in_staff_are_served_by_the_view(owner_client, alice_practice):
    url = f"/p/{alice_practice.slug}/"
    owner_client.get(url)
    with CaptureQueriesContext(connection) as captured:
        assert owner_client.get(url).status_code == 200
    assert len(captured) > 0


def test_a_query_string_is_not_cached(client, alice_practice):
    url = f"/p/{alice_practice.slug}/?utm_source=x"
    client.get(url)
    with CaptureQueriesContext(connection) as captured:
        client.get(url)
    assert len(captured) > 0


def test_a_404_is_not_cached(client, db):
    assert client.get("/p/nowhere/").status_code == 404
    with CaptureQueriesContext(connection) as captured:
        assert client.get("/p/nowhere/").status_code == 404
    assert len(captured) > 0


def test_another_workers_publish_shows_within_the_recheck_time(client, alice_practice, settings):
    """Each worker keeps pages in its own memory and asks the shared cache for the
    site's generation at most every PUBLIC_CACHE_RECHECK_SECONDS."""
    from careloop.web import public_cache

    settings.PUBLIC_CACHE_RECHECK_SECONDS = 1
    url = f"/p/{alice_practice.slug}/"
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        client.get(url)
        alice_practice.name = "Alice Street Psychology and Counselling"
        alice_practice.save()
        # Another worker publishes: the shared generation changes, not this worker's memory.
        cache.set(public_cache._generation_key(alice_practice.slug), "from-elsewhere", None)
        with CaptureQueriesContext(connection) as captured:
            assert "and Counselling" not in client.get(url).content.decode()
        assert len(captured) == 0  # served from this worker's memory
        traveller.shift(timedelta(seconds=1.5))
        assert "and Counselling" in client.get(url).content.decode()


def test_saving_the_practice_settings_shows_on_the_website_at_once(client, owner, alice_practice):
    url = f"/p/{alice_practice.slug}/contact/"
    assert "(02) 9111 2222" not in client.get(url).content.decode()
    staff = type(client)()
    staff.force_login(owner)
    data = {
        "name": alice_practice.name,
        "phone": "(02) 9111 2222",
        "state": "NSW",
        "time_zone": "Australia/Sydney",
        "acknowledge_within_days": "2",
        "contact_within_days": "3",
        "k10_band_set": "abs",
    }
    assert staff.post("/practice/", data).status_code == 302
    assert "(02) 9111 2222" in client.get(url).content.decode()
