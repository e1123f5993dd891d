"""List pages go page by page from a row already seen (keyset pages), and say how many
rows they have without counting a whole table."""

import base64
import re
from html import unescape

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from careloop import testing
from careloop.therapy.models import TherapySession
from careloop.web import lists

# Three times only, twenty sessions at each: page edges fall inside the ties.
TIMES = [testing.aware(2026, 3, 2, hour) for hour in (9, 10, 11)]


@pytest.fixture
def sixty_sessions(alice_practice):
    clinician = testing.make_user(alice_practice)
    person = testing.make_client(alice_practice, given_name="Ada", family_name="Tie")
    for i in range(60):
        testing.make_session(
            alice_practice,
            client=person,
            clinician=clinician,
            starts_at=TIMES[i % 3],
            status=("attended", "booked")[i % 2],
        )
    return list(
        TherapySession.objects.filter(practice=alice_practice).order_by("-starts_at", "-pk")
    )


def rows(response) -> list:
    return list(response.context["object_list"])


def link(response, rel: str) -> str | None:
    """The address of the page link with rel="next" or "prev", as the browser sees it."""
    found = re.search(rf'<a href="([^"]*)"[^>]* rel="{rel}"', response.content.decode())
    return "/sessions/" + unescape(found.group(1)) if found else None


def test_it_walks_every_row_once_forwards_and_back(owner_client, sixty_sessions):
    pages, url = [], "/sessions/?q="
    while url:
        response = owner_client.get(url)
        pages.append(rows(response))
        url = link(response, "next")
    assert [len(page) for page in pages] == [25, 25, 10]
    assert [s for page in pages for s in page] == sixty_sessions

    # Back from the last page: pages end where the list does; the way back ends on the
    # first page as it always looks.
    back, url = [], "/sessions/?q=&page=last"
    while url:
        response = owner_client.get(url)
        back.insert(0, rows(response))
        url = link(response, "prev")
    assert back[1:] == [sixty_sessions[10:35], sixty_sessions[35:]]
    assert back[0] == pages[0]
    assert "Newest" not in response.content.decode()


def test_the_last_page_holds_the_oldest_rows(owner_client, sixty_sessions):
    response = owner_client.get("/sessions/?q=&page=last")
    assert rows(response) == sixty_sessions[-25:]
    assert link(response, "next") is None
    page = response.content.decode()
    assert "Oldest" not in page and "Newest" in page


def test_filters_stay_on_every_page(owner_client, sixty_sessions):
    attended = [s for s in sixty_sessions if s.status == "attended"]
    first = owner_client.get("/sessions/?status=attended")
    second = owner_client.get(link(first, "next"))
    assert "status=attended" in link(first, "next")
    assert rows(first) + rows(second) == attended


def test_a_page_comes_as_rows_alone_to_htmx(owner_client, sixty_sessions):
    first = owner_client.get("/sessions/?q=")
    response = owner_client.get(link(first, "next"), HTTP_HX_REQUEST="true")
    page = response.content.decode()
    assert "<html" not in page
    assert rows(response) == sixty_sessions[25:50]
    # The same links work without JavaScript: plain addresses htmx also follows.
    assert re.search(r'<a href="\?([^"]*)" hx-get="\?\1" hx-target="#results"', page)


@pytest.mark.parametrize(
    "page",
    [
        "2",  # an address from the time of page numbers
        "not-a-cursor",
        "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
    ],
)
def test_a_page_link_that_does_not_open_shows_the_first_page(owner_client, sixty_sessions, page):
    response = owner_client.get(f"/sessions/?q=&page={page}")
    assert response.status_code == 200
    assert rows(response) == sixty_sessions[:25]
    assert "That page link no longer works" in response.content.decode()


def test_an_altered_cursor_shows_the_first_page(owner_client, sixty_sessions):
    cursor = link(owner_client.get("/sessions/?q="), "next").rsplit("page=", 1)[1]
    altered = cursor[:20] + ("A" if cursor[20] != "A" else "B") + cursor[21:]
    response = owner_client.get(f"/sessions/?q=&page={altered}")
    assert response.status_code == 200
    assert rows(response) == sixty_sessions[:25]


def test_a_cursor_of_another_list_does_not_open(owner_client, alice_practice, sixty_sessions):
    for _ in range(60):
        testing.make_audit_event(alice_practice)
    audit = owner_client.get("/audit/").content.decode()
    cursor = re.search(r'<a href="\?[^"]*page=([\w-]+)"[^>]* rel="next"', audit).group(1)
    response = owner_client.get(f"/sessions/?q=&page={cursor}")
    assert rows(response) == sixty_sessions[:25]
    assert "That page link no longer works" in response.content.decode()


def test_the_cursor_shows_no_database_key(owner_client, sixty_sessions):
    """Sealed, not merely encoded: neither the cursor nor what it decodes to holds the
    row's key or time as the list wrote them down (JSON, the key last: ",47]"). Not
    the bare digits: two random characters of a sealed cursor are "47" by chance."""
    cursor = link(owner_client.get("/sessions/?q="), "next").rsplit("page=", 1)[1]
    sealed = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
    last_shown = sixty_sessions[24]
    for text in (cursor.encode(), sealed):
        assert f",{last_shown.pk}]".encode() not in text
        assert f"{last_shown.starts_at:%Y-%m}".encode() not in text


def test_it_says_how_many_up_to_the_limit(owner_client, sixty_sessions, monkeypatch):
    assert "60 sessions" in owner_client.get("/sessions/?q=").content.decode()
    assert "30 sessions" in owner_client.get("/sessions/?status=booked").content.decode()
    monkeypatch.setattr(lists, "COUNT_LIMIT", 40)
    assert "More than 40 sessions" in owner_client.get("/sessions/?q=").content.decode()


def test_the_count_is_bounded_by_a_limit(owner_client, sixty_sessions):
    with CaptureQueriesContext(connection) as captured:
        owner_client.get("/sessions/?q=")
    counts = [q["sql"] for q in captured if "COUNT(" in q["sql"].upper()]
    assert counts and all(f"LIMIT {lists.COUNT_LIMIT + 1}" in sql for sql in counts)


def test_a_one_row_list_has_no_page_links(owner_client, alice_practice):
    testing.make_session(alice_practice)
    response = owner_client.get("/sessions/?q=")
    page = response.content.decode()
    assert "1 session<" in page
    assert 'rel="next"' not in page and 'rel="prev"' not in page


def test_lists_by_name_go_forwards_and_back(owner_client, alice_practice):
    for i in range(30):
        testing.make_client(alice_practice, family_name=f"Tie{i % 2}", given_name="Same")
    first = owner_client.get("/clients/")
    page = first.content.decode()
    assert ">Next <" in page and ">Last <" in page and "Previous" not in page
    second = owner_client.get(
        "/clients/" + unescape(re.search(r'<a href="([^"]*)"[^>]* rel="next"', page).group(1))
    )
    assert len(rows(second)) == 5
    assert not {c.pk for c in rows(first)} & {c.pk for c in rows(second)}
    assert "</span> Previous</a>" in second.content.decode()


def test_letters_waiting_to_be_typed_come_a_page_at_a_time(
    owner_client, alice_practice, monkeypatch
):
    from careloop.referrals import views

    monkeypatch.setattr(views, "UNTYPED_SHOWN", 2)
    letters = [testing.make_document(None, practice=alice_practice) for _ in range(3)]
    response = owner_client.get("/referrals/")
    assert response.context["untyped_letters"] == letters[:2]  # the longest waiting
    assert "once they are typed, the next ones appear" in response.content.decode()


def test_letters_due_shows_the_oldest_owed_a_page_at_a_time(
    owner_client, alice_practice, monkeypatch
):
    from careloop.letters import views
    from careloop.letters.models import Letter

    monkeypatch.setattr(views, "LETTERS_SHOWN", 2)
    referral = testing.make_referral(alice_practice)
    for kind in ("acknowledgement", "end_of_course", "progress"):
        Letter.objects.create(
            practice=alice_practice,
            client=referral.client,
            referral=referral,
            doctor=referral.referring_doctor,
            kind=kind,
        )
    response = owner_client.get("/letters/?whose=everyone")
    assert len(response.context["drafts"]) == 2
    assert "The 2 owed longest are shown" in response.content.decode()
