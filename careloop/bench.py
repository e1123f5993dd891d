"""`make bench`: server time and SQL queries of the staff pages at two data scales.

Each scale gets its own database (SQLite files under data/bench/, or a
`<name>_bench_<scale>` PostgreSQL database when DATABASE_URL is set), built once
with `careloop demo --scale N` and reused until --rebuild. Each page is requested
through Django's full middleware stack, signed in as the demo owner; the median
of the timed requests is reported.

Later features add their pages to PAGES (or their own measures to MEASURES).
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
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
    ("Calendar feed", "/outreach/calendar/{feed_token}/outreach.ics"),
]


def measure(repeat: int) -> list[dict]:
    import django

    django.setup()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

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
        ids = {
            "client": referral.client.uuid,
            "referral": referral.uuid,
            "doctor": doctor.uuid,
            "session": session.uuid,
            "letter": _bench_letter(referral).uuid,
            "clinician": session.clinician.uuid,
            "referrer": referrer.uuid,
            "medical_practice": medical_practice.uuid,
            "feed_token": (
                outreach_actions.active_feed(owner)
                or outreach_actions.new_feed(owner, by=owner, via=COMMAND)
            ).token,
        }
    browser = Client()
    browser.force_login(owner)
    results = []
    for label, path in PAGES:
        url = path.format(**ids)
        browser.get(url)  # warm caches and connections
        timings, queries = [], 0
        for _ in range(repeat):
            with CaptureQueriesContext(connection) as captured:
                started = time.perf_counter()
                response = browser.get(url)
                timings.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, (url, response.status_code)
            queries = len(captured)
        results.append(
            {
                "page": label,
                "path": path,
                "median_ms": statistics.median(timings),
                "p95_ms": _p95(timings),
                "queries": queries,
            }
        )
    return [*results, measure_engine(repeat), measure_hl7(repeat)]


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
        base, _, name = url.rpartition("/")
        env["DATABASE_URL"] = f"{base}/{name or 'careloop'}_bench_{scale}"
    else:
        env["CARELOOP_DATA_DIR"] = str(data_dir)
        env["CARELOOP_SQLITE_NAME"] = f"bench-scale-{scale}.sqlite3"
    return env


def build(scale: int, env: dict, rebuild: bool) -> None:
    run = [sys.executable, "-m", "careloop"]
    url = env.get("DATABASE_URL")
    if url:
        import psycopg

        admin_url, _, name = url.rpartition("/")
        with psycopg.connect(f"{admin_url}/postgres", autocommit=True) as conn:
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
    result = subprocess.run(
        [*run, "demo", "--scale", str(scale), "--if-empty"],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    first_line = result.stdout.splitlines()[0] if result.stdout else ""
    print(f"  scale {scale}: {first_line} ({time.perf_counter() - started:.1f} s)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scales", default="1,10", help="Comma-separated demo scales.")
    parser.add_argument("--repeat", type=int, default=15, help="Timed requests per page.")
    parser.add_argument("--rebuild", action="store_true", help="Rebuild the bench databases.")
    parser.add_argument("--json", action="store_true", help="Print raw results as JSON.")
    parser.add_argument("--measure", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.measure:
        print(json.dumps(measure(args.repeat)))
        return

    scales = [int(s) for s in args.scales.split(",")]
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

    if args.json:
        print(json.dumps(all_results, indent=2))
        return
    backend = "PostgreSQL" if os.environ.get("DATABASE_URL") else "SQLite"
    print(
        f"\nMedian (and 95th percentile) server time (ms) and SQL queries per page, {backend}, "
        f"{args.repeat} requests each"
    )
    header = f"{'page':<32}" + "".join(f"{'scale ' + str(s):>32}" for s in scales)
    print(header)
    print("-" * len(header))
    for index, label in enumerate(row["page"] for row in all_results[scales[0]]):
        rows = [all_results[s][index] for s in scales]
        cells = "".join(
            f"{r['median_ms']:>10.1f} ms"
            + (f" (p95 {r['p95_ms']:>6.1f})" if "p95_ms" in r else " " * 12)
            + f" {r['queries']:>4} q"
            for r in rows
        )
        print(f"{label:<32}{cells}")


if __name__ == "__main__":
    main()
