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
    # Staff pages stay out of search engines; the practices' public sites (/p/) do not.
    return HttpResponse("User-agent: *\nAllow: /p/\nDisallow: /\n", content_type="text/plain")
