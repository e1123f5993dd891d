"""`make lighthouse`: Lighthouse 12.2.3 (mobile profile) against Debian's Chromium, on the
demo practice's public pages, served by gunicorn from a throwaway data folder. Prints
each page's four scores and its transfer size, and fails when a score is under 100 or a
page weighs 60 KB or more. Nothing leaves this machine."""

import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LIGHTHOUSE = ROOT / "tools" / "lighthouse" / "node_modules" / ".bin" / "lighthouse"
CHROMIUM = "/usr/bin/chromium"
CATEGORIES = ["performance", "accessibility", "best-practices", "seo"]
PAGES = [
    "/p/harbour/",
    "/p/harbour/services/anxiety/",
    "/p/harbour/clinicians/",
    "/p/harbour/for-doctors/",
    "/p/harbour/contact/",
    "/p/harbour/articles/why-we-like-to-work-with-your-gp/",
]
MAX_BYTES = 60 * 1024


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main() -> int:
    careloop = [sys.executable, "-m", "careloop"]
    data = tempfile.mkdtemp(prefix="careloop-lighthouse-")
    env = {**os.environ, "CARELOOP_DATA_DIR": data, "DEBUG": "0", "CARELOOP_JOBS_IMMEDIATE": "1"}
    for command in (["migrate", "-v0"], ["collectstatic", "--noinput", "-v0"], ["demo"]):
        subprocess.run(careloop + command, env=env, check=True, stdout=subprocess.DEVNULL)
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "careloop.wsgi", "-b", f"127.0.0.1:{port}", "-w", "2"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    failures = []
    try:
        for _ in range(60):
            try:
                urllib.request.urlopen(base + "/healthz", timeout=2)
                break
            except OSError:
                time.sleep(1)
        # And the first clinician listed on the site (demo names come from Faker).
        pages = PAGES + [first_clinician(base)]
        print(f"{'page':55} {'perf':>5} {'a11y':>5} {'best':>5} {'seo':>5} {'bytes':>7}")
        for path in pages:
            report = run_lighthouse(base + path, data)
            scores = [round(report["categories"][c]["score"] * 100) for c in CATEGORIES]
            weight = report["audits"]["total-byte-weight"]["numericValue"]
            print(f"{path:55} " + " ".join(f"{s:>5}" for s in scores) + f" {weight:>7.0f}")
            for category, score in zip(CATEGORIES, scores, strict=True):
                if score < 100:
                    failures.append(f"{path}: {category} {score}")
            if weight >= MAX_BYTES:
                failures.append(f"{path}: {weight:.0f} bytes")
    finally:
        server.terminate()
        server.wait()
    for failure in failures:
        print("FAIL", failure)
    return 1 if failures else 0


def first_clinician(base: str) -> str:
    html = urllib.request.urlopen(base + "/p/harbour/clinicians/").read().decode()
    start = html.index('href="/p/harbour/clinicians/', html.index("<main")) + len('href="')
    return html[start : html.index('"', start)]


def run_lighthouse(url: str, data: str) -> dict:
    out = Path(data) / "report.json"
    subprocess.run(
        [
            str(LIGHTHOUSE),
            url,
            f"--chrome-path={CHROMIUM}",
            "--chrome-flags=--headless=new --no-sandbox --disable-gpu "
            "--disable-background-networking",
            "--only-categories=" + ",".join(CATEGORIES),
            "--output=json",
            f"--output-path={out}",
            "--quiet",
        ],
        check=True,
        env={**os.environ, "CHROME_PATH": CHROMIUM},
    )
    return json.loads(out.read_text())


if __name__ == "__main__":
    sys.exit(main())
