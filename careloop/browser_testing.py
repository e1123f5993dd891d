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


# Measured against the document's client width, which leaves out a classic scrollbar:
# nothing may make the page scroll sideways. An element inside a box that scrolls or
# clips on its own (a wide letter preview, say) does not widen the page, so it is skipped.
_WIDEST_ELEMENT = """() => {
  const limit = document.documentElement.clientWidth;
  const width = document.documentElement.scrollWidth;
  if (width <= limit) return null;
  const inOwnBox = (el) => {
    for (let a = el.parentElement; a && a !== document.body; a = a.parentElement) {
      if (getComputedStyle(a).overflowX !== "visible") return true;
    }
    return false;
  };
  let widest = null, right = limit;
  for (const el of document.body.querySelectorAll("*")) {
    const box = el.getBoundingClientRect();
    if (box.width && box.right > right && !inOwnBox(el)) { right = box.right; widest = el; }
  }
  let name = "an element";
  if (widest) {
    const classes = typeof widest.className === "string" ? widest.className.trim() : "";
    name = widest.tagName.toLowerCase() + (widest.id ? "#" + widest.id : "") +
      (classes ? "." + classes.split(/\\s+/).join(".") : "") +
      ' "' + (widest.textContent || "").trim().replace(/\\s+/g, " ").slice(0, 50) + '"';
  }
  const edge = Math.round(right);
  return `${width} px wide on a ${limit} px screen; widest: ${name} (right edge ${edge} px)`;
}"""


def horizontal_overflow(page) -> str | None:
    """None when the page fits its viewport's width; otherwise how wide it is and the
    element that reaches furthest right, to say what to fix."""
    return page.evaluate(_WIDEST_ELEMENT)
