from django.contrib.auth.decorators import login_not_required
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from . import pickers
from .records import practice_member_required


@login_not_required
def home(request):
    if request.user.is_authenticated:
        return redirect("dashboard")
    return redirect("login")


@login_not_required
def healthz(request):
    """For a load balancer and the uptime monitor: the app answers, and so do its
    database and its cache (with REDIS_URL, where sessions are: without it no page works)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    cache.get("healthz")
    return JsonResponse({"status": "ok"})


@login_not_required
def robots(request):
    # Staff pages stay out of search engines; the practices' public sites (/p/) do not.
    return HttpResponse("User-agent: *\nAllow: /p/\nDisallow: /\n", content_type="text/plain")


@practice_member_required
@require_GET
def pick(request, source):
    """A picker's matches for what was typed (an htmx partial): at most 20 of this
    practice's rows, most recent first."""
    picker_source = pickers.source_named(source)
    if picker_source is None:
        raise Http404("No such list.")
    if not picker_source.allowed(request.user):
        raise PermissionDenied("This list is not yours to search.")
    typed = next((v for k, v in request.GET.items() if k.endswith("__search")), "")
    found, more = pickers.matches(picker_source, picker_source.choices(request.practice), typed)
    list_id = request.GET.get("list", "picker")
    return render(
        request,
        "web/picker_results.html",
        {
            "options": [
                (f"{list_id}-{index}", obj, picker_source.describe(obj))
                for index, obj in enumerate(found)
            ],
            "more": more,
            "typed": typed.strip(),
            "too_short": len(typed.strip()) < pickers.MIN_QUERY_LENGTH,
            "source": picker_source,
            "max_matches": pickers.MAX_MATCHES,
            "min_length": pickers.MIN_QUERY_LENGTH,
        },
    )


@login_not_required
def bench_bare(request):
    """The yardstick of `make bench-public`: the least a Django view can do, through
    the same middleware as every page. Routed only when settings.BENCH_BARE_VIEW is on."""
    return HttpResponse("ok", content_type="text/plain")
