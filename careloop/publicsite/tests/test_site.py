import json
import re

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile

from careloop import testing
from careloop.audit.actions import STAFF_APP, Via
from careloop.audit.models import AuditEvent
from careloop.practices.models import Niche, Role
from careloop.publicsite import actions, images
from careloop.publicsite.models import Article, ClinicianPage, PublicSite

pytestmark = pytest.mark.django_db
VIA = Via(STAFF_APP)


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()


@pytest.fixture
def published(alice_practice, owner, clinician):
    """Alice Street's site, with one public clinician and one article, all published."""
    niche, _ = Niche.objects.get_or_create(code="anxiety", defaults={"name": "Anxiety"})
    alice_practice.niches.add(niche)
    clinician.clinician_profile.niches.add(niche)
    clinician.clinician_profile.current_wait_days = 9
    clinician.clinician_profile.urgent_slots_this_week = 2
    clinician.clinician_profile.save()
    site = actions.site_of(alice_practice)
    actions.save_site_draft(site, {"home_md": "Welcome to **Alice Street**."}, by=owner, via=VIA)
    page = actions.save_clinician_draft(
        actions.page_of(clinician),
        {"public": True, "bio_md": "Clara works with worriers.", "languages": ["English", "Greek"]},
        photo_upload=SimpleUploadedFile("c.png", images.initials_portrait("CC", "#1d4e89", 400)),
        by=owner,
        via=VIA,
    )
    article = actions.save_article_draft(
        None,
        {"title": "Sleep and worry", "body_md": "Worry keeps people awake."},
        practice=alice_practice,
        by=owner,
        via=VIA,
    )
    actions.publish_everything(alice_practice, by=owner, via=VIA)
    return {"site": site, "page": page, "article": article, "niche": niche}


PAGES = [
    "",
    "services/anxiety/",
    "clinicians/",
    "clinicians/clara-clinician/",
    "for-doctors/",
    "contact/",
    "articles/",
    "articles/sleep-and-worry/",
    "privacy/",
    "sitemap.xml",
    "robots.txt",
    "theme.css",
]


@pytest.mark.parametrize("path", PAGES)
def test_every_public_page_answers_without_setting_a_cookie(client, published, path):
    response = client.get(f"/p/alice/{path}")
    assert response.status_code == 200
    assert response.cookies == {}
    assert "Set-Cookie" not in response.headers


@pytest.mark.parametrize("path", [p for p in PAGES if "." not in p])
def test_every_page_has_title_description_canonical_og_crisis_notice_and_json_ld(
    client, published, path
):
    html = client.get(f"/p/alice/{path}").content.decode()
    assert re.search(r"<title>[^<]*Alice Street Psychology", html)
    assert re.search(r'<meta name="description" content="[^"]{20,}">', html)
    assert f'<link rel="canonical" href="http://testserver/p/alice/{path}">' in html
    assert '<meta property="og:title"' in html
    assert "Lifeline" in html and 'href="tel:000"' in html
    ld = json.loads(re.search(r'<script type="application/ld\+json">(.*?)</script>', html).group(1))
    assert ld["@graph"][0]["@type"] == "Psychologist"
    assert "<script>" not in html and "<script src" not in html  # no JavaScript at all


def test_the_clinician_page_shows_the_profile_with_responsive_lazy_free_photo(client, published):
    html = client.get("/p/alice/clinicians/clara-clinician/").content.decode()
    assert "Clara works with worriers." in html and "English, Greek" in html
    assert "Taking new clients" in html and "about 9 days" in html
    img = re.search(r'<img [^>]*class="portrait"[^>]*>', html).group(0)
    assert 'srcset="' in img and " 160w" in img and " 400w" in img
    assert 'width="400" height="400"' in img
    assert 'loading="lazy"' not in img  # above the fold
    ld = json.loads(re.search(r"ld\+json\">(.*?)</script>", html).group(1))
    assert ld["@graph"][1]["@type"] == "Person" and ld["@graph"][1]["knowsLanguage"][1] == "Greek"
    # Below the fold, on the list, pictures load lazily.
    listing = client.get("/p/alice/clinicians/").content.decode()
    assert 'loading="lazy"' in listing


def test_images_are_served_as_cacheable_webp(client, published):
    page = ClinicianPage.objects.get()
    photo = page.published["photo"]
    response = client.get(f"/p/alice/images/{photo}-160.webp")
    assert response.status_code == 200 and response["Content-Type"] == "image/webp"
    assert "immutable" in response["Cache-Control"]
    assert b"WEBP" in b"".join(response.streaming_content)[:16]
    assert client.get(f"/p/alice/images/{photo}-161.webp").status_code == 404


def test_for_doctors_lists_what_a_referral_needs_wait_times_and_the_form(client, published):
    html = client.get("/p/alice/for-doctors/").content.decode()
    assert "Your Medicare provider number" in html  # validity.py's words to doctors
    assert "The number of sessions referred (up to 6)" in html
    assert 'href="/p/alice/refer/"' in html
    assert "about 9 days" in html
    assert 'href="/p/alice/leave-behind.pdf"' in html


def test_the_doctor_reaches_the_referral_form_from_home(client, published):
    home = client.get("/p/alice/").content.decode()
    assert 'href="/p/alice/refer/"' in home


def test_the_sitemap_lists_published_pages_only(client, published, owner, alice_practice):
    draft_only = actions.save_article_draft(
        None, {"title": "Not yet", "body_md": "Draft."}, practice=alice_practice, by=owner, via=VIA
    )
    xml = client.get("/p/alice/sitemap.xml").content.decode()
    for path in [
        "",
        "clinicians/clara-clinician/",
        "articles/sleep-and-worry/",
        "services/anxiety/",
        "for-doctors/",
        "privacy/",
    ]:
        assert f"<loc>http://testserver/p/alice/{path}</loc>" in xml
    assert draft_only.slug not in xml
    assert client.get(f"/p/alice/articles/{draft_only.slug}/").status_code == 404
    robots = client.get("/p/alice/robots.txt").content.decode()
    assert "Sitemap: http://testserver/p/alice/sitemap.xml" in robots


def test_drafts_do_not_show_until_published_and_then_show_at_once(
    owner_client, client, published, owner
):
    response = owner_client.post(
        "/practice/website/pages/",
        {
            "tagline": "Calm help nearby",
            "description": "Psychology in Alice Street, for adults and young people.",
            "home_md": "We have **moved** to a new building.",
            "brand_colour": "#2f5d34",
            "accent_colour": "#1d4e89",
            "service_anxiety": "We treat anxiety with CBT.",
        },
    )
    assert response.status_code == 302
    assert "moved" not in client.get("/p/alice/").content.decode()
    preview = owner_client.get("/practice/website/preview/").content.decode()
    assert "<strong>moved</strong>" in preview and "Preview of unpublished changes" in preview
    assert 'href="/practice/website/preview/clinicians/"' in preview
    assert "CBT" in owner_client.get("/practice/website/preview/services/anxiety/").content.decode()
    revision = PublicSite.objects.get().revision
    assert owner_client.post("/practice/website/publish/").status_code == 302
    assert "<strong>moved</strong>" in client.get("/p/alice/").content.decode()
    assert "#2f5d34" in client.get("/p/alice/theme.css").content.decode()
    assert PublicSite.objects.get().revision > revision
    assert AuditEvent.objects.filter(object_type="website", object_label__contains="published")


def test_a_light_brand_colour_is_refused_in_the_form(owner_client, published):
    response = owner_client.post(
        "/practice/website/pages/",
        {
            "tagline": "x",
            "description": "y",
            "home_md": "z",
            "brand_colour": "#ffff00",
            "accent_colour": "#1d4e89",
        },
    )
    assert response.status_code == 400
    assert "too light" in response.content.decode()


def test_only_owners_publish(client, published, clinician, admin_user):
    site = PublicSite.objects.get()
    for member in (clinician, admin_user):
        client.force_login(member)
        client.post(
            "/practice/website/pages/",
            {
                "tagline": "Mine",
                "description": "d",
                "home_md": "Changed by staff",
                "brand_colour": "#0f5e5a",
                "accent_colour": "#1d4e89",
            },
        )
        assert client.post("/practice/website/publish/").status_code == 403
        assert client.post(f"/practice/website/publish/site/{site.uuid}/").status_code == 403
        assert "Publish all changes" not in client.get("/practice/website/").content.decode()
    client.logout()
    assert "Changed by staff" not in client.get("/p/alice/").content.decode()


def test_an_article_with_a_script_is_published_without_it(owner_client, client, published):
    owner_client.post(
        "/practice/website/articles/new/",
        {
            "title": "Tricky",
            "body_md": "Hi <script>steal()</script>\n\n<img src=x onerror=steal()>\n\n"
            "<a href='javascript:steal()'>click</a>",
        },
    )
    article = Article.objects.get(slug="tricky")
    owner_client.post(f"/practice/website/publish/article/{article.uuid}/")
    html = client.get("/p/alice/articles/tricky/").content.decode()
    assert "steal()" not in html and "onerror" not in html and "javascript:" not in html
    assert "click</a>" in html


def test_a_clinician_profile_is_edited_with_a_new_photo_and_published(
    owner_client, client, published, clinician
):
    old = ClinicianPage.objects.get().published["photo"]
    png = images.initials_portrait("NP", "#6a3d7c", 300)
    owner_client.post(
        f"/practice/website/clinicians/{clinician.uuid}/",
        {
            "public": "on",
            "bio_md": "New bio",
            "languages": "English, Auslan",
            "photo": SimpleUploadedFile("new.png", png, content_type="image/png"),
        },
    )
    page = ClinicianPage.objects.get()
    assert page.draft["photo"] != old and page.published["photo"] == old
    owner_client.post(f"/practice/website/publish/clinician/{page.uuid}/")
    html = client.get("/p/alice/clinicians/clara-clinician/").content.decode()
    assert page.draft["photo"] in html and "Auslan" in html


def test_a_broken_photo_is_refused_with_a_clear_message(owner_client, published, clinician):
    response = owner_client.post(
        f"/practice/website/clinicians/{clinician.uuid}/",
        {
            "public": "on",
            "bio_md": "x",
            "languages": "English",
            "photo": SimpleUploadedFile("bad.png", b"not a picture"),
        },
    )
    assert response.status_code == 400
    assert "not an image we can read" in response.content.decode()


def test_another_practices_records_answer_404(client, published, bob_owner, bob_practice):
    page, article = ClinicianPage.objects.get(), Article.objects.get()
    client.force_login(bob_owner)
    assert client.get(f"/practice/website/clinicians/{page.user.uuid}/").status_code == 404
    assert client.get(f"/practice/website/articles/{article.uuid}/").status_code == 404
    assert client.post(f"/practice/website/publish/article/{article.uuid}/").status_code == 404
    assert client.post(f"/practice/website/unpublish/clinician/{page.uuid}/").status_code == 404
    # Bob's site does not show Alice's people, articles or pictures.
    client.logout()
    assert client.get("/p/bob/clinicians/clara-clinician/").status_code == 404
    assert client.get("/p/bob/articles/sleep-and-worry/").status_code == 404
    photo = page.published["photo"]
    assert client.get(f"/p/bob/images/{photo}-160.webp").status_code == 404
    assert client.get("/p/nobody/").status_code == 404


def test_the_site_is_served_on_the_practices_own_domain(client, published, settings):
    settings.ALLOWED_HOSTS = ["testserver", "www.alicestreet.com.au"]
    site = PublicSite.objects.get()
    site.domain = "www.alicestreet.com.au"
    site.save()
    host = {"HTTP_HOST": "www.alicestreet.com.au"}
    home = client.get("/", **host)
    html = home.content.decode()
    assert home.status_code == 200 and "Welcome to" in html
    assert 'href="/clinicians/"' in html and 'href="/refer/"' in html
    assert '<link rel="canonical" href="http://www.alicestreet.com.au/">' in html
    assert client.get("/clinicians/clara-clinician/", **host).status_code == 200
    assert client.get("/refer/", **host).status_code == 200
    for_doctors = client.get("/for-doctors/", **host).content.decode()
    assert 'href="/leave-behind.pdf"' in for_doctors
    assert (
        '<form method="post" action="/contact/"' in client.get("/contact/", **host).content.decode()
    )
    sitemap = client.get("/sitemap.xml", **host).content.decode()
    assert "<loc>http://www.alicestreet.com.au/articles/sleep-and-worry/</loc>" in sitemap
    assert (
        "Sitemap: http://www.alicestreet.com.au/sitemap.xml"
        in client.get("/robots.txt", **host).content.decode()
    )
    # Nothing of the staff app answers on the practice's domain.
    assert client.get("/dashboard/", **host).status_code == 404
    assert client.get("/practice/website/", **host).status_code == 404
    # The Careloop address still serves it too.
    assert client.get("/p/alice/").status_code == 200


def test_an_unknown_host_is_refused_by_allowed_hosts(client, published):
    assert client.get("/", HTTP_HOST="evil.example").status_code == 400


def test_the_owner_sets_the_domain_and_it_must_be_unique(owner_client, published, bob_practice):
    other = actions.site_of(bob_practice)
    other.domain = "bob.example.com.au"
    other.save()
    base = {
        "tagline": "t",
        "description": "d",
        "home_md": "h",
        "brand_colour": "#0f5e5a",
        "accent_colour": "#1d4e89",
    }
    response = owner_client.post(
        "/practice/website/pages/", {**base, "domain": "bob.example.com.au"}
    )
    assert "Another practice already uses" in response.content.decode()
    owner_client.post(
        "/practice/website/pages/", {**base, "domain": "https://Alice.example.com.au/"}
    )
    assert PublicSite.objects.get(practice__slug="alice").domain == "alice.example.com.au"


def test_the_overview_lists_pages_profiles_and_articles(
    owner_client, published, practice_owner_is_clinician=None
):
    html = owner_client.get("/practice/website/").content.decode()
    assert "Clara Clinician" in html and "Sleep and worry" in html and "Published" in html


def test_publishing_is_audited_with_the_owner(published, owner):
    events = AuditEvent.objects.filter(object_type="website", actor=owner)
    assert events.filter(object_label__contains="published").count() == 3


def test_members_without_a_profile_can_get_one(client, alice_practice, owner):
    member = testing.make_user(alice_practice, Role.CLINICIAN, full_name="Nina New")
    client.force_login(owner)
    assert client.get(f"/practice/website/clinicians/{member.uuid}/").status_code == 200
    assert not ClinicianPage.objects.exists()  # opening the form writes nothing


def _fill_site(practice, owner, n):
    for _ in range(n):
        member = testing.make_user(practice, Role.CLINICIAN)
        actions.save_clinician_draft(
            actions.page_of(member),
            {"public": True, "bio_md": "Bio", "languages": ["English"]},
            by=owner,
            via=VIA,
        )
        actions.save_article_draft(
            None, {"title": "Post", "body_md": "Text"}, practice=practice, by=owner, via=VIA
        )
    actions.publish_everything(practice, by=owner, via=VIA)


@pytest.mark.parametrize(
    "url",
    [
        "/practice/website/",
        "/p/alice/",
        "/p/alice/clinicians/",
        "/p/alice/for-doctors/",
        "/p/alice/articles/",
        "/p/alice/sitemap.xml",
        "/p/alice/services/anxiety/",
    ],
)
def test_website_queries_do_not_grow_with_profiles_and_articles(
    url, owner_client, published, alice_practice, owner
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def count():
        with CaptureQueriesContext(connection) as captured:
            assert owner_client.get(url).status_code == 200
        return len(captured)

    _fill_site(alice_practice, owner, 2)
    count()
    small = count()
    _fill_site(alice_practice, owner, 12)
    large = count()
    assert large == small, f"{url}: {small} queries with few rows, {large} with many"
    assert large <= 15, f"{url} runs {large} queries"


def test_a_visitor_sees_a_published_change_at_once_though_the_page_was_cached(
    owner_client, published
):
    from django.test import Client as Visitor

    visitor = Visitor()
    before = visitor.get("/p/alice/").content.decode()
    assert before == visitor.get("/p/alice/").content.decode()  # served again, cached
    assert "moved" not in before
    owner_client.post(
        "/practice/website/pages/",
        {
            "tagline": "Calm help nearby",
            "description": "Psychology in Alice Street, for adults and young people.",
            "home_md": "We have **moved** to a new building.",
            "brand_colour": "#2f5d34",
            "accent_colour": "#1d4e89",
        },
    )
    assert "moved" not in visitor.get("/p/alice/").content.decode()  # a draft, unseen
    assert owner_client.post("/practice/website/publish/").status_code == 302
    assert "<strong>moved</strong>" in visitor.get("/p/alice/").content.decode()


@pytest.mark.parametrize("own_domain", [False, True])
def test_every_link_of_the_site_leads_somewhere(client, published, settings, own_domain):
    """A crawl from the home page, on the Careloop address and on the practice's domain:
    a clinician who helps with something the practice has no page for is not linked."""
    grief, _ = Niche.objects.get_or_create(code="grief", defaults={"name": "Grief"})
    published["page"].user.clinician_profile.niches.add(grief)
    start, extra = "/p/alice/", {}
    if own_domain:
        settings.ALLOWED_HOSTS = ["testserver", "www.alicestreet.com.au"]
        published["site"].domain = "www.alicestreet.com.au"
        published["site"].save()
        start, extra = "/", {"HTTP_HOST": "www.alicestreet.com.au"}
    seen, waiting, broken = set(), [start], []
    while waiting:
        url = waiting.pop()
        if url in seen:
            continue
        seen.add(url)
        response = client.get(url, **extra)
        if response.status_code != 200:
            broken.append((url, response.status_code))
        if response["Content-Type"].startswith("text/html"):
            for link in re.findall(r'(?:href|action)="(/[^"#?]*)', response.content.decode()):
                if link.startswith(start) and not link.startswith("/static/"):
                    waiting.append(link)
    assert broken == []
    assert f"{start}contact/" in seen and f"{start}leave-behind.pdf" in seen
    assert f"{start}services/grief/" not in seen
    assert len(seen) >= 10
