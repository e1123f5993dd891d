"""The practice website in a real browser: a doctor's path to the referral form, the
keyboard, axe, CSP (JSON-LD included), phones, and the owner's edit-preview-publish."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from careloop import testing
from careloop.audit.actions import STAFF_APP, Via
from careloop.browser_testing import PageProblems, axe_violations, horizontal_overflow
from careloop.practices.models import Niche, Role
from careloop.publicsite import actions, images

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
VIA = Via(STAFF_APP)


@pytest.fixture
def harbour(db):
    practice = testing.make_practice(
        "harbour",
        name="Harbour Psychology",
        phone="(02) 9953 0000",
        email="hello@harbour.test",
        street="12 Military Road",
        suburb="Neutral Bay",
        postcode="2089",
    )
    owner = testing.make_user(
        practice, Role.OWNER, email="owner@harbour.test", full_name="Olive Owner"
    )
    clinician = testing.make_user(
        practice, Role.CLINICIAN, email="clin@harbour.test", full_name="Clara Clinician"
    )
    niche, _ = Niche.objects.get_or_create(code="anxiety", defaults={"name": "Anxiety"})
    practice.niches.add(niche)
    clinician.clinician_profile.niches.add(niche)
    actions.save_clinician_draft(
        actions.page_of(clinician),
        {"public": True, "bio_md": "Clara helps with **worry**.", "languages": ["English"]},
        photo_upload=SimpleUploadedFile("c.png", images.initials_portrait("CC", "#1d4e89", 480)),
        by=owner,
        via=VIA,
    )
    actions.save_article_draft(
        None,
        {"title": "Sleep and worry", "body_md": "## Why\n\nWorry keeps people awake."},
        practice=practice,
        by=owner,
        via=VIA,
    )
    actions.publish_everything(practice, by=owner, via=VIA)
    return {"practice": practice, "owner": owner}


PAGES = [
    "/p/harbour/",
    "/p/harbour/services/anxiety/",
    "/p/harbour/clinicians/",
    "/p/harbour/clinicians/clara-clinician/",
    "/p/harbour/for-doctors/",
    "/p/harbour/contact/",
    "/p/harbour/articles/sleep-and-worry/",
    "/p/harbour/privacy/",
]


def test_a_doctor_finds_the_referral_form_from_the_home_page_in_two_clicks(
    page, live_server, harbour
):
    page.goto(f"{live_server.url}/p/harbour/")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="For doctors").click()
    page.get_by_role("link", name="Refer a patient online").click()
    page.wait_for_url("**/p/harbour/refer/")
    assert (
        page.get_by_role("heading", level=1).inner_text() == "Refer a patient to Harbour Psychology"
    )


def test_the_site_works_from_the_keyboard(page, live_server, harbour):
    page.goto(f"{live_server.url}/p/harbour/")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to main content")
    assert skip.evaluate("el => el === document.activeElement")
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
    # From the top, Tab reaches the main navigation and Enter follows a link.
    page.goto(f"{live_server.url}/p/harbour/")
    for _ in range(12):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.textContent") == "For doctors":
            break
    else:
        pytest.fail("Tab never reached the For doctors link")
    page.keyboard.press("Enter")
    page.wait_for_url("**/p/harbour/for-doctors/")
    # Focus is visible: the outline style applies to the focused link.
    page.keyboard.press("Tab")
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline == "solid"


def test_public_pages_pass_axe_with_no_console_errors_and_fit_a_phone(
    browser, live_server, harbour
):
    context = browser.new_context(viewport={"width": 320, "height": 640}, is_mobile=True)
    page = context.new_page()
    problems = PageProblems(page)
    found, overflow = {}, {}
    for path in PAGES:
        page.goto(live_server.url + path)
        violations = axe_violations(page)
        if violations:
            found[path] = violations
        wide = horizontal_overflow(page)
        if wide:
            overflow[path] = wide
        # The JSON-LD is there, and the CSP (script-src 'self') reported nothing about it.
        assert page.locator('script[type="application/ld+json"]').count() == 1
    assert found == {}, found
    assert overflow == {}
    problems.assert_none()
    # The browser stored no cookie for any of these pages.
    assert context.cookies() == []
    context.close()


def test_the_owner_edits_previews_and_publishes_the_home_page(page, live_server, harbour):
    problems = PageProblems(page)
    page.goto(f"{live_server.url}/account/sign-in/")
    page.get_by_label("E-mail").fill("owner@harbour.test")
    page.get_by_label("Password").fill(testing.PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/dashboard/")
    page.get_by_role("link", name="Website").first.click()
    page.get_by_role("link", name="Edit pages and theme").click()
    page.get_by_label("Home page text").fill("Now open on **Saturdays**.")
    page.get_by_role("button", name="Save draft").click()
    page.wait_for_url("**/practice/website/")
    assert "Changes not published" in page.content()
    page.get_by_role("link", name="Preview", exact=True).first.click()
    assert page.locator("strong", has_text="Saturdays").count() == 1
    assert axe_violations(page) == []
    page.goto(f"{live_server.url}/p/harbour/")
    assert "Saturdays" not in page.content()
    page.goto(f"{live_server.url}/practice/website/")
    page.get_by_role("button", name="Publish all changes").click()
    page.wait_for_url("**/practice/website/")
    page.goto(f"{live_server.url}/p/harbour/")
    assert page.locator("strong", has_text="Saturdays").count() == 1
    problems.assert_none()
