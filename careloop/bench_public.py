"""`make bench-public`: requests per second of the public website against a bare Django
view, from the same gunicorn, measured in one run that alternates the two.

It builds the demo (Harbour Psychology) in its own SQLite file under data/bench-public/
(reused until --rebuild), starts a Redis of its own when `redis-server` is installed (the
production cache; without it each worker keeps its own cache), and serves the app with
gunicorn and production settings on a free port, with the bare view switched on at
/bench/bare. Then, round after round, it loads the bare view and each public page in turn
for a few seconds with concurrent keep-alive-less HTTP clients (processes, so the load
generator is not held back by one interpreter's lock), and prints each page's median
requests per second and its share of the bare view's, measured in the same rounds.

Targets (issue 11): public pages at least 80 % of the bare view; pages carrying a fresh
form token at least 50 %. The run fails when a page misses its target or answers
anything but 200.
"""

from __future__ import annotations

import argparse
import http.client
import multiprocessing
import os
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import time
from contextlib import closing, suppress
from pathlib import Path

SLUG = "harbour"
# (label, path, target % of the bare view). Add the website's other pages here as they
# come (services, clinicians, articles): any page of the public site must reach 80 %.
PAGES = [
    ("Home", f"/p/{SLUG}/", 80),
    ("Contact form (fresh token)", f"/p/{SLUG}/contact/", 50),
    ("Contact: thanks", f"/p/{SLUG}/contact/thanks/", 80),
    ("Referral form (fresh token)", f"/p/{SLUG}/refer/", 50),
]
BARE = "/bench/bare"
ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with closing(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for(port: int, path: str, seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with suppress(OSError, http.client.HTTPException):
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", path)
            if conn.getresponse().status < 500:
                return
        time.sleep(0.2)
    sys.exit(f"The server on port {port} did not answer {path} within {seconds:.0f} s.")


def _client(port: int, orders, counts) -> None:
    """One client process: for each order (path, deadline), request after request until
    the deadline, a new connection each time (gunicorn's sync workers close it after
    every answer), then report how many were answered 200 without a cookie."""
    for path, until in iter(orders.get, None):
        ok = bad = 0
        while time.monotonic() < until:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            try:
                conn.request("GET", path)
                response = conn.getresponse()
                response.read()
                if response.status == 200 and not response.getheader("Set-Cookie"):
                    ok += 1
                else:
                    bad += 1
            except (OSError, http.client.HTTPException):
                bad += 1
            finally:
                conn.close()
        counts.put((ok, bad))


class Load:
    """Concurrent clients, started once and reused for every measurement."""

    def __init__(self, port: int, clients: int) -> None:
        self.orders: multiprocessing.Queue = multiprocessing.Queue()
        self.counts: multiprocessing.Queue = multiprocessing.Queue()
        self.processes = [
            multiprocessing.Process(target=_client, args=(port, self.orders, self.counts))
            for _ in range(clients)
        ]
        for process in self.processes:
            process.start()

    def run(self, path: str, seconds: float) -> tuple[float, int]:
        """Requests per second answered 200 without a cookie, and how many were not."""
        started = time.monotonic()
        for _ in self.processes:
            self.orders.put((path, started + seconds))
        results = [self.counts.get() for _ in self.processes]
        elapsed = time.monotonic() - started
        return sum(r[0] for r in results) / elapsed, sum(r[1] for r in results)

    def stop(self) -> None:
        for _ in self.processes:
            self.orders.put(None)
        for process in self.processes:
            process.join(timeout=10)


def build(env: dict, rebuild: bool) -> None:
    data = Path(env["CARELOOP_DATA_DIR"])
    if rebuild and data.exists():
        shutil.rmtree(data)
    run = [sys.executable, "-m", "careloop"]
    dev = dict(env, CARELOOP_ENVIRONMENT="development")
    dev.pop("SECRET_KEY", None)
    subprocess.run([*run, "migrate", "-v0", "--noinput"], env=dev, check=True)
    subprocess.run([*run, "collectstatic", "-v0", "--noinput"], env=dev, check=True)
    # The demo exists only outside production; the server below then runs as production.
    subprocess.run(
        [*run, "demo", "--if-empty"], env=dev, check=True, capture_output=True, text=True
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3, help="Rounds of the alternation.")
    parser.add_argument("--seconds", type=float, default=3.0, help="Load per page per round.")
    parser.add_argument("--clients", type=int, default=4, help="Concurrent HTTP clients.")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes.")
    parser.add_argument("--rebuild", action="store_true", help="Rebuild the bench database.")
    parser.add_argument(
        "--no-redis",
        action="store_true",
        help="Each worker caches in its own memory (not what production does).",
    )
    args = parser.parse_args()

    gunicorn = shutil.which("gunicorn") or str(Path(sys.executable).parent / "gunicorn")
    if not Path(gunicorn).exists():
        sys.exit("gunicorn is not installed: run 'make install'.")
    port = free_port()
    env = dict(
        os.environ,
        DJANGO_SETTINGS_MODULE="careloop.settings",
        CARELOOP_DATA_DIR=str(ROOT / "data" / "bench-public"),
        CARELOOP_ENVIRONMENT="production",
        SECRET_KEY=f"bench-public-{secrets.token_hex(32)}",
        ALLOWED_HOSTS="127.0.0.1,localhost",
        SITE_URL=f"http://127.0.0.1:{port}",
        # Production, minus TLS: the bench talks plain HTTP to its own server.
        CARELOOP_HTTPS="0",
        CARELOOP_BENCH_BARE_VIEW="1",
        LOG_LEVEL="WARNING",
    )
    env.pop("DATABASE_URL", None)
    print("Building the demo (kept in data/bench-public/; --rebuild to start again)")
    build(env, args.rebuild)

    processes = []
    redis = None if args.no_redis else shutil.which("redis-server")
    if redis:
        redis_port = free_port()
        processes.append(
            subprocess.Popen(
                [redis, "--port", str(redis_port), "--save", "", "--appendonly", "no"],
                stdout=subprocess.DEVNULL,
            )
        )
        env["REDIS_URL"] = f"redis://127.0.0.1:{redis_port}/0"
        cache_words = "Redis"
    else:
        cache_words = "each worker's own memory" + ("" if args.no_redis else " (no Redis)")
    server = subprocess.Popen(
        [
            gunicorn,
            "careloop.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(args.workers),
            "--log-level",
            "warning",
        ],
        env=env,
        cwd=ROOT,
    )
    processes.append(server)
    failed = False
    clients = None
    try:
        wait_for(port, BARE)
        clients = Load(port, args.clients)
        for _, path, _ in PAGES:  # warm each page into the cache
            clients.run(path, 0.5)
        bare_runs: list[float] = []
        runs: dict[str, list[float]] = {path: [] for _, path, _ in PAGES}
        shares: dict[str, list[float]] = {path: [] for _, path, _ in PAGES}
        errors: dict[str, int] = {BARE: 0, **{path: 0 for _, path, _ in PAGES}}
        print(
            f"gunicorn, {args.workers} workers, production settings, cache in {cache_words}; "
            f"{args.clients} clients, {args.rounds} rounds of {args.seconds:g} s per page, "
            "each page paired with a run of the bare view just before it"
        )
        for _ in range(args.rounds):
            for _, path, _ in PAGES:
                bare_rate, bad = clients.run(BARE, args.seconds)
                bare_runs.append(bare_rate)
                errors[BARE] += bad
                rate, bad = clients.run(path, args.seconds)
                runs[path].append(rate)
                shares[path].append(100 * rate / bare_rate if bare_rate else 0)
                errors[path] += bad
        bare = statistics.median(bare_runs)
        print(f"\n{'page':<30}{'req/s':>9}{'% of bare':>11}{'target':>8}{'errors':>8}")
        print("-" * 66)
        print(f"{'Bare Django view':<30}{bare:>9.0f}{100:>10.0f}%{'':>8}{errors[BARE]:>8}")
        for label, path, target in PAGES:
            rate = statistics.median(runs[path])
            # The median of each run's share of the bare run beside it: the machine's
            # load drifts during a run, and a pair sees the same load.
            share = statistics.median(shares[path])
            verdict = "" if share >= target and not errors[path] else "  MISSED"
            failed = failed or bool(verdict)
            print(f"{label:<30}{rate:>9.0f}{share:>10.0f}%{target:>7}%{errors[path]:>8}{verdict}")
    finally:
        if clients is not None:
            clients.stop()
        for process in reversed(processes):
            process.terminate()
        for process in processes:
            with suppress(subprocess.TimeoutExpired):
                process.wait(timeout=10)
    if failed:
        sys.exit(1)


if __name__ == "__main__":
    main()
