"""Addresses within a practice's site, wherever it is being served: under
/p/<slug>/ on the Careloop server, at the root of the practice's own domain
(hosts.py), or inside the staff preview."""

from typing import Any

from django.urls import reverse


def site_reverse(request, slug: str, name: str, *args) -> str:
    if getattr(request, "site_preview", False) or getattr(request, "public_site_slug", None):
        from .domain_urls import for_practice

        # A URL conf object, not a dotted name: Django accepts either.
        conf: Any = for_practice(slug)
        path = reverse(f"publicsite:{name}", args=args, urlconf=conf)
        if getattr(request, "site_preview", False):
            return reverse("website:preview") + path.lstrip("/")
        return path
    return reverse(f"publicsite:{name}", args=[slug, *args])
