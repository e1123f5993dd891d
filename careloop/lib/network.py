"""Who is on the other end of a request, and under which name they sign in.

The sign-in lockout, the public forms' rate limits and the audit log must agree on
both, or one of them can be walked around: a lockout that counts the proxy's address
locks everyone out at once, and one that counts "Alice@" apart from "alice@" can be
guessed against six times over.
"""

import ipaddress
import unicodedata
from typing import Any

from django.conf import settings
from django.http import HttpRequest


def _valid_address(value: str) -> str | None:
    try:
        return str(ipaddress.ip_address(value.strip()))
    except ValueError:
        return None


def client_address(request: HttpRequest) -> str | None:
    """The caller's address, honouring CARELOOP_PROXY_COUNT trusted reverse proxies.

    Each trusted proxy appends the address it received the request from to
    X-Forwarded-For, so with N proxies the client is the N-th entry from the right;
    anything further left was written by the client and is not believed.
    """
    proxies = settings.TRUSTED_PROXY_COUNT
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if proxies > 0 and forwarded:
        hops = [hop for hop in (h.strip() for h in forwarded.split(",")) if hop]
        if len(hops) >= proxies:
            address = _valid_address(hops[-proxies])
            if address is not None:
                return address
    return _valid_address(request.META.get("REMOTE_ADDR", ""))


def normalise_username(value: str | None) -> str:
    """The form of a typed e-mail that sign-in matches: accounts are found without
    regard to case or surrounding spaces, so failures must be counted the same way."""
    return unicodedata.normalize("NFKC", value or "").strip().lower()


def lockout_username(request: HttpRequest, credentials: dict[str, Any] | None) -> str:
    """django-axes' AXES_USERNAME_CALLABLE: the normalised username of a sign-in."""
    field = settings.AXES_USERNAME_FORM_FIELD
    if credentials:
        raw = credentials.get(field)
    else:
        raw = getattr(request, "data", request.POST).get(field)
    return normalise_username(raw)
