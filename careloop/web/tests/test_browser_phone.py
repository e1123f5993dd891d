"""Careloop on a phone: every staff page fits a 375 px screen, the menu folds into a
button that works from the keyboard, and answering a questionnaire is easy by touch."""

from urllib.parse import urldefrag, urljoin, urlparse

import pytest

from careloop import testing
from careloop.browser_testing import PageProblems, axe_violations, horizontal_overflow
from careloop.clients.models import Client
from careloop.measures.actions import invite
from careloop.practices.models import Role
from careloop.web.tests.test_crawl import LINK, SKIP, populate

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 375, "height": 740}


def new_page(browser, viewport):
    context = browser.new_context(viewport=viewport, locale="en-AU", timezone_id="Australia/Sydney")
    page = context.new_page()
    page.set_default_timeout(10_000)
    return page


@pytest.fixture
def phone(browser):
    page = new_page(browser, PHONE)
    yield page
    page.context.close()


@pytest.fixture
def staff(alice_practice, owner):
    clinician = populate(alice_practice)
    reception = testing.make_user(alice_practice, Role.ADMIN, email="reception@alice.test")
    return {"owner": owner, "clinician": clinician, "reception": reception}


def sign_in(page, live_server, user) -> None:
    page.context.clear_cookies()
    page.goto(f"{live_server.url}/account/sign-in/")
    page.get_by_label("E-mail").fill(user.email)
    page.get_by_label("Password").fill(testing.PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/dashboard/")


def staff_pages(client, user) -> list[str]:
    """Every HTML page the user reaches by following links from the dashboard, found
    with Django's test client (fast) so that the browser only measures."""
    client.force_login(user)
    pages, seen, queue = [], set(), ["/dashboard/"]
    while queue:
        url = queue.pop(0)
        if url in seen:
            continue
        seen.add(url)
        response = client.get(url)
        if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
            continue
        pages.append(url)
        for href in LINK.findall(response.content.decode()):
            target = urldefrag(urljoin(url, href.replace("&amp;", "&")))[0]
            if urlparse(target).netloc or target.startswith(SKIP) or not target.startswith("/"):
                continue
            queue.append(target)
    client.logout()
    return pages


# 375 px: most phones upright. 700 px: a large phone on its side or a small tablet, where
# the menu has folded but the tables must still fit.
@pytest.mark.parametrize("width", [375, 700])
def test_every_staff_page_fits_a_phone_screen(browser, width, live_server, client, staff):
    phone = new_page(browser, {"width": width, "height": 740})
    problems = PageProblems(phone)
    too_wide, measured = {}, 0
    for role, user in staff.items():
        pages = staff_pages(client, user)
        assert len(pages) > 20, (role, pages)  # it did crawl
        sign_in(phone, live_server, user)
        for path in pages:
            phone.goto(live_server.url + path)
            measured += 1
            overflow = horizontal_overflow(phone)
            if overflow:
                too_wide[f"{path} (as {role})"] = overflow
    phone.context.close()
    assert too_wide == {}
    assert measured > 100
    problems.assert_none()


def test_the_overflow_check_names_the_element_that_is_too_wide(phone):
    # Guards the test above: a 600 px wide table must be caught and named.
    phone.set_content(
        '<html lang="en"><body style="margin:0"><main><p>Fits</p>'
        '<table class="wide" style="width:600px"><tr><td>Wide</td></tr></table>'
        "</main></body></html>"
    )
    overflow = horizontal_overflow(phone)
    assert overflow is not None
    assert "table.wide" in overflow
    assert "600 px wide" in overflow


def test_the_menu_folds_into_a_button_that_works_from_the_keyboard(phone, live_server, staff):
    problems = PageProblems(phone)
    sign_in(phone, live_server, staff["reception"])
    nav = phone.get_by_role("navigation", name="Main")
    clients_link = nav.get_by_role("link", name="Clients")
    assert not clients_link.is_visible()  # folded away until asked for
    assert axe_violations(phone) == []

    menu = nav.locator("summary")
    assert menu.inner_text().startswith("Menu")
    menu.focus()
    phone.keyboard.press("Enter")
    assert clients_link.is_visible()
    assert axe_violations(phone) == []  # open, too
    phone.keyboard.press("Tab")
    assert phone.evaluate("document.activeElement.textContent") == "Dashboard"
    phone.keyboard.press("Escape")  # closes it, back on the button
    assert not clients_link.is_visible()
    assert phone.evaluate("document.activeElement.tagName") == "SUMMARY"
    phone.keyboard.press("Space")
    assert clients_link.is_visible()
    clients_link.focus()
    phone.keyboard.press("Enter")
    phone.wait_for_url("**/clients/")
    # The list is a stack of cards, each cell saying which column it was.
    card = phone.locator("#results tbody tr").first
    assert card.evaluate("el => getComputedStyle(el).display") == "block"
    cell = card.locator("td").nth(1)
    label = cell.evaluate("el => getComputedStyle(el, '::before').content")
    assert "Date of birth" in label
    problems.assert_none()


def test_the_desktop_keeps_its_row_of_links(page, live_server, staff):
    sign_in(page, live_server, staff["owner"])
    page.goto(f"{live_server.url}/clients/")
    nav = page.get_by_role("navigation", name="Main")
    assert nav.get_by_role("link", name="Clients").is_visible()
    assert not nav.locator("summary").is_visible()
    assert (
        page.locator("table.list tbody tr").first.evaluate("el => getComputedStyle(el).display")
        == "table-row"
    )


def test_a_client_answers_a_questionnaire_on_a_phone(phone, live_server, staff):
    problems = PageProblems(phone)
    person = Client.objects.get(email="mia@example.com")  # made by populate()
    _, token = invite(person, "k10", by=staff["clinician"])
    phone.goto(f"{live_server.url}/m/{token}/")
    assert horizontal_overflow(phone) is None
    assert axe_violations(phone) == []
    options = phone.locator(".questionnaire fieldset label")
    assert options.count() >= 50  # 10 questions, 5 answers each
    width = phone.evaluate("document.documentElement.clientWidth")
    for index in (0, 7, options.count() - 1):
        box = options.nth(index).bounding_box()
        assert box["height"] >= 44, box
        assert box["width"] >= width - 2 * 24, box  # the whole row, not just the word
    # A tap anywhere on the row chooses the answer.
    row = options.nth(2)
    row.click(position={"x": row.bounding_box()["width"] - 10, "y": 10})
    assert row.locator("input").is_checked()
    problems.assert_none()
