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


# Pages a signed-in user may reach before the second factor is checked, besides the
# public ones (marked login_not_required: the sign-in page, links, the public site).
_TWO_FACTOR_EXEMPT_NAMES = {"logout", "two_factor_verify", "two_factor_setup"}


class TwoFactorMiddleware:
    """A user with an authenticator must give its code after the password; a member
    of a practice that requires two-factor must set one up before anything else."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        user = request.user
        if user.is_authenticated and not self._exempt(request, view_func):
            if user_has_device(user, confirmed=True):
                if not user.is_verified():
                    return redirect(f"{reverse('two_factor_verify')}?next={request.path}")
            elif request.practice is not None and request.practice.require_two_factor:
                return redirect("two_factor_setup")
        return None

    @staticmethod
    def _exempt(request, view_func) -> bool:
        if not getattr(view_func, "login_required", True):
            return True
        return request.resolver_match.url_name in _TWO_FACTOR_EXEMPT_NAMES
