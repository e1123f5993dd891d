"""The markup a phone relies on: tap-to-call numbers, the dialling keypad for phone
fields, a Menu button, and a column name on every list cell for the stacked cards.
(test_browser_phone.py checks the same pages in a real browser.)"""

import re

import pytest
from django.template import Context, Template

from careloop import testing
from careloop.clients.forms import ClientForm
from careloop.directory.forms import DoctorForm, MedicalPracticeForm
from careloop.practices.forms import PracticeSettingsForm
from careloop.publicsite.forms import PublicReferralForm
from careloop.web.tests.test_crawl import crawl, populate


def render_phone(number) -> str:
    return Template("{% load phone %}{{ number|phone_link }}").render(Context({"number": number}))


@pytest.mark.parametrize(
    ("number", "html"),
    [
        ("0491 570 162", '<a href="tel:0491570162">0491 570 162</a>'),
        ("(02) 9123-4567", '<a href="tel:0291234567">(02) 9123-4567</a>'),
        ("+61 2 9123 4567", '<a href="tel:+61291234567">+61 2 9123 4567</a>'),
        ("", "—"),
        (None, "—"),
        ("ask reception", "ask reception"),
        (
            '<b>02 9123 4567</b>"',
            '<a href="tel:0291234567">&lt;b&gt;02 9123 4567&lt;/b&gt;&quot;</a>',
        ),
    ],
)
def test_it_makes_phone_numbers_tap_to_call(number, html):
    assert render_phone(number) == html


def test_it_never_lets_a_number_without_digits_through_unescaped():
    assert render_phone("<script>") == "&lt;script&gt;"


@pytest.mark.django_db
def test_phone_fields_open_the_dialling_keypad(alice_practice):
    forms = [
        (ClientForm(practice=alice_practice), ["phone", "emergency_contact_phone"]),
        (DoctorForm(practice=alice_practice), ["phone", "fax"]),
        (MedicalPracticeForm(practice=alice_practice), ["phone", "fax"]),
        (PracticeSettingsForm(instance=alice_practice), ["phone"]),
        (PublicReferralForm(practice=alice_practice), ["doctor_phone", "patient_phone"]),
    ]
    for form, names in forms:
        for name in names:
            html = str(form[name])
            assert 'type="tel"' in html, (type(form).__name__, name, html)
            assert 'inputmode="tel"' in html


def test_the_client_page_offers_to_call_the_client_and_their_emergency_contact(
    owner_client, alice_practice
):
    person = testing.make_client(
        alice_practice,
        phone="0491 570 110",
        emergency_contact_name="Sam Carer",
        emergency_contact_phone="0491 570 111",
    )
    page = owner_client.get(person.get_absolute_url()).content.decode()
    assert '<a href="tel:0491570110">0491 570 110</a>' in page
    assert '<a href="tel:0491570111">0491 570 111</a>' in page


def test_the_menu_is_a_button_that_needs_no_javascript(owner_client):
    page = owner_client.get("/dashboard/").content.decode()
    nav = re.search(r'<nav class="main-nav" aria-label="Main">(.*?)</nav>', page, re.S).group(1)
    assert re.search(r'<details class="nav-menu">\s*<summary>Menu', nav)


CELL = re.compile(r"<td(?=[\s>])([^>]*)>")


def test_every_list_cell_names_its_column_for_the_phone_layout(owner_client, alice_practice):
    # On a phone each row of a list table becomes a card whose cells are labelled from
    # data-label; a cell without one would show a value with no name beside it.
    populate(alice_practice)
    seen, _ = crawl(owner_client, "/dashboard/")
    unlabelled, tables = {}, 0
    for url, status in seen.items():
        if status != 200:
            continue
        response = owner_client.get(url)
        if "text/html" not in response.get("Content-Type", ""):
            continue
        for table in re.findall(
            r'<table class="list">.*?</table>', response.content.decode(), re.S
        ):
            tables += 1
            missing = [c for c in CELL.findall(table) if "data-label=" not in c]
            if missing:
                unlabelled[url] = missing
    assert tables > 10  # lists, dashboard, client page, consent, measures
    assert unlabelled == {}
