from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache

from careloop.audit.actions import CLIENT_LINK, via_request
from careloop.clients.models import Client
from careloop.practices.scoping import get_scoped_or_404, in_scope_of
from careloop.web.records import acting, audit_view, practice_member_required

from . import actions
from .forms import MeasureForm
from .models import MeasureResult
from .scoring import AnswerError, definitions, get_measure


def _measure_or_404(code):
    try:
        return get_measure(code or "")
    except AnswerError:
        raise Http404 from None


@practice_member_required
def measure_new(request, client):
    client = get_scoped_or_404(Client.objects.select_related("practice"), request.practice, client)
    if not request.GET.get("measure"):
        return render(
            request, "measures/choose.html", {"client": client, "measures": definitions().values()}
        )
    measure = _measure_or_404(request.GET.get("measure"))
    form = MeasureForm(request.POST or None, measure=measure, staff=True)

    if request.method == "POST" and form.is_valid():
        try:
            result = actions.record_result(
                client,
                measure.code,
                form.answers,
                on=form.cleaned_data["administered_on"],
                **acting(request),
                extra_answers=form.extra_answers,
            )
        except AnswerError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, f"{measure.short_name} recorded.")
            return redirect(result.get_absolute_url())
    return render(
        request,
        "measures/measure_form.html",
        {
            "client": client,
            "measure": measure,
            "form": form,
            "public": False,
        },
        status=400 if form.errors else 200,
    )


@practice_member_required
def measure_result(request, client, result):
    client = get_scoped_or_404(Client.objects.all(), request.practice, client)
    result = get_scoped_or_404(
        MeasureResult.objects.filter(client=client), request.practice, result
    )
    audit_view(request, result, client=client)
    measure = get_measure(result.measure)
    labels = {str(o["value"]): o["label"] for o in measure.options}
    rows = [
        {
            "item": item,
            "value": result.answers.get(str(item["number"])),
            "label": labels.get(str(result.answers.get(str(item["number"])))) or "Not answered",
        }
        for item in measure.items
    ]
    return render(
        request,
        "measures/result.html",
        {
            "client": client,
            "result": result,
            "measure": measure,
            "rows": rows,
            "band_set": measure.band_sets[result.band_set],
        },
    )


@practice_member_required
def measure_invite(request, client):
    client = get_scoped_or_404(Client.objects.select_related("practice"), request.practice, client)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    measure = _measure_or_404(request.POST.get("measure"))
    emailed = bool(request.POST.get("email") and client.email)
    invitation, token = actions.invite(
        client,
        measure.code,
        email_to=client.email if emailed else "",
        site=request.build_absolute_uri("/"),
        **acting(request),
    )
    link = request.build_absolute_uri(reverse("measures:public", args=[token]))
    return render(
        request,
        "measures/invited.html",
        {
            "client": client,
            "measure": measure,
            "link": link,
            "emailed": emailed,
            "invitation": invitation,
        },
    )


@practice_member_required
def alert_follow_up(request, client, alert):
    client = get_scoped_or_404(Client.objects.all(), request.practice, client)
    alert = get_scoped_or_404(client.alerts.all(), request.practice, alert)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    try:
        actions.record_follow_up(alert, request.POST.get("follow_up", ""), **acting(request))
    except PermissionError as refused:
        raise PermissionDenied(str(refused)) from None
    except ValueError as problem:
        messages.error(request, str(problem))
    else:
        messages.success(request, "Follow-up recorded; the alert is closed.")
    return redirect(client.get_absolute_url() + "#alerts")


def _invitation_practice(request, token):
    invitation = actions.invitation_for_token(token)
    return invitation.practice_id if invitation else None


@login_not_required
@never_cache
@in_scope_of(_invitation_practice)
def public_measure(request, token):
    """The client's questionnaire, reached by a link: no account, one use, 7 days."""
    invitation = actions.invitation_for_token(token)
    if invitation is None:
        return render(request, "link_expired.html", status=410)
    measure = get_measure(invitation.measure)
    practice = invitation.client.practice
    form = MeasureForm(request.POST or None, measure=measure, staff=False)
    if request.method == "POST" and form.is_valid():
        try:
            actions.complete_invitation(
                invitation,
                form.answers,
                form.extra_answers,
                via=via_request(request, CLIENT_LINK),
            )
        except AnswerError as error:
            form.add_error(None, str(error))
        else:
            return render(request, "measures/public_thanks.html", {"practice": practice})
    return render(
        request,
        "measures/measure_form.html",
        {
            "measure": measure,
            "form": form,
            "public": True,
            "practice": practice,
        },
        status=400 if form.errors else 200,
    )
