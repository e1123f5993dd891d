"""Helpers for browser tests: Debian's Chromium driven by Playwright."""

import json
import os
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
AXE = Path(__file__).resolve().parent.parent / "node_modules" / "axe-core" / "axe.min.js"
# Without these Chromium tries to reach Google's services, which this network refuses.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def require_chromium() -> None:
    if not os.path.exists(CHROMIUM):
        message = "Browser tests need Chromium: run 'sudo apt-get install chromium'."
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)


class PageProblems:
    """Console errors (CSP violations show up here) and failed requests of a page."""

    def __init__(self, page) -> None:
        self.messages: list[str] = []
        page.on("console", lambda m: self.messages.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: self.messages.append(str(e)))
        page.on("requestfailed", self._request_failed)

    def _request_failed(self, request) -> None:
        # A navigation cancels what the previous page was still loading (its favicon,
        # say); that is the browser's doing, not a broken page.
        if "ERR_ABORTED" not in (request.failure or ""):
            self.messages.append(f"failed: {request.url} ({request.failure})")

    def assert_none(self, *, expected_statuses=()):
        """`expected_statuses`: HTTP statuses the test caused on purpose (a form sent
        back with its errors answers 400, which Chromium reports on the console)."""
        unexpected = [
            m
            for m in self.messages
            if not any(f"status of {status} " in m for status in expected_statuses)
        ]
        assert unexpected == [], unexpected


def axe_violations(page, *, exclude_rules=()) -> list[dict]:
    """Run axe-core (WCAG 2.1 A and AA rules) in the page; return the violations."""
    page.evaluate(AXE.read_text())
    options = {
        "runOnly": {
            "type": "tag",
            "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"],
        },
        "rules": {rule: {"enabled": False} for rule in exclude_rules},
    }
    result = page.evaluate(f"axe.run(document, {json.dumps(options)})")
    return [
        {"id": v["id"], "help": v["help"], "targets": [n["target"] for n in v["nodes"]][:3]}
        for v in result["violations"]
    ]
