"""`make chaos`: the letters outbox and the web app under faults, counted.

Runs real processes against a throw-away database and a local SMTP server (aiosmtpd,
127.0.0.1 only), and prints what happened:

- letters through the outbox with the SMTP server down, answering after the client's
  timeout, with the sender SIGKILLed mid-send, after a double click, and with 4
  concurrent workers (which also draft due end-of-course reports at the same moment);
- web writes (sign-ins and public referrals) on gunicorn for --seconds while a slow
  send runs, counting the responses that were 500.

The target: 0 lost, 0 doubled except copies flagged `duplicate_possible` (they carry
the same Message-ID), 0 duplicate drafts, 0 crashed workers, 0 responses of 500. The
exit status is 1 when a figure misses it.

SQLite by default (in a temporary folder); PostgreSQL when DATABASE_URL is set, in a
database of its own (`<name>_chaos`, dropped afterwards). The web load runs on SQLite
only: PostgreSQL has no database-wide write lock to starve it.

    python -m careloop.chaos [--seconds 10]
"""

import argparse
import asyncio
import contextlib
import http.cookiejar
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Callable
from email import message_from_bytes
from typing import Any
from urllib.parse import urlencode, urlparse, urlunparse

SECRET = "careloop-chaos-only-key-0123456789abcdefghijklmnopqrstuvwxyz-0123456789"  # noqa: S105
PASSWORD = "chaos-horse-battery-staple"  # noqa: S105 - a throw-away database
WORKER_TIMEOUT = 120  # seconds any one worker may run before it counts as hung


# --- The local mail server --------------------------------------------------------------


class MailServer:
    """aiosmtpd on 127.0.0.1: records each message's Message-ID, and can answer late."""

    def __init__(self):
        self.port = free_port()
        self.delay = 0.0
        self.received: list[str] = []
        self._lock = threading.Lock()
        self.controller = None

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's name
        with self._lock:
            self.received.append(message_from_bytes(envelope.content)["Message-ID"])
        await asyncio.sleep(self.delay)
        return "250 OK"

    def start(self):
        from aiosmtpd.controller import Controller

        if self.controller is None:  # a stopped controller cannot start again
            self.controller = Controller(self, hostname="127.0.0.1", port=self.port)
            self.controller.start()

    def stop(self):
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    def count(self) -> int:
        with self._lock:
            return len(self.received)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# --- Roles run in child processes -------------------------------------------------------


def setup_django():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "careloop.settings")
    import django

    django.setup()


def run_worker(args) -> int:
    """One outbox worker: `process_due` (and, with --draft, the due-report drafting of
    the every-minute job) until nothing it may claim is left."""
    setup_django()
    from datetime import timedelta

    from django.conf import settings
    from django.utils import timezone
    from django_scopes import scopes_disabled

    from careloop.letters import actions as letter_actions
    from careloop.letters import outbox
    from careloop.letters.models import Delivery, DeliveryStatus
    from careloop.practices.jobs import each_practice_scope

    settings.EMAIL_TIMEOUT = args.timeout
    deadline = time.monotonic() + WORKER_TIMEOUT

    def now():
        # A later clock stands in for waiting out the back-off or a lease.
        return timezone.now() + timedelta(minutes=args.offset)

    while time.monotonic() < deadline:
        # As the every-minute job does: each practice in turn, inside its scope.
        for practice in each_practice_scope():
            if args.draft:
                letter_actions.create_due_drafts(practice)
            outbox.process_due(now())
        if not args.loop:
            return 0
        with scopes_disabled():  # a question about the whole queue
            claimable = (
                Delivery.objects.filter(
                    status=DeliveryStatus.QUEUED, next_attempt_at__lte=now()
                ).exists()
                or Delivery.objects.filter(outbox.stale_claim(now())).exists()
            )
        if not claimable:
            return 0
        time.sleep(0.1)
    return 3


def run_click(args) -> int:
    """One press of "Send": queue the letter by e-mail, as the view does."""
    setup_django()
    from django_scopes import scope, scopes_disabled

    from careloop.letters import outbox
    from careloop.letters.models import Letter

    with scopes_disabled():
        practice = Letter.objects.values_list("practice", flat=True).get(uuid=args.letter)
    with scope(practice=practice):  # as the staff request would be
        letter = Letter.objects.get(uuid=args.letter)
        while time.time() < args.at:  # both clicks land at the same moment
            time.sleep(0.001)
        with contextlib.suppress(outbox.AlreadyQueued):
            outbox.queue(letter, "email")
    return 0


# --- The orchestra ----------------------------------------------------------------------


class Chaos:
    def __init__(self, args, env: dict[str, str], mail: MailServer):
        self.args = args
        self.env = env
        self.mail = mail
        self.crashed = 0
        self.rows: list[tuple] = []
        # Set up by the web-load scenario once the database exists.
        self.practice: Any = None
        self.login: Any = None
        self.clinician: Any = None
        self.doctor: Any = None

    def child(self, *argv, timeout=1.0, env=None) -> subprocess.Popen:
        return subprocess.Popen(
            [sys.executable, "-m", "careloop.chaos", *argv, "--timeout", str(timeout)],
            env={**self.env, **(env or {})},
        )

    def wait(self, *processes, killed=()):
        for process in processes:
            try:
                code = process.wait(timeout=WORKER_TIMEOUT + 30)
            except subprocess.TimeoutExpired:
                process.kill()
                code = process.wait()
            if code != 0 and process not in killed:
                self.crashed += 1
                print(f"  a worker exited with status {code}")

    def worker(self, *, offset=0, loop=True, draft=False, timeout=1.0):
        argv = ["worker", "--offset", str(offset)]
        if loop:
            argv.append("--loop")
        if draft:
            argv.append("--draft")
        return self.child(*argv, timeout=timeout)

    def letters(self, n: int, label: str):
        """`n` signed acknowledgements, each to be sent by e-mail, with consent."""
        from datetime import timedelta

        from django.utils import timezone

        from careloop import testing
        from careloop.consent.models import Consent
        from careloop.letters import actions as letter_actions

        made = []
        for i in range(n):
            person = testing.make_client(self.practice, family_name=f"{label.title()}{i}")
            referral = testing.make_referral(self.practice, client=person, doctor=self.doctor)
            Consent.objects.create(
                practice=self.practice,
                client=person,
                referral=referral,
                scopes=["status", "progress"],
                method="written",
                obtained_on=timezone.localdate() - timedelta(days=1),
                recorded_by=self.clinician,
            )
            letter = letter_actions.draft(
                "acknowledgement", client=person, doctor=self.doctor, referral=referral
            )
            letter_actions.update_sections(letter, {"appointment": f"Booked for chaos run {i}."})
            made.append(letter_actions.sign(letter, by=self.clinician))
        return made

    def queue(self, letters):
        from careloop.letters import outbox

        return [outbox.queue(letter, "email", by=self.clinician) for letter in letters]

    def count(self, scenario: str, letters, *, received_before: int):
        """Lost, doubled and flagged for one scenario's letters."""
        from careloop.letters.models import Delivery

        deliveries = list(Delivery.objects.filter(letter__in=letters))
        copies = Counter(self.mail.received[received_before:])
        lost = doubled = flagged = 0
        for letter in letters:
            mine = [d for d in deliveries if d.letter_id == letter.pk]
            got = sum(copies[f"<letter-{d.uuid}@careloop>"] for d in mine)
            lost += got == 0
            extra = max(got - 1, 0)
            if extra and all(d.duplicate_possible for d in mine) and len(mine) == 1:
                flagged += extra
            else:
                doubled += extra
        self.rows.append(
            (scenario, len(letters), self.mail.count() - received_before, lost, doubled, flagged)
        )

    # Each scenario: queue letters, break something, let the outbox recover.

    def smtp_down(self):
        start = self.mail.count()
        self.mail.stop()
        letters = self.letters(4, "down")
        self.queue(letters)
        self.wait(self.worker(loop=False))
        self.mail.start()
        self.wait(self.worker(offset=15))
        self.count("SMTP down, then back", letters, received_before=start)

    def smtp_slow(self):
        start = self.mail.count()
        self.mail.delay = 2.0  # the client gives up after 1 s; the server took the message
        letters = self.letters(3, "slow")
        self.queue(letters)
        self.wait(self.worker(loop=False, timeout=1.0))
        self.mail.delay = 0
        self.wait(self.worker(offset=15))
        self.count("SMTP answers after the timeout", letters, received_before=start)

    def sigkill(self):
        start = self.mail.count()
        self.mail.delay = 3.0  # long enough to be killed while waiting for the answer
        letters = self.letters(3, "killed")
        self.queue(letters)
        sender = self.worker(timeout=20.0)
        deadline = time.monotonic() + 60
        while self.mail.count() == start and time.monotonic() < deadline:
            time.sleep(0.05)
        sender.send_signal(signal.SIGKILL)
        self.wait(sender, killed=[sender])
        self.mail.delay = 0
        self.wait(self.worker(offset=11))  # past the lease: the claim is taken back
        self.count("Sender SIGKILLed mid-send", letters, received_before=start)

    def double_click(self):
        start = self.mail.count()
        letters = self.letters(2, "double")
        at = time.time() + 3  # time for both processes to start
        clicks = [
            self.child("click", "--letter", str(letter.uuid), "--at", str(at))
            for letter in letters
            for _ in range(2)
        ]
        self.wait(*clicks)
        self.wait(self.worker())
        self.count("Send pressed twice at once", letters, received_before=start)

    def four_workers(self):
        from careloop.letters.models import Letter

        start = self.mail.count()
        self.due_courses(3)
        letters = self.letters(12, "busy")
        self.queue(letters)
        self.wait(*[self.worker(draft=True, timeout=20.0) for _ in range(4)])
        self.count("4 concurrent workers", letters, received_before=start)
        drafts = Counter(
            Letter.objects.filter(kind="end_of_course")
            .exclude(status="cancelled")
            .values_list("referral_id", flat=True)
        )
        self.duplicate_drafts = sum(n - 1 for n in drafts.values())
        self.due_drafts = len(drafts)

    def due_courses(self, n: int):
        """Finished courses whose end-of-course report falls due (drafted by workers)."""
        from datetime import timedelta

        from django.utils import timezone

        from careloop import testing

        for i in range(n):
            person = testing.make_client(self.practice, family_name=f"Course{i}")
            referral = testing.make_referral(
                self.practice,
                client=person,
                doctor=self.doctor,
                sessions_referred=2,
                referral_date=timezone.localdate() - timedelta(days=60),
            )
            for days in (40, 20):
                testing.make_session(
                    self.practice,
                    client=person,
                    clinician=self.clinician,
                    referral=referral,
                    status="attended",
                    starts_at=timezone.now() - timedelta(days=days),
                )

    def web_load(self, seconds: float) -> Counter:
        """Sign-ins and public referrals on gunicorn while a slow send holds the mail
        server's answer for 3 s per letter."""
        start = self.mail.count()
        self.mail.delay = 3.0
        letters = self.letters(int(seconds // 3) + 2, "web")
        self.queue(letters)
        port = free_port()
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "careloop.wsgi:application",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                "2",
                "--threads",
                "4",
                "--log-level",
                "warning",
            ],
            env={**self.env, "DEBUG": "1", "LOG_LEVEL": "ERROR"},  # DEBUG: no collectstatic
        )
        base = f"http://127.0.0.1:{port}"
        statuses: Counter = Counter()
        lock = threading.Lock()
        try:
            wait_for(base + "/account/sign-in/")
            sender = self.worker(timeout=20.0)
            stop = time.monotonic() + seconds

            def load(task):
                n = 0
                while time.monotonic() < stop:
                    n += 1
                    code = task(base, n)
                    with lock:
                        statuses[(task.__name__, code)] += 1

            threads = [
                threading.Thread(target=load, args=(task,))
                for task in (self.sign_in, self.sign_in, self.refer, self.refer)
            ]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            self.mail.delay = 0
            self.wait(sender)
            self.wait(self.worker(offset=15))  # anything the load left behind
        finally:
            server.terminate()
            server.wait(timeout=30)
        self.count("While the web takes writes", letters, received_before=start)
        return statuses

    def sign_in(self, base: str, n: int) -> int:
        session = Browser(base, address=f"10.20.{n % 250}.{secrets.randbelow(250) + 1}")
        token = session.csrf("/account/sign-in/")
        password = PASSWORD if n % 2 else "wrong-password"
        return session.post(
            "/account/sign-in/",
            {"csrfmiddlewaretoken": token, "username": self.login, "password": password},
        )

    def refer(self, base: str, n: int) -> int:
        from django.core import signing
        from django.utils import timezone

        from careloop.publicsite import forms

        session = Browser(base, address=f"10.30.{n % 250}.{secrets.randbelow(250) + 1}")
        path = f"/p/{self.practice.slug}/refer/"
        token = session.csrf(path)
        # Filled in a minute ago, as a person would.
        started = signing.dumps(
            {"at": timezone.now().timestamp() - 60, "nonce": secrets.token_urlsafe(16)},
            salt=forms.PublicReferralForm.guard_salt,
        )
        fields = {**REFERRAL, "csrfmiddlewaretoken": token, "started": started}
        fields["patient_family_name"] = f"Loadtest{secrets.token_hex(4)}"
        return session.post_multipart(path, fields, ("letter", "referral.pdf", PDF))

    def report(self, statuses: Counter | None) -> bool:
        print()
        header = ("Fault", "Letters", "Received", "Lost", "Doubled", "Doubled, flagged")
        widths = [34, 8, 9, 5, 8, 16]
        print("  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)))
        for row in self.rows:
            print("  ".join(str(c).ljust(w) for c, w in zip(row, widths, strict=True)))
        totals = [sum(row[i] for row in self.rows) for i in range(1, 6)]
        print("  ".join(str(c).ljust(w) for c, w in zip(["Total", *totals], widths, strict=True)))
        print()
        print(
            f"Due end-of-course reports drafted by 4 workers at once: {self.due_drafts}, "
            f"duplicates: {self.duplicate_drafts}"
        )
        print(f"Workers that crashed: {self.crashed}")
        server_errors = 0
        if statuses is not None:
            from careloop.referrals.models import Referral

            server_errors = sum(n for (_, code), n in statuses.items() if code >= 500)
            detail = "; ".join(
                f"{kind} {code}: {n}" for (kind, code), n in sorted(statuses.items())
            )
            accepted = sum(
                n for (kind, code), n in statuses.items() if kind == "refer" and code == 302
            )
            stored = Referral.objects.filter(client__family_name__startswith="Loadtest").count()
            print(
                f"Web writes for {self.args.seconds:g} s during a slow send: "
                f"{sum(statuses.values())} responses ({detail}); 500s: {server_errors}; "
                f"public referrals accepted {accepted}, stored {stored}"
            )
            server_errors += accepted != stored  # an accepted referral must never be lost
        ok = (
            totals[2] == 0
            and totals[3] == 0
            and self.duplicate_drafts == 0
            and self.crashed == 0
            and server_errors == 0
        )
        print("PASS" if ok else "FAIL")
        return ok


class NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Browser:
    """A cookie jar and a forwarded address (the app trusts one proxy in this run)."""

    def __init__(self, base: str, *, address: str):
        self.base = base
        self.address = address
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), NoRedirects()
        )

    def _open(self, request) -> tuple[int, bytes]:
        request.add_header("X-Forwarded-For", self.address)
        try:
            with self.opener.open(request, timeout=60) as response:
                return response.status, response.read()
        except urllib.error.HTTPError as error:
            return error.code, error.read()
        except OSError:
            return 599, b""  # no answer at all: counted with the 500s

    def csrf(self, path: str) -> str:
        _, body = self._open(urllib.request.Request(self.base + path))
        found = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', body)
        return found.group(1).decode() if found else ""

    def post(self, path: str, fields: dict) -> int:
        data = urlencode(fields).encode()
        request = urllib.request.Request(self.base + path, data=data, method="POST")
        request.add_header("Referer", self.base + path)
        return self._open(request)[0]

    def post_multipart(self, path: str, fields: dict, upload: tuple[str, str, bytes]) -> int:
        boundary = secrets.token_hex(16)
        parts = []
        for name, value in fields.items():
            parts.append(
                f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'
                f"{value}\r\n".encode()
            )
        name, filename, content = upload
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
            f'filename="{filename}"\r\nContent-Type: application/pdf\r\n\r\n'.encode()
            + content
            + b"\r\n"
        )
        parts.append(f"--{boundary}--\r\n".encode())
        request = urllib.request.Request(self.base + path, data=b"".join(parts), method="POST")
        request.add_header("Content-Type", f"multipart/form-data; boundary={boundary}")
        request.add_header("Referer", self.base + path)
        return self._open(request)[0]


def wait_for(url: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=5):  # noqa: S310 - 127.0.0.1 only
                return
        except (urllib.error.URLError, OSError):
            time.sleep(0.3)
    raise SystemExit(f"The web server at {url} did not start.")


PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
REFERRAL = {
    "doctor_given_name": "Priya",
    "doctor_family_name": "Shah",
    "doctor_type": "gp",
    "provider_number": "2448301T",
    "practice_name": "Bay Medical",
    "practice_suburb": "Mosman",
    "practice_postcode": "2088",
    "doctor_phone": "(02) 9960 1234",
    "doctor_email": "priya@bay.example",
    "patient_given_name": "Mia",
    "patient_date_of_birth": "07/03/1994",
    "patient_street": "4 Ourimbah Rd",
    "patient_suburb": "Mosman",
    "patient_state": "NSW",
    "patient_postcode": "2088",
    "patient_phone": "0491 570 156",
    "patient_medicare_number": "3278851195",
    "patient_medicare_irn": "2",
    "reason": "Low mood and anxiety for 4 months",
    "medications": "Sertraline 50 mg",
    "basis": "mhtp",
    "sessions_referred": "6",
    "urgency": "routine",
    "patient_agrees": "on",
    "website": "",
}


def chaos_database(url: str) -> tuple[str, Callable[[], None]]:
    """A PostgreSQL database of the run's own beside DATABASE_URL's, and its cleanup."""
    import psycopg

    parsed = urlparse(url)
    name = parsed.path.lstrip("/") + "_chaos"
    admin = urlunparse(parsed._replace(path="/postgres"))

    def run(sql):
        with psycopg.connect(admin, autocommit=True) as connection:
            connection.execute(sql)

    run(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    run(f'CREATE DATABASE "{name}"')
    return urlunparse(parsed._replace(path="/" + name)), lambda: run(
        f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'
    )


def orchestrate(args) -> int:
    folder = tempfile.TemporaryDirectory(prefix="careloop-chaos-")
    mail = MailServer()
    mail.start()
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"REDIS_URL", "CARELOOP_ENVIRONMENT", "DEBUG", "DJANGO_SETTINGS_MODULE"}
    }
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "careloop.settings",
            "CARELOOP_DATA_DIR": folder.name,
            "SECRET_KEY": SECRET,
            "EMAIL_URL": f"smtp://127.0.0.1:{mail.port}?tls=0",
            "CARELOOP_JOBS_IMMEDIATE": "0",
            "CARELOOP_PROXY_COUNT": "1",
            "SITE_URL": "http://127.0.0.1",
            "LOG_LEVEL": "WARNING",
        }
    )
    cleanup = None
    on_postgres = bool(os.environ.get("DATABASE_URL"))
    if on_postgres:
        env["DATABASE_URL"], cleanup = chaos_database(os.environ["DATABASE_URL"])
    os.environ.clear()
    os.environ.update(env)
    print(f"Chaos run on {'PostgreSQL' if on_postgres else 'SQLite'} in {folder.name}")
    try:
        setup_django()
        import logging

        from django.core.management import call_command

        logging.getLogger("mail.log").setLevel(logging.WARNING)  # aiosmtpd's chatter

        from django_scopes import scopes_disabled

        from careloop import testing
        from careloop.practices.models import Role

        call_command("migrate", verbosity=0)
        # The orchestra builds and counts rows across the run's one practice, in a
        # database of its own; the workers and clicks it starts run scoped, as in
        # production.
        unscoped = scopes_disabled()
        unscoped.__enter__()
        chaos = Chaos(args, env, mail)
        chaos.practice = testing.make_practice("chaos", name="Chaos Street Psychology")
        chaos.login = "clinician@chaos.example"
        chaos.clinician = testing.make_user(chaos.practice, Role.CLINICIAN, email=chaos.login)
        chaos.clinician.set_password(PASSWORD)
        chaos.clinician.save()
        chaos.doctor = testing.make_doctor(
            chaos.practice, email="gp@chaos.example", preferred_channel="email"
        )
        for scenario in (
            chaos.smtp_down,
            chaos.smtp_slow,
            chaos.sigkill,
            chaos.double_click,
            chaos.four_workers,
        ):
            began = time.monotonic()
            scenario()
            print(f"  {scenario.__name__}: {time.monotonic() - began:.1f} s")
        statuses = None
        if not on_postgres and args.seconds > 0:
            statuses = chaos.web_load(args.seconds)
        ok = chaos.report(statuses)
    finally:
        from django.db import connections

        connections.close_all()
        mail.stop()
        if cleanup is not None:
            cleanup()
        folder.cleanup()
    return 0 if ok else 1


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m careloop.chaos", description=__doc__)
    parser.add_argument("role", nargs="?", default="run", choices=["run", "worker", "click"])
    parser.add_argument(
        "--seconds",
        type=float,
        default=float(os.environ.get("CHAOS_SECONDS", "10")),
        help="how long the web load runs (default 10; the issue's figure is 30)",
    )
    parser.add_argument("--timeout", type=float, default=1.0, help=argparse.SUPPRESS)
    parser.add_argument("--offset", type=float, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--loop", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--draft", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--letter", help=argparse.SUPPRESS)
    parser.add_argument("--at", type=float, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.role == "worker":
        return run_worker(args)
    if args.role == "click":
        return run_click(args)
    return orchestrate(args)


if __name__ == "__main__":
    sys.exit(main())
