"""A practice's own domain serves its site at the root.

The middleware looks the request's host up among the practices' domains; a match
runs the request through domain_urls (the site's pages without the /p/<slug>/
prefix) instead of the Careloop URL conf, so nothing else of Careloop answers there.
Django refuses hosts not in ALLOWED_HOSTS before this runs: add each practice's
domain to ALLOWED_HOSTS when you set it (docs/public-website.md).
"""

from django.core.cache import cache

from careloop.practices.scoping import scopes_disabled

_CACHE_KEY = "publicsite:domains:v1"
_CACHE_SECONDS = 300


def normalise_domain(value: str) -> str:
    value = value.strip().lower()
    for prefix in ("https://", "http://"):
        value = value.removeprefix(prefix)
    return value.split("/")[0].split(":")[0].rstrip(".")


def domains() -> dict[str, str]:
    """{domain: practice slug} for every practice with a domain, cached briefly."""
    found = cache.get(_CACHE_KEY)
    if found is None:
        from .models import PublicSite

        with scopes_disabled():
            found = dict(
                PublicSite.objects.exclude(domain=None).values_list("domain", "practice__slug")
            )
        cache.set(_CACHE_KEY, found, _CACHE_SECONDS)
    return found


def forget_domains() -> None:
    cache.delete(_CACHE_KEY)


class PracticeDomainMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        known = domains()
        if known:
            slug = known.get(normalise_domain(request.get_host()))
            if slug is not None:
                from .domain_urls import for_practice

                request.urlconf = for_practice(slug)
                request.public_site_slug = slug
        return self.get_response(request)
