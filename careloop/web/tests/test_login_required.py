"""Every page needs a signed-in user, except an explicit list of public ones.

LoginRequiredMiddleware turns every view private unless it is marked
@login_not_required. The URLs come from the URL conf itself, so a new page is
checked the day it is added: it is private, or it is named below on purpose.
"""

import uuid

import pytest
from django.conf import settings
from django.shortcuts import resolve_url
from django.urls import URLPattern, URLResolver, get_resolver

# Reached without an account, each for a reason.
PUBLIC = {
    "home",  # sends a visitor to the sign-in page
    "login",
    "logout",  # a tab left open after the session ended may still sign out
    "password_reset",
    "password_reset_done",
    "password_reset_confirm",
    "password_reset_complete",
    "healthz",  # the load balancer's check
    "robots",
    "publicsite:home",
    "publicsite:refer",  # doctors' referral form
    "publicsite:refer_thanks",
    "enquiry_form:contact",  # prospective clients' contact form
    "enquiry_form:thanks",
    # The practice's website (issue 11): its pages, sitemap, robots, theme and images.
    "publicsite:service",
    "publicsite:clinicians",
    "publicsite:clinician",
    "publicsite:for_doctors",
    "publicsite:contact",
    "publicsite:articles",
    "publicsite:article",
    "publicsite:privacy",
    "publicsite:sitemap",
    "publicsite:robots_txt",
    "publicsite:theme_css",
    "publicsite:image",
    "interop:hl7_inbound",  # the gateway authenticates with its bearer token
    "consent:sign",  # signed, expiring no-account links
    "letters:download",
    "letters:feedback",
    "measures:public",
    "publicsite:leave_behind",  # the leave-behind PDF the practice's website links
    "outreach:calendar_feed",  # a calendar app subscribes; the revocable token is the key
}


def all_patterns():
    """(url name, route, view) for every URL in the URL conf."""
    found = []

    def walk(patterns, prefix, namespace):
        for entry in patterns:
            if isinstance(entry, URLResolver):
                ns = entry.namespace or namespace
                walk(entry.url_patterns, prefix + str(entry.pattern), ns)
            elif isinstance(entry, URLPattern):
                name = f"{namespace}:{entry.name}" if namespace else entry.name
                found.append((name, prefix + str(entry.pattern), entry.callback))

    walk(get_resolver().url_patterns, "", None)
    return found


PATTERNS = all_patterns()


def example_url(route: str) -> str:
    path = "/" + route
    for kind, value in [
        ("uuid", str(uuid.uuid4())),
        ("str", "some-token"),
        ("slug", "some-practice"),
        ("path", "some/page/"),
    ]:
        while f"<{kind}:" in path:
            start = path.index(f"<{kind}:")
            path = path[:start] + value + path[path.index(">", start) + 1 :]
    assert "<" not in path, f"Teach example_url the converter in {route}"
    return path


def test_the_url_conf_is_walked():
    names = {name for name, _, _ in PATTERNS}
    assert {"clients:list", "referrals:detail", "login", "interop:hl7_inbound"} <= names


@pytest.mark.parametrize(("name", "route", "view"), PATTERNS, ids=[p[0] for p in PATTERNS])
def test_every_page_is_private_unless_listed_as_public(name, route, view):
    public = not getattr(view, "login_required", True)
    if name in PUBLIC:
        assert public, f"{name} is listed as public but is not marked @login_not_required"
    else:
        assert not public, f"{name} is marked @login_not_required: add it to PUBLIC, with why"


@pytest.mark.parametrize(
    ("name", "route", "view"),
    [p for p in PATTERNS if p[0] not in PUBLIC],
    ids=[p[0] for p in PATTERNS if p[0] not in PUBLIC],
)
def test_a_visitor_is_sent_to_sign_in(client, db, name, route, view):
    url = example_url(route)
    for response in (client.get(url), client.post(url)):
        assert response.status_code == 302, url
        assert response["Location"].startswith(resolve_url(settings.LOGIN_URL) + "?next="), url


def test_the_public_pages_answer_a_visitor(client, alice_practice):
    assert client.get("/p/alice/refer/").status_code == 200
    assert client.get("/healthz").status_code == 200
    assert client.get("/account/sign-in/").status_code == 200
    # A forged link is an expired link, not a sign-in page.
    assert client.get("/c/forged/").status_code == 410
