"""Several app servers, one state. Two gunicorn servers on ports of their own and one job
consumer (`careloop run_huey`), started here with production settings, share what
production shares: the PostgreSQL database (this test's, committed), Redis (the cache,
sessions and the job queue, under a key prefix of this run's own), a bucket on the local
S3 server (moto, started by the tests) and nothing else: each has a data folder of its
own. Mail goes to an SMTP server inside this test.

A person behind a load balancer may reach either server on each request; so do the
requests here. It checks that:

- a referral posted to server A is visible on server B, and its letter downloads from
  either with the same bytes (the letter was held, after a mistake on the form, by B);
- a letter queued on the servers (Send pressed on both at once) is sent once, by the
  consumer: one message reaches the mail server;
- sessions, the sign-in lockout, the public forms' rate limit and single-use tokens, and
  the public website's cached pages hold across servers.

PostgreSQL only: the suite's SQLite database lives inside the test process. Needs Redis
(REDIS_URL, or 127.0.0.1:6379); skipped without it, unless CARELOOP_TESTS_NEED_REDIS is
set (CI sets it, so the test cannot quietly stop running there).
"""

from __future__ import annotations

import http.cookiejar
import logging
import os
import re
import secrets
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlencode

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.core import signing
from django.db import connection
from django.utils import timezone

from careloop import testing
from careloop.chaos import REFERRAL, MailServer, NoRedirects, free_port
from careloop.consent.models import Consent
from careloop.letters import actions as letter_actions
from careloop.letters.models import Delivery, DeliveryStatus
from careloop.practices.models import Role
from careloop.publicsite.forms import PublicReferralForm
from careloop.referrals.models import Referral, ReferralDocument

pytestmark = [pytest.mark.postgresql_only, pytest.mark.django_db(transaction=True)]

SECRET = "careloop-several-servers-test-key-0123456789abcdefghijklmnopqrstuvwxyz"  # noqa: S105
PASSWORD = testing.PASSWORD
LETTER = b"%PDF-1.4\n% the GP's signed referral\n" + secrets.token_bytes(40_000) + b"\n%%EOF\n"
PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00"
    b"\x00\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05"
    b"\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82"
)
WAIT_SECONDS = 60


# --- The processes ----------------------------------------------------------------------


def redis_url() -> str:
    """The Redis the servers share, or a skip (a failure where CI says it must be there)."""
    import redis

    url = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0"
    try:
        redis.Redis.from_url(url, socket_connect_timeout=2).ping()
    except redis.RedisError as error:
        reason = f"Redis is not reachable at {url} ({error}): several servers share it."
        if os.environ.get("CARELOOP_TESTS_NEED_REDIS"):
            pytest.fail(reason + " CARELOOP_TESTS_NEED_REDIS is set, so this is a failure.")
        pytest.skip(reason + " Start redis-server to run this test.")
    return url


def database_url() -> str:
    db = connection.settings_dict
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return (
        f"postgres://{db.get('USER') or ''}{password}@{db.get('HOST') or '127.0.0.1'}:"
        f"{db.get('PORT') or 5432}/{db['NAME']}"
    )


@dataclass
class Fleet:
    a: str
    b: str
    mail: MailServer
    bucket: testing.ObjectStore
    redis_url: str
    prefix: str
    folder: Path

    def logs(self) -> str:
        return "\n".join(
            f"--- {log.name} ---\n{log.read_text(errors='replace')[-3000:]}"
            for log in sorted(self.folder.glob("*.log"))
        )

    def pending_jobs(self) -> int:
        from huey import RedisHuey

        return RedisHuey(f"{self.prefix}careloop", url=self.redis_url).pending_count()


def wait_until(what: str, ready, fleet: Fleet | None = None) -> None:
    deadline = time.monotonic() + WAIT_SECONDS
    while not ready():
        if time.monotonic() > deadline:
            pytest.fail(f"Waited {WAIT_SECONDS} s for {what}.\n{fleet.logs() if fleet else ''}")
        time.sleep(0.1)


def answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 - 127.0.0.1
            return response.status == 200
    except OSError:
        return False


@pytest.fixture
def fleet(transactional_db, s3_server, tmp_path):
    if connection.vendor != "postgresql":
        pytest.skip(
            "Several app servers share one PostgreSQL database; the suite's SQLite database "
            "lives inside the test process. Run with DATABASE_URL=postgres://..."
        )
    shared_redis = redis_url()
    bucket = testing.new_bucket(s3_server)
    logging.getLogger("mail.log").setLevel(logging.WARNING)  # aiosmtpd's chatter
    mail = MailServer()
    mail.start()
    prefix = f"test-{secrets.token_hex(6)}:"
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": os.environ.get("HOME", str(tmp_path)),  # fontconfig's cache, for the PDFs
        "PYTHONPATH": str(settings.BASE_DIR),
        "DJANGO_SETTINGS_MODULE": "careloop.settings",
        "CARELOOP_ENVIRONMENT": "production",
        # Static files from the source folders (no collectstatic), over plain http.
        "CARELOOP_TESTING": "1",
        "CARELOOP_HTTPS": "0",
        "CARELOOP_JOBS_IMMEDIATE": "0",
        "SECRET_KEY": SECRET,
        "ALLOWED_HOSTS": "127.0.0.1",
        "SITE_URL": "http://127.0.0.1",
        "DATABASE_URL": database_url(),
        "REDIS_URL": shared_redis,
        "CARELOOP_REDIS_PREFIX": prefix,
        "CARELOOP_S3_BUCKET": bucket.bucket,
        "CARELOOP_S3_ENDPOINT_URL": bucket.endpoint_url,
        "CARELOOP_S3_REGION": testing.S3_REGION,
        "AWS_ACCESS_KEY_ID": testing.S3_ACCESS_KEY,
        "AWS_SECRET_ACCESS_KEY": testing.S3_SECRET_KEY,
        "EMAIL_URL": f"smtp://127.0.0.1:{mail.port}?tls=0",
        # The load balancer in front appends the visitor's address.
        "CARELOOP_BEHIND_PROXY": "1",
        "CARELOOP_PROXY_COUNT": "1",
        # Production rechecks the shared generation each second; here on every request.
        "CARELOOP_PUBLIC_CACHE_RECHECK_MS": "0",
        "LOG_LEVEL": "WARNING",
    }
    processes: list[subprocess.Popen] = []

    def start(name: str, *argv: str) -> None:
        data_dir = tmp_path / f"data-{name}"  # nothing on one machine's disk is shared
        data_dir.mkdir()
        log = (tmp_path / f"{name}.log").open("wb")
        processes.append(
            subprocess.Popen(  # noqa: S603 - our own processes
                [sys.executable, *argv],
                env={**env, "CARELOOP_DATA_DIR": str(data_dir)},
                stdout=log,
                stderr=subprocess.STDOUT,
                cwd=tmp_path,
            )
        )

    ports = {"a": free_port(), "b": free_port()}
    try:
        for name, port in ports.items():
            start(
                name,
                *("-m", "gunicorn", "careloop.wsgi:application"),
                *("--bind", f"127.0.0.1:{port}", "--workers", "1", "--threads", "4"),
            )
        start("worker", "-m", "careloop", "run_huey")
        fleet = Fleet(
            a=f"http://127.0.0.1:{ports['a']}",
            b=f"http://127.0.0.1:{ports['b']}",
            mail=mail,
            bucket=bucket,
            redis_url=shared_redis,
            prefix=prefix,
            folder=tmp_path,
        )
        for base in (fleet.a, fleet.b):
            wait_until(f"{base}/healthz", lambda base=base: answers(f"{base}/healthz"), fleet)
        yield fleet
    finally:
        for process in processes:
            # SIGINT lets the consumer finish a job; gunicorn stops gracefully on it too.
            process.send_signal(signal.SIGINT)
        for process in processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        mail.stop()
        import redis

        shared = redis.Redis.from_url(shared_redis)
        token = prefix.removeprefix("test-").rstrip(":")
        for key in shared.scan_iter(f"*{token}*"):
            shared.delete(key)


# --- A visitor ---------------------------------------------------------------------------


@dataclass
class Answer:
    status: int
    headers: dict
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")


class Visitor:
    """One browser behind the load balancer: its cookies go to whichever server answers
    (cookies are per host, not per port), and the balancer says where it comes from."""

    def __init__(self, address: str):
        self.address = address
        self.cookies = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.cookies), NoRedirects()
        )

    def _open(self, request) -> Answer:
        request.add_header("X-Forwarded-For", self.address)
        try:
            with self.opener.open(request, timeout=60) as response:
                return Answer(response.status, dict(response.headers), response.read())
        except urllib.error.HTTPError as error:
            return Answer(error.code, dict(error.headers), error.read())

    def get(self, base: str, path: str) -> Answer:
        return self._open(urllib.request.Request(base + path))

    def post(self, base: str, path: str, fields: dict, files: dict | None = None) -> Answer:
        if files is None:
            request = urllib.request.Request(
                base + path, data=urlencode(fields).encode(), method="POST"
            )
        else:
            boundary = secrets.token_hex(16)
            parts = [
                f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'
                f"{value}\r\n".encode()
                for name, value in fields.items()
            ]
            for name, (filename, content_type, content) in files.items():
                parts.append(
                    f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
                    f'filename="{filename}"\r\nContent-Type: {content_type}\r\n\r\n'.encode()
                    + content
                    + b"\r\n"
                )
            parts.append(f"--{boundary}--\r\n".encode())
            request = urllib.request.Request(base + path, data=b"".join(parts), method="POST")
            request.add_header("Content-Type", f"multipart/form-data; boundary={boundary}")
        request.add_header("Referer", base + path)
        return self._open(request)

    def csrf(self, base: str, path: str) -> str:
        self.get(base, path)
        return next(c.value for c in self.cookies if c.name == settings.CSRF_COOKIE_NAME)

    def sign_in(self, base: str, email: str, password: str) -> Answer:
        token = self.csrf(base, "/account/sign-in/")
        return self.post(
            base,
            "/account/sign-in/",
            {"csrfmiddlewaretoken": token, "username": email, "password": password},
        )

    def staff_post(self, base: str, path: str, fields: dict, files=None) -> Answer:
        token = next(c.value for c in self.cookies if c.name == settings.CSRF_COOKIE_NAME)
        return self.post(base, path, {"csrfmiddlewaretoken": token, **fields}, files)


def shown_a_minute_ago() -> str:
    """The public form's "shown at" token, as a person who took a minute over it sends
    it (signed with the servers' key; the form refuses one sent within 3 seconds)."""
    return signing.dumps(
        {"at": timezone.now().timestamp() - 60, "nonce": secrets.token_urlsafe(16)},
        key=SECRET,
        salt=PublicReferralForm.guard_salt,
    )


# --- The test ----------------------------------------------------------------------------


def test_two_app_servers_and_a_worker_share_one_state(fleet):
    a, b = fleet.a, fleet.b
    practice = testing.make_practice("twoservers", name="Two Servers Psychology")
    owner = testing.make_user(practice, Role.OWNER, email="owner@two.example")
    clinician = testing.make_user(practice, Role.CLINICIAN, email="clinician@two.example")
    doctor = testing.make_doctor(practice, email="gp@bay.example", preferred_channel="email")
    referred = f"Twoservers{secrets.token_hex(3)}"
    refer = f"/p/{practice.slug}/refer/"

    # A doctor's referral: a mistake on server B (the letter is held in the bucket), put
    # right on server A without attaching the letter again.
    gp = Visitor("203.0.113.10")
    form = {**REFERRAL, "patient_family_name": referred, "started": shown_a_minute_ago()}
    mistake = gp.post(
        b, refer, {**form, "reason": ""}, {"letter": ("referral.pdf", "application/pdf", LETTER)}
    )
    assert mistake.status == 400, mistake.text[:2000]
    held = re.search(r'name="held_letter" value="([^"]+)"', mistake.text).group(1)
    accepted = gp.post(a, refer, {**form, "held_letter": held})
    assert accepted.status == 302, accepted.text[:2000] + fleet.logs()
    # The form's token is spent on every server, not only on the one that took it.
    again = gp.post(b, refer, form, {"letter": ("referral.pdf", "application/pdf", LETTER)})
    assert again.status == 400 and "already been sent once" in again.text

    referral = Referral.objects.get(practice=practice, client__family_name=referred)
    document = ReferralDocument.objects.get(referral=referral)

    # Signed in on A, the same session works on B: sessions are in Redis, not a table.
    owner_browser = Visitor("198.51.100.7")
    assert owner_browser.sign_in(a, owner.email, PASSWORD).status == 302
    assert not Session.objects.exists()
    page = owner_browser.get(b, f"/referrals/{referral.uuid}/")
    assert page.status == 200 and referred in page.text
    assert referred in owner_browser.get(b, "/referrals/").text

    # Its letter downloads from either server, byte for byte what the doctor sent.
    path = f"/referrals/{referral.uuid}/documents/{document.uuid}/"
    from_a, from_b = owner_browser.get(a, path), owner_browser.get(b, path)
    assert from_a.status == from_b.status == 200
    assert from_a.body == from_b.body == LETTER

    # The website's pages are cached on each server; a change saved on A shows on B.
    visitor = Visitor("192.0.2.44")
    contact = f"/p/{practice.slug}/contact/"
    assert "(02) 9111 2222" not in visitor.get(b, contact).text
    saved = owner_browser.staff_post(
        a,
        "/practice/",
        {
            "name": practice.name,
            "phone": "(02) 9111 2222",
            "state": "NSW",
            "time_zone": "Australia/Sydney",
            "acknowledge_within_days": "1",
            "contact_within_days": "2",
            "k10_band_set": "abs",
        },
        {"logo": ("logo.png", "image/png", PNG)},
    )
    assert saved.status == 302, saved.text[:2000]
    assert "(02) 9111 2222" in visitor.get(b, contact).text

    # A letter, signed, with consent; Send pressed on both servers at the same moment.
    letter = signed_letter(practice, clinician, doctor)
    presses: list[Answer] = []
    at = time.monotonic() + 0.5

    def press(base):
        while time.monotonic() < at:
            time.sleep(0.001)
        presses.append(
            owner_browser.staff_post(base, f"/letters/{letter.uuid}/send/", {"channel": "email"})
        )

    pressers = [threading.Thread(target=press, args=(base,)) for base in (a, b)]
    for thread in pressers:
        thread.start()
    for thread in pressers:
        thread.join()
    assert [answer.status for answer in presses] == [302, 302]
    [delivery] = Delivery.objects.filter(letter=letter)
    message_id = f"<letter-{delivery.uuid}@careloop>"
    wait_until("the consumer to send the letter", lambda: message_id in fleet.mail.received, fleet)
    wait_until(
        "the letter to be recorded as sent",
        lambda: Delivery.objects.get(pk=delivery.pk).status == DeliveryStatus.SENT,
        fleet,
    )
    wait_until("the queue to empty", lambda: fleet.pending_jobs() == 0, fleet)
    assert Counter(fleet.mail.received)[message_id] == 1
    assert Delivery.objects.filter(letter=letter).count() == 1

    # Everything stored went to the bucket, privately: the letter and the logo.
    practice.refresh_from_db()
    stored = fleet.bucket.names()
    assert {document.file.name, practice.logo.name} <= set(stored)
    assert not [key for key in stored if key.startswith("held-letters/")]
    for key in stored:
        grants = fleet.bucket.s3.get_object_acl(Bucket=fleet.bucket.bucket, Key=key)["Grants"]
        assert [grant["Permission"] for grant in grants] == ["FULL_CONTROL"], key

    # Five wrong passwords in a row, spread over both servers, lock the account on both.
    guesser = Visitor("203.0.113.99")
    limit = settings.AXES_FAILURE_LIMIT
    tries = [
        guesser.sign_in((a, b)[n % 2], clinician.email, "not-the-password").status
        for n in range(limit)
    ]
    assert tries == [200] * (limit - 1) + [429]
    assert guesser.sign_in(b, clinician.email, PASSWORD).status == 429
    assert guesser.sign_in(a, clinician.email, PASSWORD).status == 429

    # The public form's hourly limit counts one network's posts on every server.
    flood = Visitor("203.0.113.200")
    statuses = [flood.post((a, b)[n % 2], refer, {}).status for n in range(6)]
    assert statuses == [400] * 5 + [429]


def signed_letter(practice, clinician, doctor):
    person = testing.make_client(practice)
    referral = testing.make_referral(practice, client=person, doctor=doctor)
    Consent.objects.create(
        practice=practice,
        client=person,
        referral=referral,
        scopes=["status", "progress"],
        method="written",
        obtained_on=timezone.localdate() - timedelta(days=1),
        recorded_by=clinician,
    )
    letter = letter_actions.draft(
        "acknowledgement", client=person, doctor=doctor, referral=referral
    )
    letter_actions.update_sections(letter, {"appointment": "Booked for Tuesday at 10."})
    return letter_actions.sign(letter, by=clinician)
