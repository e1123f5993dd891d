from django.shortcuts import render
from django.urls import reverse

from careloop.audit.actions import record_view
from careloop.clients.models import Client
from careloop.practices.scoping import get_scoped_or_404, scoped_or_none
from careloop.web.lists import PracticeListView
from careloop.web.records import practice_member_required, record_form_view

from .actions import save_session
from .filters import TherapySessionFilter
from .forms import TherapySessionForm
from .models import TherapySession


class TherapySessionListView(PracticeListView):
    model = TherapySession
    filterset_class = TherapySessionFilter
    list_title = "Sessions"
    create_url_name = "therapy:create"
    create_label = "Book a session"
    rows_template_name = "therapy/session_rows.html"

    def get_queryset(self):
        return super().get_queryset().select_related("client", "clinician", "referral")


def _session_queryset():
    return TherapySession.objects.select_related("client", "clinician", "referral")


def _save_session(form, request):
    return save_session(form, request=request)


@practice_member_required
def session_detail(request, session):
    session = get_scoped_or_404(_session_queryset(), request.practice, session)
    record_view(request, session, client=session.client)
    return render(request, "therapy/session_detail.html", {"session": session})


@practice_member_required
def session_create(request):
    initial = {}
    client = scoped_or_none(Client.objects.all(), request.practice, request.GET.get("client"))
    if client:
        initial["client"] = client
        referral = (
            scoped_or_none(
                client.referrals.select_related("assigned_clinician"),
                request.practice,
                request.GET.get("referral"),
            )
            or client.referrals.order_by("-referral_date").first()
        )
        if referral:
            initial["referral"] = referral
            if referral.assigned_clinician:
                initial["clinician"] = referral.assigned_clinician
    if "clinician" not in initial and request.user.is_clinician:
        initial["clinician"] = request.user

    return record_form_view(
        request,
        form_class=TherapySessionForm,
        template="web/record_form.html",
        title="Book a session",
        save=lambda form: _save_session(form, request),
        cancel_url=reverse("therapy:list"),
        initial=initial,
    )


@practice_member_required
def session_edit(request, session):
    session = get_scoped_or_404(_session_queryset(), request.practice, session)
    return record_form_view(
        request,
        form_class=TherapySessionForm,
        instance=session,
        template="web/record_form.html",
        title=f"Edit {session}",
        save=lambda form: _save_session(form, request),
        cancel_url=session.get_absolute_url(),
    )


@practice_member_required
def referral_field(request):
    """The referral choice for the client picked in the booking form (an htmx partial)."""
    client = scoped_or_none(Client.objects.all(), request.practice, request.GET.get("client"))
    form = TherapySessionForm(practice=request.practice, initial={"client": client})
    return render(request, "includes/field.html", {"field": form["referral"]})
