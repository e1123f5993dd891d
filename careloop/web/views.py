from django.contrib.auth.decorators import login_not_required
from django.db import connection
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect


@login_not_required
def home(request):
    if request.user.is_authenticated:
        return redirect("dashboard")
    return redirect("login")


@login_not_required
def healthz(request):
    """For a load balancer: the app answers and its database does too."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


@login_not_required
def robots(request):
    return HttpResponse("User-agent: *\nDisallow: /\n", content_type="text/plain")


@login_not_required
def bench_bare(request):
    """The yardstick of `make bench-public`: the least a Django view can do, through
    the same middleware as every page. Routed only when settings.BENCH_BARE_VIEW is on."""
    return HttpResponse("ok", content_type="text/plain")
