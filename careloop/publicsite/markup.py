"""Markdown written by staff, turned into HTML that is safe to publish.

markdown-it-py renders it (raw HTML allowed, so staff can paste a little); nh3 (the
Ammonia sanitiser) then keeps only harmless tags and attributes and only http, https,
mailto and tel links. Done on save, so the published HTML is already clean.
"""

import html

import nh3
from markdown_it import MarkdownIt

ALLOWED_TAGS = {
    "p",
    "br",
    "hr",
    "h2",
    "h3",
    "h4",
    "strong",
    "em",
    "b",
    "i",
    "blockquote",
    "ul",
    "ol",
    "li",
    "a",
    "code",
    "pre",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "th": {"scope"}, "td": set()}
URL_SCHEMES = {"http", "https", "mailto", "tel"}

_markdown = MarkdownIt("commonmark", {"html": True, "linkify": False}).enable("table")


def sanitise_html(html: str) -> str:
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener",
        strip_comments=True,
    )


def markdown_to_html(text: str) -> str:
    """Staff Markdown → sanitised HTML. A first-level heading becomes a second-level
    one: each page has its own h1 already."""
    html = _markdown.render(text or "")
    html = html.replace("<h1>", "<h2>").replace("</h1>", "</h2>")
    return sanitise_html(html)


def plain_summary(text: str, limit: int = 160) -> str:
    """A one-line plain-text summary (for a meta description) of Markdown."""
    plain = nh3.clean(_markdown.render(text or ""), tags=set())
    plain = " ".join(html.unescape(plain).split())
    if len(plain) <= limit:
        return plain
    return plain[: limit - 1].rsplit(" ", 1)[0] + "…"
