"""Refusing a request by its declared size, and running cheap checks (a rate limit),
before anything reads its body.

Inside a view is too late: for every POST, CsrfViewMiddleware reads ``request.POST``,
which streams a multipart upload to a temporary file first. So a view declares its
limits with ``guard_body`` and ``careloop.web.middleware.BodyGuardMiddleware``, placed
before the CSRF middleware, applies them in ``process_view``.
"""

from collections.abc import Callable
from typing import Any, TypeVar

from django.http import HttpRequest

from .uploads import MAX_UPLOAD_BYTES

# A form carrying one document of the largest allowed size, with room for its fields.
DEFAULT_MAX_REQUEST_BYTES = MAX_UPLOAD_BYTES + 1024 * 1024

MAX_BYTES_ATTR = "careloop_max_body_bytes"
TOO_LARGE_ATTR = "careloop_body_too_large"
BEFORE_BODY_ATTR = "careloop_before_body"

_View = TypeVar("_View", bound=Callable[..., Any])


def declared_length(request: HttpRequest) -> int:
    """The body size the client declared; 0 when absent (WSGI then reads nothing)."""
    try:
        return max(int(request.META.get("CONTENT_LENGTH") or 0), 0)
    except ValueError:
        return 0


def guard_body(
    *,
    max_bytes: int = DEFAULT_MAX_REQUEST_BYTES,
    too_large: Callable[..., Any] | None = None,
    before: Callable[..., Any] | None = None,
) -> Callable[[_View], _View]:
    """Declare a view's body limit, the answer when it is exceeded
    (``too_large(request, *args, **kwargs)``), and a check to run before the body is
    read (``before(request, *args, **kwargs)`` returns a response to refuse, or None)."""

    def decorate(view: _View) -> _View:
        setattr(view, MAX_BYTES_ATTR, max_bytes)
        if too_large is not None:
            setattr(view, TOO_LARGE_ATTR, too_large)
        if before is not None:
            setattr(view, BEFORE_BODY_ATTR, before)
        return view

    return decorate
