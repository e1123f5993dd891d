"""`make bench`: server time and SQL queries of the staff pages at several data scales.

Each scale gets its own database (SQLite files under data/bench/, or a
`<name>_bench_<scale>` PostgreSQL database when DATABASE_URL is set), built once
with `careloop demo --scale N` and reused until --rebuild. Each page is requested
through Django's full middleware stack, signed in as the demo owner; the median (p50)
and 95th percentile (p95) of the timed requests are reported, with the SQL queries per
request, each p95 against its target (TARGETS), and whether a page's query count
grows with the scale (a miss) or is lower at some scale because a part of the page had
nothing to show there (said, not a miss). Then the memory of a gunicorn worker (production settings,
2 workers) after serving every staff page a few times at the largest scale.

    make bench                                   # scales 1, 10 and 170, issue 13's targets
                                                 # (scale 170 builds once, in about
                                                 # 11 minutes)
    make bench BENCH_ARGS="--scales 1,10"        # a quick run, a minute or two
    DATABASE_URL=postgres://... make bench BENCH_ARGS="--scales 1,10,170,1700"

The run exits with status 1 when a figure misses its target.

Later features add their pages to PAGES (or their own measures to MEASURES).
"""

import argparse
import http.cookiejar
import json
import os
import re
import secrets
import shutil
import statistics
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from contextlib import suppress
from pathlib import Path

# (label, path). Paths may use {client}, {referral}, {doctor}: a record of the demo.
PAGES = [
    ("Dashboard", "/dashboard/"),
    ("Referral inbox (open)", "/referrals/"),
    ("Referrals, all", "/referrals/?view=all"),
    ("Referrals, filtered", "/referrals/?view=all&basis=mhtp&q=a"),
    ("Clients", "/clients/"),
    ("Clients, search", "/clients/?q=smith"),
    ("Clients, last page", "/clients/?page=last"),
    ("Sessions", "/sessions/"),
    ("Sessions, filtered", "/sessions/?status=attended&session_type=individual"),
    ("Sessions, one clinician", "/sessions/?q=&clinician={clinician}"),
    ("Doctors", "/doctors/"),
    ("Doctors, by type", "/doctors/?doctor_type=gp"),
    ("Medical practices", "/medical-practices/"),
    ("Audit log", "/audit/"),
    ("Client page", "/clients/{client}/"),
    ("Referral page", "/referrals/{referral}/"),
    ("Doctor page", "/doctors/{doctor}/"),
    ("Session page", "/sessions/{session}/"),
    ("Booking form", "/sessions/new/?client={client}"),
    ("Booking form, new", "/sessions/new/"),
    ("Client picker, 3 letters", "/pick/clients/?client__search=smi"),
    ("Client picker, date of birth", "/pick/clients/?client__search=01/01/1990"),
    ("Doctor picker, 3 letters", "/pick/doctors/?referring_doctor__search=smi"),
    # The first two letters of a clinician's family name: a match at every scale.
    ("Clinician picker, 2 letters", "/pick/clinicians/?clinician__search={clinician_prefix}"),
    ("Referral form", "/referrals/new/"),
    ("Letters due", "/letters/"),
    ("Consent and disclosures", "/clients/{client}/consent/"),
    ("Letter page", "/letters/{letter}/"),
    ("Letter PDF", "/letters/{letter}/pdf/"),
    ("Insights: monthly report", "/insights/"),
    ("Insights: sources", "/insights/sources/"),
    ("Insights: sources, 24 months", "/insights/sources/?months=24"),
    ("Insights: funnel", "/insights/funnel/"),
    ("Insights: promises", "/insights/promises/"),
    ("Insights: broken loops", "/insights/promises/broken/"),
    ("Insights: outreach", "/insights/outreach/"),
    ("Insights: outcomes", "/insights/outcomes/"),
    ("Insights: yearly letters", "/insights/doctors/"),
    (
        "Booking Medicare panel",
        "/sessions/new/medicare/?client={client}&clinician={clinician}"
        "&starts_at=15/12/2026+10:00&session_type=individual&duration_minutes=50",
    ),
    ("Doctor relationship", "/outreach/doctors/{referrer}/"),
    ("Medical practice relationship", "/outreach/medical-practices/{medical_practice}/"),
    ("Outreach tasks", "/outreach/tasks/?whose=everyone"),
    ("Who to visit next", "/outreach/visit-next/"),
    ("Visit days", "/outreach/visits/"),
    ("Calendar feed", "/outreach/calendar/{feed_token}/outreach.ics"),
]


# p95 targets in milliseconds (issue 13), by kind of page. A PDF's time is WeasyPrint's
# layout, whatever the data's size: it has no target, only its query count.
TARGETS = {"staff page": 50.0, "insights page": 200.0, "picker": 30.0}
MEMORY_TARGET_MB = 200.0


def kind_of(label: str, path: str) -> str:
    if not path:
        return "no database"
    if path.startswith("/pick/"):
        return "picker"
    if path.startswith("/insights/"):
        return "insights page"
    if path.endswith("/pdf/"):
        return "download"
    return "staff page"


def target_of(label: str, path: str) -> float | None:
    return TARGETS.get(kind_of(label, path))


def page_ids() -> dict:
    """The records the page paths name, found in the demo (must run inside Django)."""
    from careloop.audit.actions import COMMAND
    from careloop.directory.models import Doctor
    from careloop.outreach import actions as outreach_actions
    from careloop.practices.models import User
    from careloop.practices.scoping import practice_scope
    from careloop.referrals.models import Referral

    owner = User.objects.get(email="owner@harbour.demo")
    practice = owner.practice
    with practice_scope(practice):
        referral = (
            Referral.objects.for_practice(practice)
            .filter(referring_doctor__isnull=False)
            .order_by("id")
            .first()
        )
        assert referral is not None, "the demo data has no referral from a doctor"
        session = referral.client.sessions.select_related("clinician").first()
        doctor = Doctor.objects.for_practice(practice).order_by("id").first()
        assert session is not None and doctor is not None, "the demo data is incomplete"
        referrer = referral.referring_doctor
        medical_practice = referrer.medical_practices.order_by("id").first() if referrer else None
        assert referrer is not None and medical_practice is not None
        return {
            "client": referral.client.uuid,
            "referral": referral.uuid,
            "doctor": doctor.uuid,
            "session": session.uuid,
            "letter": _bench_letter(referral).uuid,
            "clinician": session.clinician.uuid,
            "clinician_prefix": session.clinician.full_name.split()[-1][:2].lower(),
            "referrer": referrer.uuid,
            "medical_practice": medical_practice.uuid,
            "feed_token": (
                outreach_actions.active_feed(owner)
                or outreach_actions.new_feed(owner, by=owner, via=COMMAND)
            ).token,
        }


def measure(repeat: int) -> list[dict]:
    from django.test import Client

    import careloop.wsgi  # noqa: F401 - set up as the server is (settings, views, gc.freeze)
    from careloop.practices.models import User

    ids = page_ids()
    owner = User.objects.get(email="owner@harbour.demo")
    browser = Client()
    browser.force_login(owner)
    results = []
    for label, path in PAGES:
        url = path.format(**ids)
        timings, queries, _ = _timed_requests(browser, url, repeat)
        results.append(
            {
                "page": label,
                "path": path,
                "kind": kind_of(label, path),
                "target_ms": target_of(label, path),
                "median_ms": statistics.median(timings),
                "p95_ms": _p95(timings),
                "queries": queries,
            }
        )
    return [
        *results,
        measure_who_to_visit(repeat),
        measure_engine(repeat),
        measure_hl7(repeat),
    ]


# Issue 10: who to visit next answers in under 200 ms with 5,000 doctors and 1,000
# medical practices, all within reach (the demo's practices have fewer, spread wide).
WHO_TO_VISIT_TARGET_MS = 200.0


def measure_who_to_visit(repeat: int) -> dict:
    """Who to visit next for a practice of its own with 1,000 medical practices of 5
    doctors each within 15 km, a third of them with a visit logged; built inside a
    transaction that is rolled back, so the bench database is left as it was."""
    import random
    from datetime import timedelta

    from django.db import transaction
    from django.test import Client
    from django.utils import timezone

    from careloop import testing
    from careloop.directory.models import Doctor, MedicalPractice
    from careloop.outreach.models import Activity, ActivityKind
    from careloop.practices.models import Role
    from careloop.practices.scoping import practice_scope

    rng = random.Random(10)
    today = timezone.localdate()
    result: dict = {}
    with transaction.atomic():
        practice = testing.make_practice(
            f"bench-visits-{secrets.token_hex(4)}", latitude=-33.8688, longitude=151.2093
        )
        owner = testing.make_user(practice, Role.OWNER)
        with practice_scope(practice):
            places = MedicalPractice.objects.bulk_create(
                MedicalPractice(
                    practice=practice,
                    name=f"Bench Medical Centre {i}",
                    suburb="Sydney",
                    state="NSW",
                    postcode="2000",
                    latitude=-33.8688 + rng.uniform(-0.12, 0.12),
                    longitude=151.2093 + rng.uniform(-0.12, 0.12),
                )
                for i in range(1000)
            )
            doctors = Doctor.objects.bulk_create(
                Doctor(practice=practice, given_name=f"Given{i}", family_name=f"Family{i}")
                for i in range(5000)
            )
            Through = Doctor.medical_practices.through
            Through.objects.bulk_create(
                Through(doctor_id=doctor.pk, medicalpractice_id=places[i // 5].pk)
                for i, doctor in enumerate(doctors)
            )
            Activity.objects.bulk_create(
                Activity(
                    practice=practice,
                    kind=ActivityKind.VISIT,
                    occurred_on=today - timedelta(days=rng.randint(10, 700)),
                    doctor=doctor,
                    medical_practice_id=places[i // 5].pk,
                    logged_by=owner,
                )
                for i, doctor in enumerate(doctors)
                if i % 3 == 0
            )
        browser = Client()
        browser.force_login(owner)
        url = "/outreach/visit-next/"
        timings, queries, response = _timed_requests(browser, url, repeat)
        assert b"Bench Medical Centre" in response.content
        result = {
            "page": "Who to visit, 6,000 contacts",
            "path": url,
            "kind": "who to visit",
            "target_ms": WHO_TO_VISIT_TARGET_MS,
            "median_ms": statistics.median(timings),
            "p95_ms": _p95(timings),
            "queries": queries,
        }
        transaction.set_rollback(True)
    return result


def _timed_requests(browser, url: str, repeat: int):
    """(milliseconds of each request, SQL queries of the last, the last response), after
    one request that warms caches and connections."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    browser.get(url)
    timings, queries, response = [], 0, None
    for _ in range(repeat):
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            response = browser.get(url)
            timings.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (url, response.status_code)
        queries = len(captured)
    return timings, queries, response


def _bench_letter(referral):
    """An end-of-course report for the measured client, drafted once per database."""
    from careloop.letters.actions import draft
    from careloop.letters.models import Letter

    existing = Letter.objects.filter(referral=referral).first()
    return existing or draft(
        "end_of_course", client=referral.client, doctor=referral.referring_doctor, referral=referral
    )


def _p95(timings: list[float]) -> float:
    """The 95th percentile (the slowest one in twenty requests)."""
    if len(timings) < 2:
        return timings[0]
    return statistics.quantiles(timings, n=20, method="inclusive")[-1]


def _median_ms(work, repeat: int) -> float:

    timings = []
    for _ in range(repeat):
        started = time.perf_counter()
        work()
        timings.append((time.perf_counter() - started) * 1000)
    return statistics.median(timings)


def measure_engine(repeat: int) -> dict:
    """The entitlement engine alone: three years of weekly sessions, 18 referrals."""
    from datetime import date, timedelta

    from careloop.entitlements import engine

    referrals = tuple(
        engine.Referral(id=f"r{i}", date=date(2024, 1, 1) + timedelta(days=60 * i), sessions=6)
        for i in range(18)
    )
    services = tuple(
        engine.Service(date=date(2024, 1, 8) + timedelta(days=7 * i), type="individual")
        for i in range(156)
    )
    scenario = engine.Scenario(
        as_of=date(2026, 11, 28), provider="psychologist", referrals=referrals, services=services
    )
    return {
        "page": "Engine, 156 sessions",
        "path": "",
        "queries": 0,
        "median_ms": _median_ms(lambda: engine.evaluate(scenario), repeat),
    }


def measure_hl7(repeat: int) -> dict:
    """Parsing one REF^I12 carrying a 40 KB PDF (no database work)."""
    import base64

    from careloop.interop.hl7v2.parser import parse_referral

    pdf = base64.b64encode(b"%PDF-1.4\n" + b"0" * 40_000).decode()
    message = (
        "\r".join(
            [
                "MSH|^~\\&|GP|BAY|CL|HARBOUR|20261120093000||REF^I12^REF_I12|M1|P|2.4|||AL|NE|AUS",
                "RF1|||||||20261120",
                "PRD|RP|Shah^Priya^^^Dr||||||2448301T^AUSHICPR^UPIN",
                "PID|1||3278851195^^^AUSHIC^MC||Nguyen^Mia||19900307|F",
                "OBR|1|||11488-4^Consult note^LN",
                f"OBX|1|ED|PDF^Display format in PDF^AUSPDI||^application^pdf^Base64^{pdf}",
            ]
        )
        + "\r"
    )
    parse_referral(message)  # fails loudly here if the message itself is wrong
    return {
        "page": "HL7 parse, 40 KB PDF",
        "path": "",
        "queries": 0,
        "median_ms": _median_ms(lambda: parse_referral(message), repeat),
    }


def database_env(scale: int, data_dir: Path) -> dict:
    env = dict(
        os.environ,
        CARELOOP_ENVIRONMENT="development",
        CARELOOP_LOGIN_LOCKOUT="0",
        DJANGO_SETTINGS_MODULE="careloop.settings",
    )
    url = os.environ.get("DATABASE_URL")
    if url:
        name = urllib.parse.urlsplit(url).path.strip("/") or "careloop"
        env["DATABASE_URL"] = _with_database(url, f"{name}_bench_{scale}")
    else:
        env["CARELOOP_DATA_DIR"] = str(data_dir)
        env["CARELOOP_SQLITE_NAME"] = f"bench-scale-{scale}.sqlite3"
    return env


def _with_database(url: str, name: str) -> str:
    """The URL with another database name, its options (`?options=...`) kept."""
    return urllib.parse.urlsplit(url)._replace(path=f"/{name}").geturl()


def build(scale: int, env: dict, rebuild: bool) -> None:
    run = [sys.executable, "-m", "careloop"]
    url = env.get("DATABASE_URL")
    if url:
        import psycopg

        name = urllib.parse.urlsplit(url).path.strip("/")
        admin = urllib.parse.urlsplit(_with_database(url, "postgres"))._replace(query="")
        with psycopg.connect(admin.geturl(), autocommit=True) as conn:
            exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
            if exists and rebuild:
                conn.execute(f'DROP DATABASE "{name}"')
                exists = None
            if not exists:
                conn.execute(f'CREATE DATABASE "{name}"')
    else:
        path = Path(env["CARELOOP_DATA_DIR"]) / env["CARELOOP_SQLITE_NAME"]
        if rebuild:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
    subprocess.run([*run, "migrate", "-v0", "--noinput"], env=env, check=True)
    subprocess.run([*run, "collectstatic", "-v0", "--noinput"], env=env, check=True)
    started = time.perf_counter()
    # A large build takes minutes: pass on its steps as they end, not its logins.
    with subprocess.Popen(
        [*run, "demo", "--scale", str(scale), "--if-empty"],
        env=env,
        stdout=subprocess.PIPE,
        text=True,
    ) as demo:
        assert demo.stdout is not None
        for line in demo.stdout:
            if line.startswith("Demo logins"):
                break
            if line.strip():
                print(f"  scale {scale}: {line.strip()}", flush=True)
        demo.stdout.read()
    if demo.returncode:
        raise subprocess.CalledProcessError(demo.returncode, demo.args)
    print(f"  scale {scale}: ready ({time.perf_counter() - started:.1f} s)")


# ---------------------------------------------------------------- memory


def staff_urls() -> list[str]:
    """Every staff page (not the pickers' fragments, nor the downloads), with the demo's
    record ids filled in: printed as JSON for the memory measure."""
    return [
        path.format(**page_ids())
        for label, path in PAGES
        if kind_of(label, path) in ("staff page", "insights page")
    ]


def _rss_mb(pid: int) -> tuple[float, float]:
    """Resident memory now and at its peak (VmRSS, VmHWM), from Linux's /proc."""
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, value = line.partition(":")
        if name in ("VmRSS", "VmHWM"):
            fields[name] = int(value.split()[0]) / 1024
    return fields.get("VmRSS", 0.0), fields.get("VmHWM", 0.0)


def _reset_peak(pid: int) -> bool:
    """Start a process's peak memory (VmHWM) again from now (Linux 4.0 and later);
    False when this system does not allow it."""
    try:
        Path(f"/proc/{pid}/clear_refs").write_text("5")
    except OSError:
        return False
    return True


def _workers_of(pid: int) -> list[int]:
    children = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(c) for c in children.read_text().split()] if children.exists() else []


def measure_memory(env: dict, rounds: int, workers: int = 2) -> dict:
    """gunicorn with production settings serves every staff page `rounds` times, signed
    in as the demo owner over HTTP; then each worker's resident memory is read."""
    from careloop.bench_public import free_port, wait_for

    gunicorn = shutil.which("gunicorn") or str(Path(sys.executable).parent / "gunicorn")
    if not Path(gunicorn).exists() or not Path("/proc/self/status").exists():
        return {"skipped": "needs gunicorn and Linux's /proc"}
    listed = subprocess.run(
        [sys.executable, "-m", "careloop.bench", "--list-staff-urls"],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    listing = json.loads(listed.stdout.splitlines()[-1])
    urls = listing["urls"]
    port = free_port()
    production = dict(
        env,
        CARELOOP_ENVIRONMENT="production",
        SECRET_KEY=f"bench-{secrets.token_hex(32)}",
        ALLOWED_HOSTS="127.0.0.1,localhost",
        SITE_URL=f"http://127.0.0.1:{port}",
        CARELOOP_HTTPS="0",  # production, minus TLS: the bench talks plain HTTP to it
        CARELOOP_LOGIN_LOCKOUT="0",
        LOG_LEVEL="WARNING",
    )
    server = subprocess.Popen(
        [gunicorn, "careloop.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", str(workers)],
        env=production,
        cwd=Path(__file__).resolve().parent.parent,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        wait_for(port, "/account/sign-in/")
        started = [_rss_mb(pid)[0] for pid in _workers_of(server.pid)]
        # One browser per worker's worth of connections: each request is a new
        # connection, so both workers take their share.
        opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
        )
        _sign_in(opener, base, listing["password"])
        # The peak is the pages', not the sign-in's: checking the password with Argon2
        # takes 100 MB for a moment, by design (Django's memory cost), in one worker.
        resets = [_reset_peak(pid) for pid in _workers_of(server.pid)]  # each one
        peak_reset = all(resets)
        failures = 0
        for _ in range(rounds):
            for url in urls:
                with opener.open(base + url, timeout=60) as response:
                    response.read()
                    failures += response.status != 200
        pids = _workers_of(server.pid)
        memory = [_rss_mb(pid) for pid in pids]
        return {
            "workers": len(pids),
            "rounds": rounds,
            "pages": len(urls),
            "failures": failures,
            "start_mb": [round(now, 1) for now in started],
            "rss_mb": [round(now, 1) for now, _ in memory],
            "peak_mb": [round(peak, 1) for _, peak in memory],
            "peak_reset": peak_reset,
        }
    finally:
        server.terminate()
        with suppress(subprocess.TimeoutExpired):
            server.wait(timeout=10)


def _sign_in(opener, base: str, password: str) -> None:
    with opener.open(f"{base}/account/sign-in/", timeout=30) as page:
        html = page.read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
    assert token, "no CSRF token on the sign-in page"
    form = urllib.parse.urlencode(
        {
            "csrfmiddlewaretoken": token.group(1),
            "username": "owner@harbour.demo",
            "password": password,
        }
    ).encode()
    request = urllib.request.Request(  # noqa: S310 - our own server, on http://127.0.0.1
        f"{base}/account/sign-in/", data=form, headers={"Referer": f"{base}/account/sign-in/"}
    )
    with opener.open(request, timeout=30) as response:
        response.read()
        assert "/account/sign-in/" not in response.url, "signing in to the bench server failed"


# ---------------------------------------------------------------- report


def report(all_results: dict[int, list[dict]], scales: list[int], backend: str, repeat: int):
    """The table, then the misses. Returns the number of figures that missed."""
    largest = scales[-1]
    print(
        f"\nServer time (p50 / p95, ms) and SQL queries per request, {backend}, "
        f"{repeat} requests per page. Targets are for the p95; ! marks a miss."
    )
    cell = 23
    header = f"{'page':<32}{'target':>7}" + "".join(f"{'scale ' + str(s):>{cell}}" for s in scales)
    header += f"{'vs target':>15}"
    print(header)
    print(f"{'':<39}" + "".join(f"{'p50':>9}{'p95':>9}{'q':>5}" for _ in scales))
    print("-" * len(header))
    misses: list[str] = []
    growing: list[str] = []
    fewer: list[str] = []
    for index, label in enumerate(row["page"] for row in all_results[scales[0]]):
        rows = [all_results[s][index] for s in scales]
        target = rows[0].get("target_ms")
        cells = ""
        for scale, row in zip(scales, rows, strict=True):
            p95 = row.get("p95_ms")
            missed = False
            if target is not None and p95 is not None and p95 > target:
                missed = True
                misses.append(
                    f"{label} at scale {scale}: p95 {p95:.0f} ms, target {target:.0f} ms "
                    f"(+{p95 - target:.0f} ms)"
                )
            cells += f"{row['median_ms']:>9.1f}" + (
                f"{p95:>8.1f}{'!' if missed else ' '}" if p95 is not None else f"{'':>9}"
            )
            cells += f"{row['queries']:>5}"
        counts = [row["queries"] for row in rows]
        listed = f"{label}: " + ", ".join(str(count) for count in counts)
        # Queries that grow with the data are a miss. A page with a part that has
        # nothing to show at some scale (no match, no doctor due a letter) runs fewer
        # there: said, not a miss.
        grew = len(counts) > 1 and counts[-1] > max(counts[:-1])
        if grew:
            growing.append(listed)
        elif len(set(counts)) > 1:
            fewer.append(listed)
        last = rows[-1].get("p95_ms")
        if target is None or last is None:
            margin = ""
        else:
            margin = f"{last - target:+.0f} ms" + (" MISS" if last > target else "     ")
        flag = "  q grows" if grew else ("  q fewer at a scale" if len(set(counts)) > 1 else "")
        target_text = f"{target:.0f} ms" if target is not None else "—"
        print(f"{label:<32}{target_text:>7}{cells}{margin:>15}{flag}")
    print(f"\n'vs target' is the p95 at scale {largest} less the target.")
    if misses:
        print(f"\nOver target ({len(misses)}):")
        for line in misses:
            print(f"  {line}")
    if growing:
        print(f"\nQuery count grows with the data (it should not), at scale {largest}:")
        for line in growing:
            print(f"  {line}")
    if fewer:
        print(
            "\nFewer queries at some scale, where a part of the page had nothing to show "
            "(an empty list runs no query for its rows' details):"
        )
        for line in fewer:
            print(f"  {line}")
    return len(misses) + len(growing)


def report_memory(memory: dict, scale: int) -> int:
    if "skipped" in memory:
        print(f"\nMemory: skipped ({memory['skipped']}).")
        return 0
    # The peak while serving the pages, not only what is left after: a worker must
    # stay under the target throughout. The sign-in's Argon2 hash is left out: it adds
    # about 100 MB for a moment to whichever worker checks a password.
    worst = max(memory["rss_mb"] + memory["peak_mb"], default=0.0)
    missed = worst >= MEMORY_TARGET_MB or memory["failures"] > 0
    print(
        f"\nMemory per gunicorn worker (production settings, {memory['workers']} workers) after "
        f"{memory['rounds']} rounds of the {memory['pages']} staff pages at scale {scale}: "
        + ", ".join(
            f"{now:.0f} MB (peak {peak:.0f} while serving them)"
            for now, peak in zip(memory["rss_mb"], memory["peak_mb"], strict=True)
        )
        + f"; {', '.join(f'{now:.0f}' for now in memory['start_mb'])} MB when started"
        + f"; target under {MEMORY_TARGET_MB:.0f} MB: "
        + ("MISS" if worst >= MEMORY_TARGET_MB else "ok")
        + (f"; {memory['failures']} requests failed" if memory["failures"] else "")
    )
    if not memory.get("peak_reset", True):
        print(
            "  (This system would not reset a worker's peak after signing in: one peak "
            "includes the sign-in's Argon2 hash, about 100 MB.)"
        )
    return int(missed)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--scales", default="1,10,170", help="Comma-separated demo scales (e.g. 1,10,170)."
    )
    parser.add_argument("--repeat", type=int, default=20, help="Timed requests per page.")
    parser.add_argument(
        "--memory-rounds",
        type=int,
        default=3,
        help="Times each staff page is served before reading the workers' memory (0: skip).",
    )
    parser.add_argument("--rebuild", action="store_true", help="Rebuild the bench databases.")
    parser.add_argument("--json", action="store_true", help="Print raw results as JSON.")
    parser.add_argument("--measure", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--list-staff-urls", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.measure:
        print(json.dumps(measure(args.repeat)))
        return
    if args.list_staff_urls:
        import django

        django.setup()
        from careloop.demo.build import DEMO_PASSWORD

        print(json.dumps({"urls": staff_urls(), "password": DEMO_PASSWORD}))
        return

    scales = sorted(int(s) for s in args.scales.split(","))
    data_dir = Path(__file__).resolve().parent.parent / "data" / "bench"
    print("Building bench databases (kept in data/bench/; --rebuild to start again)")
    all_results = {}
    for scale in scales:
        env = database_env(scale, data_dir)
        build(scale, env, args.rebuild)
        measured = subprocess.run(
            [sys.executable, "-m", "careloop.bench", "--measure", "--repeat", str(args.repeat)],
            env=env,
            check=False,
            capture_output=True,
            text=True,
        )
        if measured.returncode != 0:
            sys.exit(f"Measuring scale {scale} failed:\n{measured.stderr}")
        all_results[scale] = json.loads(measured.stdout.splitlines()[-1])
    memory = (
        measure_memory(database_env(scales[-1], data_dir), args.memory_rounds)
        if args.memory_rounds
        else {"skipped": "--memory-rounds 0"}
    )

    if args.json:
        print(json.dumps({"pages": all_results, "memory": memory}, indent=2))
        return
    backend = "PostgreSQL" if os.environ.get("DATABASE_URL") else "SQLite"
    missed = report(all_results, scales, backend, args.repeat)
    missed += report_memory(memory, scales[-1])
    if missed:
        print(f"\n{missed} figure(s) miss their targets.")
        sys.exit(1)
    print("\nEvery figure meets its target.")


if __name__ == "__main__":
    main()
