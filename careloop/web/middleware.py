import time

from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.utils.cache import add_never_cache_headers

from careloop.lib import bodylimit


class SecurityHeadersMiddleware:
    """Headers Django's SecurityMiddleware does not set itself."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.setdefault(
            "Permissions-Policy",
            "camera=(), microphone=(), geolocation=(), payment=(), usb=(), interest-cohort=()",
        )
        response.setdefault("Cross-Origin-Resource-Policy", "same-origin")
        if request.user.is_authenticated if hasattr(request, "user") else False:
            # Staff pages carry health information: no cache, shared or in the browser,
            # may keep them, whatever the view said.
            add_never_cache_headers(response)
        return response


class BodyGuardMiddleware:
    """Refuses an oversized request by its Content-Length, and runs a view's own
    pre-body checks (see careloop.lib.bodylimit), before any middleware or view reads
    the body. It must come before CsrfViewMiddleware, which reads request.POST."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        from django.shortcuts import render

        limit = getattr(view_func, bodylimit.MAX_BYTES_ATTR, bodylimit.DEFAULT_MAX_REQUEST_BYTES)
        if bodylimit.declared_length(request) > limit:
            too_large = getattr(view_func, bodylimit.TOO_LARGE_ATTR, None)
            if too_large is not None:
                return too_large(request, *view_args, **view_kwargs)
            return render(
                request,
                "413.html",
                {"upload_limit_mb": bodylimit.MAX_UPLOAD_BYTES // (1024 * 1024)},
                status=413,
            )
        before = getattr(view_func, bodylimit.BEFORE_BODY_ATTR, None)
        if before is not None:
            return before(request, *view_args, **view_kwargs)
        return None


class SessionRenewalMiddleware:
    """Renews a signed-in session's inactivity clock (SESSION_COOKIE_AGE) at most once
    every SESSION_RENEW_EVERY_SECONDS (a minute), rather than saving the session on
    every request: with sessions in the database, every page view was a write and a
    commit (2 to 3 ms of each page on PostgreSQL). A session so ends between 29 and 30
    minutes after the last activity. It must come after SessionMiddleware, which saves
    what this marks.

    Only a request that has read the session already is looked at: the public site's
    pages need not load it, and a visitor who is not signed in gets none."""

    RENEWED_AT = "careloop_renewed_at"  # when the clock was last renewed (Unix seconds)

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        session = getattr(request, "session", None)
        if session is not None and session.accessed and session.get(SESSION_KEY) is not None:
            now = int(time.time())
            if now - session.get(self.RENEWED_AT, 0) >= settings.SESSION_RENEW_EVERY_SECONDS:
                session[self.RENEWED_AT] = now  # marks it modified: SessionMiddleware saves it
        return response
