"""The URL conf of a practice's own domain (hosts.py) and of the staff preview: every
page of urls.py whose address starts with the practice's slug, at the root instead,
with the slug given as a fixed argument. Pages added to urls.py appear here by
themselves."""

import functools

from django.shortcuts import render
from django.urls import include, path

_PREFIX = "<slug:slug>/"


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
        self.urlpatterns = [path("", include((patterns, "publicsite")))]
        self.handler404 = not_found


@functools.cache
def for_practice(slug: str) -> _PracticeURLConf:
    """One URL conf object per practice, made once: Django caches resolvers by it."""
    return _PracticeURLConf(slug)
