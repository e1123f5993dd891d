"""Sign-in, lockout, session expiry, password change and reset, CSRF and headers."""

import re
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
import time_machine
from django.conf import settings
from django.contrib.auth.hashers import identify_hasher
from django.core import mail
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from careloop import testing

LOGIN = "/account/sign-in/"


def sign_in(client, email, password=testing.PASSWORD):
    return client.post(LOGIN, {"username": email, "password": password})


def test_passwords_are_hashed_with_argon2(owner):
    owner.set_password("a-new-long-passphrase")
    assert identify_hasher(owner.password).algorithm == "argon2"


def test_it_signs_in_with_the_email_and_password(client, owner):
    response = sign_in(client, "OWNER@alice.test")
    assert response.status_code == 302
    assert response["Location"] == "/dashboard/"
    assert client.get("/dashboard/").status_code == 200


def test_a_wrong_password_says_so_without_saying_which_part(client, owner):
    response = sign_in(client, "owner@alice.test", "wrong")
    assert response.status_code == 200
    assert "The e-mail or password is not right" in response.content.decode()


def test_it_locks_the_account_after_five_failures(client, owner):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        sign_in(client, "owner@alice.test", "wrong")
    response = sign_in(client, "owner@alice.test")  # even the right password now
    assert response.status_code == 429
    assert "Too many failed sign-ins" in response.content.decode()
    assert client.get("/dashboard/").status_code == 302


def test_the_lockout_lifts_after_the_cool_off(client, owner):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        sign_in(client, "owner@alice.test", "wrong")
    with time_machine.travel(timezone.now() + timedelta(minutes=16)):
        assert sign_in(client, "owner@alice.test").status_code == 302


def test_pages_need_a_signed_in_user(client, db):
    for url in [
        "/dashboard/",
        "/clients/",
        "/referrals/",
        "/sessions/",
        "/doctors/",
        "/medical-practices/",
        "/audit/",
        "/practice/",
    ]:
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(LOGIN)


def test_sign_out_ends_the_session(owner_client):
    assert owner_client.post("/account/sign-out/").status_code == 302
    assert owner_client.get("/dashboard/").status_code == 302


def test_an_idle_session_expires_after_30_minutes(owner_client):
    start = timezone.now()
    with time_machine.travel(start + timedelta(minutes=20), tick=False):
        assert owner_client.get("/dashboard/").status_code == 200  # activity renews it
    with time_machine.travel(start + timedelta(minutes=45), tick=False):
        assert owner_client.get("/dashboard/").status_code == 200
    with time_machine.travel(start + timedelta(minutes=80), tick=False):
        response = owner_client.get("/dashboard/")
    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN)


def _session_writes(client, url="/dashboard/") -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return sum(1 for q in queries if q["sql"].startswith("UPDATE") and "django_session" in q["sql"])


@pytest.fixture
def renewal_every_minute(settings):
    settings.SESSION_RENEW_EVERY_SECONDS = 60  # as outside tests


def test_activity_renews_the_clock_at_most_once_a_minute(owner_client, renewal_every_minute):
    """Not a write per page view: renewed by the first request, not by one 40 seconds
    later, so the session ends 30 minutes after the first."""
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        assert _session_writes(owner_client) == 1
    with time_machine.travel(start + timedelta(seconds=40), tick=False):
        assert _session_writes(owner_client) == 0
    with time_machine.travel(start + timedelta(minutes=30, seconds=10), tick=False):
        assert owner_client.get("/dashboard/").status_code == 302


def test_activity_a_minute_later_renews_the_clock(owner_client, renewal_every_minute):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        assert _session_writes(owner_client) == 1
    with time_machine.travel(start + timedelta(seconds=61), tick=False):
        assert _session_writes(owner_client) == 1
    with time_machine.travel(start + timedelta(minutes=30, seconds=30), tick=False):
        assert owner_client.get("/dashboard/").status_code == 200


def test_a_visitor_who_is_not_signed_in_gets_no_session(client, alice_practice):
    for url in (f"/p/{alice_practice.slug}/", LOGIN):
        response = client.get(url)
        assert response.status_code == 200
        assert settings.SESSION_COOKIE_NAME not in response.cookies


def test_it_changes_the_password(owner_client, owner):
    response = owner_client.post(
        "/account/password/",
        {
            "old_password": testing.PASSWORD,
            "new_password1": "a brand new passphrase",
            "new_password2": "a brand new passphrase",
        },
    )
    assert response.status_code == 302
    owner.refresh_from_db()
    assert owner.check_password("a brand new passphrase")


def test_it_resets_a_forgotten_password_by_email(client, owner):
    client.post("/account/password/reset/", {"email": "owner@alice.test"})
    assert len(mail.outbox) == 1
    link = re.search(r"https?://[^/]+(/account/password/reset/\S+)", mail.outbox[0].body)[1]
    form_page = client.get(link, follow=True)
    assert "Choose a new password" in form_page.content.decode()
    client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": "reset passphrase 2026", "new_password2": "reset passphrase 2026"},
    )
    owner.refresh_from_db()
    assert owner.check_password("reset passphrase 2026")
    # The link works once.
    assert "This link has expired" in client.get(link, follow=True).content.decode()


def test_a_reset_for_an_unknown_address_looks_the_same_and_sends_nothing(client, db):
    response = client.post("/account/password/reset/", {"email": "nobody@alice.test"})
    assert response.status_code == 302
    assert mail.outbox == []


def test_forms_are_protected_against_csrf(owner):
    strict = Client(enforce_csrf_checks=True)
    response = strict.post(LOGIN, {"username": "owner@alice.test", "password": testing.PASSWORD})
    assert response.status_code == 403
    assert "This form has expired" in response.content.decode()


def test_responses_carry_security_headers_and_a_strict_csp(owner_client):
    response = owner_client.get("/dashboard/")
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert "camera=()" in response["Permissions-Policy"]
    assert "no-store" in response["Cache-Control"]


TEMPLATE_DIR = Path(settings.PACKAGE_DIR)


@pytest.mark.parametrize(
    "template",
    sorted(TEMPLATE_DIR.rglob("templates/**/*.html")),
    ids=lambda p: str(p.relative_to(TEMPLATE_DIR)),
)
def test_templates_have_no_inline_script_or_style(template):
    # The CSP would block them; this catches them before a browser does.
    text = template.read_text()
    # A JSON-LD block (the public site's schema.org data) is data the browser never runs;
    # the website's browser test checks the CSP reports nothing about it.
    assert not re.search(r"<script(?![^>]*\b(?:src=|type=\"application/ld\+json\"))[^>]*>", text), (
        "inline <script>"
    )
    assert not re.search(r"\son[a-z]+\s*=", text), "inline event handler"
    assert not re.search(r"\sstyle\s*=", text), "inline style attribute"
    assert "<style" not in text


def test_deploy_checks_pass_with_production_settings(tmp_path):
    env = {
        "PATH": "/usr/bin:/bin",
        "CARELOOP_ENVIRONMENT": "production",
        "SECRET_KEY": "x" * 20 + "production-check-secret-with-enough-entropy-123456",
        "ALLOWED_HOSTS": "careloop.example",
        "SITE_URL": "https://careloop.example",
        "CARELOOP_DATA_DIR": str(tmp_path),
        "CARELOOP_BACKUP_KEY": "uCXTeplBP7epEmzpo4mKHYGTIzIBZddnUT-SXTm-_Lc=",
        # Shared cache and job queue; nothing connects to it during the checks.
        "REDIS_URL": "redis://127.0.0.1:6379/0",
    }
    result = subprocess.run(
        [sys.executable, "-m", "careloop", "check", "--deploy", "--fail-level", "WARNING"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_deploy_checks_warn_when_site_url_is_not_set(tmp_path):
    env = {
        "PATH": "/usr/bin:/bin",
        "CARELOOP_ENVIRONMENT": "production",
        "SECRET_KEY": "x" * 20 + "production-check-secret-with-enough-entropy-123456",
        "ALLOWED_HOSTS": "careloop.example",
        "CARELOOP_DATA_DIR": str(tmp_path),
    }
    result = subprocess.run(
        [sys.executable, "-m", "careloop", "check", "--deploy"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert "careloop.W004" in result.stdout + result.stderr
    assert "SITE_URL is not set" in result.stdout + result.stderr


def test_production_refuses_to_start_without_a_secret_key(tmp_path):
    env = {
        "PATH": "/usr/bin:/bin",
        "CARELOOP_ENVIRONMENT": "production",
        "CARELOOP_DATA_DIR": str(tmp_path),
    }
    result = subprocess.run(
        [sys.executable, "-m", "careloop", "check"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert result.returncode != 0
    assert "SECRET_KEY is required" in result.stderr
