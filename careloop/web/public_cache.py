"""Public pages served from the cache, so a practice's website is nearly as fast as a
bare Django view.

A page is kept per site (the practice's slug) and path, on the shared cache (Redis in
production, so every app server sees one copy and one invalidation). On a hit nothing
runs but the middleware and one cache read: no query, no template.

Publishing changes the site's *generation*, a random value kept beside its pages; a
page stored under an older generation is never served again, so a published change
shows at once (`invalidate_public_site`). Pages also expire after PAGE_SECONDS, which
bounds how long a change made elsewhere (a clinician no longer taking new clients) can
take to show.

A form page carries a fresh token each time it is shown (lib/formguard.py: when it was
shown, good for one submission). Its page is cached with a placeholder where the token
goes, and each request gets a new token spliced in: the cost of one signature.

Each worker also keeps the pages it served in its own memory, and asks the shared cache
for the site's generation at most every `PUBLIC_CACHE_RECHECK_SECONDS` (settings: one
second; none in tests): a hit then needs no round trip to Redis at all, which is what
lets a page keep up with a bare view when the machine is busy. So a change published
through one worker shows at once there (`invalidate_public_site` updates that worker's
memory too), and on every other worker and server within that second. The person who
published is signed in, and signed-in requests always go to the view.

Only anonymous GETs without a query string are served from or stored in the cache,
and only a 200 answer that sets no cookie is stored. A request carrying the session
cookie (staff signed in) always goes to the view.
"""

from __future__ import annotations

import functools
import hashlib
import secrets
import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse

PAGE_SECONDS = 5 * 60
# Where a form's token goes in a cached page. Never a valid token, so a page that somehow
# escaped with it shows a form that is refused with a clear message, not accepted.
TOKEN_MARK = "careloop-public-form-token-placeholder"  # noqa: S105 - a marker, no secret
_FORM_TOKEN_ATTR = "_careloop_public_form_token"  # noqa: S105 - an attribute name
# Headers the view set that belong to the page itself; middleware adds the rest per
# request (security headers, CSP), on hits as on misses.
_KEPT_HEADERS = ("Content-Type", "Content-Language", "Link", "X-Robots-Tag")
# This worker's memory: each site's generation and when it was last read from the shared
# cache, and the pages it served. Bounded: past the limit it starts again empty.
_LOCAL_PAGES_LIMIT = 256
_local_generations: dict[str, tuple[str, float]] = {}
_local_pages: dict[str, dict] = {}


def _generation_key(site: str) -> str:
    return f"public-site:{site}:generation"


def _page_key(site: str, request: HttpRequest) -> str:
    # Hashed: a host and path chosen by the visitor must not make an over-long key.
    where = hashlib.sha256(f"{request.get_host()}{request.path}".encode()).hexdigest()[:32]
    return f"public-site:{site}:page:{where}"


def invalidate_public_site(practice_or_slug: Any) -> None:
    """Every cached page of this practice's public site is stale from now: call it when
    something published changes (pages, profiles, articles, practice details)."""
    site = str(getattr(practice_or_slug, "slug", practice_or_slug))
    generation = secrets.token_hex(8)
    cache.set(_generation_key(site), generation, timeout=None)
    _local_generations[site] = (generation, time.time())


def use_form_token(request: HttpRequest, token: str) -> None:
    """A form page's view names the token it showed, so the cached copy can swap it."""
    setattr(request, _FORM_TOKEN_ATTR, token)


def _remember(page_key: str, entry: dict) -> None:
    if len(_local_pages) >= _LOCAL_PAGES_LIMIT:
        _local_pages.clear()
    _local_pages[page_key] = entry


def _cacheable(request: HttpRequest) -> bool:
    return (
        request.method in ("GET", "HEAD")
        and not request.META.get("QUERY_STRING")
        and settings.SESSION_COOKIE_NAME not in request.COOKIES
    )


def _current_generation(site: str, found: dict) -> str:
    generation = found.get(_generation_key(site))
    if generation is None:
        # First visit, or the cache lost it: start a new generation rather than trust
        # pages stored under one we can no longer compare with.
        generation = secrets.token_hex(8)
        if not cache.add(_generation_key(site), generation, timeout=None):
            generation = cache.get(_generation_key(site)) or generation
    return str(generation)


def _from_entry(entry: dict, fresh_token: Callable[[], str] | None) -> HttpResponse:
    body: bytes = entry["body"]
    if fresh_token is not None:
        body = body.replace(TOKEN_MARK.encode(), fresh_token().encode())
    response = HttpResponse(body, status=entry["status"])
    for name, value in entry["headers"]:
        response[name] = value
    return response


def _entry_of(request: HttpRequest, response: HttpResponse, generation: str, form: bool):
    if (
        response.status_code != 200
        or response.streaming
        or response.cookies
        or "no-store" in response.get("Cache-Control", "")
    ):
        return None
    body = response.content
    if form:
        token = getattr(request, _FORM_TOKEN_ATTR, "")
        if not token or token.encode() not in body:
            return None
        body = body.replace(token.encode(), TOKEN_MARK.encode())
    headers = [(name, response[name]) for name in _KEPT_HEADERS if response.has_header(name)]
    return {"generation": generation, "status": 200, "headers": headers, "body": body}


def public_page(
    *,
    site: Callable[..., str | None] | None = None,
    form_token: Callable[[], str] | None = None,
) -> Callable:
    """Serve a public view from the cache.

    `site(request, *args, **kwargs)` names the practice's site without a query (by
    default the URL's `slug`); None serves this request uncached. A form page passes
    `form_token`, which makes a fresh token, and its view calls `use_form_token`.
    """

    def site_of(request, *args, **kwargs) -> str | None:
        if site is not None:
            return site(request, *args, **kwargs)
        return kwargs.get("slug")

    def decorator(view):
        @functools.wraps(view)
        def wrapper(request, *args, **kwargs):
            name = site_of(request, *args, **kwargs) if _cacheable(request) else None
            if name is None:
                return view(request, *args, **kwargs)
            page_key = _page_key(name, request)
            now = time.time()
            known = _local_generations.get(name)
            local = _local_pages.get(page_key)
            if (
                known is not None
                and now - known[1] < settings.PUBLIC_CACHE_RECHECK_SECONDS
                and local is not None
                and local["generation"] == known[0]
                and now < local["expires"]
            ):
                return _from_entry(local, form_token)
            found = cache.get_many([page_key, _generation_key(name)])
            generation = _current_generation(name, found)
            _local_generations[name] = (generation, now)
            entry = found.get(page_key)
            if entry is None or entry.get("generation") != generation:
                response = view(request, *args, **kwargs)
                entry = _entry_of(request, response, generation, form=form_token is not None)
                if entry is None:
                    return response
                cache.set(page_key, entry, timeout=PAGE_SECONDS)
                entry = dict(entry, expires=now + PAGE_SECONDS)
                _remember(page_key, entry)
                return response
            if "expires" not in entry:
                # Stored by another worker: this one keeps it for a shorter while, as
                # the shared copy may be near its end.
                _remember(page_key, dict(entry, expires=now + PAGE_SECONDS / 5))
            return _from_entry(entry, form_token)

        return wrapper

    return decorator
