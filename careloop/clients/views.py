from django.contrib import messages
from django.http import HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.urls import reverse

from careloop.entitlements.actions import save_elsewhere_claims
from careloop.measures.actions import may_follow_up
from careloop.measures.summary import client_measures_context
from careloop.practices.scoping import get_scoped_or_404
from careloop.therapy.entitlements import evaluate_client
from careloop.therapy.models import SessionStatus, TherapySession
from careloop.web.lists import ORDER_WORDS, PracticeListView
from careloop.web.queries import count_of, latest_of
from careloop.web.records import (
    acting,
    add_in_place_view,
    audit_view,
    practice_member_required,
    record_form_view,
    save_form,
)

from .actions import confirm_different_people, confirm_same_person
from .filters import ClientFilter
from .forms import ClientForm, ElsewhereClaimsForm
from .models import Client


class ClientListView(PracticeListView):
    page_words = ORDER_WORDS
    model = Client
    filterset_class = ClientFilter
    list_title = "Clients"
    create_url_name = "clients:create"
    create_label = "Add a client"
    rows_template_name = "clients/client_rows.html"

    def decorate(self, queryset):
        return queryset.select_related("usual_gp").annotate(
            attended_count=count_of(
                TherapySession._base_manager.filter(status=SessionStatus.ATTENDED), "client"
            ),
            last_session_at=latest_of(TherapySession._base_manager.all(), "client", "starts_at"),
        )


def _save_client(form, request):
    return save_form(form, request, client_of=lambda client: client)


@practice_member_required
def client_detail(request, client):
    client = get_scoped_or_404(Client.objects.select_related("usual_gp"), request.practice, client)
    audit_view(request, client, client=client)
    return render(request, "clients/client_detail.html", _detail_context(request, client))


def _detail_context(request, client, elsewhere_form=None):
    referrals = client.referrals.select_related("referring_doctor").order_by("-referral_date")
    sessions = list(
        client.sessions.select_related("clinician__clinician_profile").order_by("-starts_at")[:20]
    )
    entitlement = evaluate_client(client)
    measures = client_measures_context(client)
    letters = list(
        client.letters.select_related("doctor", "referral")
        .prefetch_related("deliveries")
        .order_by("-created_at")[:20]
    )

    for session in sessions:
        session.medicare = entitlement.judgement_of(session)
        session.drawn_elsewhere = entitlement.drawn_elsewhere(session)
    return {
        "client": client,
        "referrals": referrals,
        "sessions": sessions,
        "entitlement": entitlement,
        "elsewhere": client.elsewhere_claims.all(),
        "elsewhere_form": elsewhere_form
        or ElsewhereClaimsForm(initial={"year": request.practice.today().year}),
        "duplicate_of": client.possible_duplicate_of,
        "duplicates": client.possible_duplicates.all(),
        "may_follow_up": may_follow_up(request.user),
        "letters": letters,
        **measures,
    }


@practice_member_required
def client_elsewhere(request, client):
    client = get_scoped_or_404(Client.objects.all(), request.practice, client)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    form = ElsewhereClaimsForm(request.POST)
    if not form.is_valid():
        return render(
            request,
            "clients/client_detail.html",
            _detail_context(request, client, elsewhere_form=form),
            status=400,
        )
    save_elsewhere_claims(client, form.cleaned_data, **acting(request))
    messages.success(request, "Services claimed elsewhere saved; the counts now include them.")
    return redirect(client.get_absolute_url())


@practice_member_required
def client_duplicate(request, client):
    client = get_scoped_or_404(
        Client.objects.select_related("possible_duplicate_of"), request.practice, client
    )
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    if client.possible_duplicate_of is None:
        messages.error(request, "This client is not flagged as a possible duplicate.")
        return redirect(client.get_absolute_url())
    if request.POST.get("decision") == "same":
        keep = confirm_same_person(client, **acting(request))
        messages.success(request, f"Merged into {keep}: referrals and sessions moved across.")
        return redirect(keep.get_absolute_url())
    confirm_different_people(client, **acting(request))
    messages.success(request, "Kept as two different people.")
    return redirect(client.get_absolute_url())


@practice_member_required
def client_create(request):
    return add_in_place_view(
        request,
        select="client",
        form_class=ClientForm,
        template="web/record_form.html",
        title="Add a client",
        save=lambda form: _save_client(form, request),
        default_cancel_url=reverse("clients:list"),
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
        audit_client=client,
    )
