from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django_otp import user_has_device
from django_scopes import scope

from .scoping import practice_scope


class PracticeMiddleware:
    """Resolves the request's practice from the signed-in user, shows times in that
    practice's zone, and runs the request inside that practice's scope, so a query
    that forgets its practice still sees only this practice's rows. A request with
    no practice (public pages, signed links) gets an empty scope: its views find
    their practice from the URL or the link and enter that practice's scope, and
    any query before that raises instead of reading every practice."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        request.practice = user.practice if user.is_authenticated else None
        if request.practice is not None:
            timezone.activate(request.practice.zoneinfo)
        else:
            timezone.deactivate()
            # A fresh, enabled scope without a practice, even inside a caller's
            # scopes_disabled() (the tests): the view must name its practice.
            with scope():
                return self.get_response(request)
        with practice_scope(request.practice):
            return self.get_response(request)


# Pages a signed-in user may reach before the second factor is checked.
_TWO_FACTOR_EXEMPT_NAMES = {"login", "logout", "two_factor_verify", "two_factor_setup"}
_TWO_FACTOR_EXEMPT_PREFIXES = (
    "/static/",
    "/p/",
    "/healthz",
    "/interop/",
    "/m/",
    "/d/",
    "/f/",
    "/c/",
)


class TwoFactorMiddleware:
    """A user with an authenticator must give its code after the password; a member
    of a practice that requires two-factor must set one up before anything else."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if user.is_authenticated and not self._exempt(request):
            if user_has_device(user, confirmed=True):
                if not user.is_verified():
                    return redirect(f"{reverse('two_factor_verify')}?next={request.path}")
            elif request.practice is not None and request.practice.require_two_factor:
                return redirect("two_factor_setup")
        return self.get_response(request)

    @staticmethod
    def _exempt(request) -> bool:
        if request.path.startswith(_TWO_FACTOR_EXEMPT_PREFIXES):
            return True
        match = getattr(request, "resolver_match", None)
        if match is None:
            from django.urls import Resolver404, resolve

            try:
                match = resolve(request.path_info)
            except Resolver404:
                return True
        return match.url_name in _TWO_FACTOR_EXEMPT_NAMES
