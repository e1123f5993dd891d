from django.shortcuts import render
from django.urls import reverse

from careloop.audit.actions import record_view
from careloop.practices.scoping import get_scoped_or_404
from careloop.therapy.models import SessionStatus, TherapySession
from careloop.web.lists import PracticeListView
from careloop.web.queries import count_of, latest_of
from careloop.web.records import practice_member_required, record_form_view, save_practice_record

from .filters import ClientFilter
from .forms import ClientForm
from .models import Client


class ClientListView(PracticeListView):
    model = Client
    filterset_class = ClientFilter
    list_title = "Clients"
    create_url_name = "clients:create"
    create_label = "Add a client"
    rows_template_name = "clients/client_rows.html"

    def get_queryset(self):
        return (
            super()
            .get_queryset()
            .select_related("usual_gp")
            .annotate(
                attended_count=count_of(
                    TherapySession.objects.filter(status=SessionStatus.ATTENDED), "client"
                ),
                last_session_at=latest_of(TherapySession.objects.all(), "client", "starts_at"),
            )
        )


def _save_client(form, request):
    return save_practice_record(form, request=request, client_of=lambda client: client)


@practice_member_required
def client_detail(request, client):
    client = get_scoped_or_404(Client.objects.select_related("usual_gp"), request.practice, client)
    record_view(request, client, client=client)
    referrals = client.referrals.select_related("referring_doctor").order_by("-referral_date")
    sessions = client.sessions.select_related("clinician").order_by("-starts_at")[:20]
    return render(
        request,
        "clients/client_detail.html",
        {"client": client, "referrals": referrals, "sessions": sessions},
    )


@practice_member_required
def client_create(request):
    return record_form_view(
        request,
        form_class=ClientForm,
        template="web/record_form.html",
        title="Add a client",
        save=lambda form: _save_client(form, request),
        cancel_url=reverse("clients:list"),
    )


@practice_member_required
def client_edit(request, client):
    client = get_scoped_or_404(Client.objects.all(), request.practice, client)
    return record_form_view(
        request,
        form_class=ClientForm,
        instance=client,
        template="web/record_form.html",
        title=f"Edit {client}",
        save=lambda form: _save_client(form, request),
        cancel_url=client.get_absolute_url(),
    )
