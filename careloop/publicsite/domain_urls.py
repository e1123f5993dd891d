"""The URL conf of a practice's own domain (hosts.py) and of the staff preview: every
page of urls.py whose address starts with the practice's slug, and every page the main
URL conf mounts under /p/<slug>/ (the contact form), at the root instead, with the slug
given as a fixed argument. Pages added to either appear here by themselves."""

import functools
from typing import Any

from django.shortcuts import render
from django.urls import URLPattern, URLResolver, get_resolver, include, path

_PREFIX = "<slug:slug>/"
_ROOT_PREFIX = "p/" + _PREFIX


def not_found(request, exception=None):
    return render(request, "publicsite/not_found.html", status=404)


class _PracticeURLConf:
    def __init__(self, slug: str):
        from . import urls as slug_urls

        patterns = [
            path(str(p.pattern).removeprefix(_PREFIX), p.callback, {"slug": slug}, name=p.name)
            for p in slug_urls.urlpatterns
            if str(p.pattern).startswith(_PREFIX)
        ]
        self.urlpatterns = [
            *_mounted_beside_the_site(slug),
            path("", include((patterns, "publicsite"))),
        ]
        self.handler404 = not_found


def _mounted_beside_the_site(slug: str) -> list:
    """What the main URL conf serves under /p/<slug>/ from other apps (the contact
    form of careloop.enquiries sits above this app), read from it at run time so that
    this app imports nothing above it. They come first, as they do there."""
    mounted: list[Any] = []
    for entry in get_resolver().url_patterns:
        route = str(entry.pattern)
        if not route.startswith(_ROOT_PREFIX):
            continue
        rest = route.removeprefix(_ROOT_PREFIX)
        if isinstance(entry, URLResolver):
            # The slug goes on each page, not on the include: reversing a namespaced
            # include would not see it.
            pages: list[Any] = [
                path(rest + str(page.pattern), page.callback, {"slug": slug}, name=page.name)
                for page in entry.url_patterns
                if isinstance(page, URLPattern) and page.callback is not None
            ]
            included: Any = (pages, entry.app_name)
            mounted.append(path("", include(included, namespace=entry.namespace)))
        elif isinstance(entry, URLPattern) and entry.callback is not None:
            mounted.append(path(rest, entry.callback, {"slug": slug}, name=entry.name))
    return mounted


@functools.cache
def for_practice(slug: str) -> _PracticeURLConf:
    """One URL conf object per practice, made once: Django caches resolvers by it."""
    return _PracticeURLConf(slug)
