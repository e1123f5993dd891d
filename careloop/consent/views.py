from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.http import FileResponse, Http404, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache

from careloop.audit.actions import CLIENT_LINK, via_request
from careloop.clients.models import Client
from careloop.practices.scoping import get_scoped_or_404, in_scope_of
from careloop.web.records import acting, audit_view, practice_member_required

from . import actions
from .actions import record_consent, withdraw_consent
from .forms import ConsentForm, SignatureForm, WithdrawalForm
from .models import Consent


def _context(client, form=None, withdrawal_form=None):
    today = client.practice.today()
    consents = list(
        client.consents.select_related(
            "doctor", "referral__referring_doctor", "recorded_by", "withdrawn_by"
        )
    )
    for consent in consents:
        consent.status = consent.status_on(today)
    return {
        "client": client,
        "consents": consents,
        "disclosures": client.disclosures.select_related("doctor", "consent", "by"),
        "form": form or ConsentForm(client=client),
        "withdrawal_form": withdrawal_form or WithdrawalForm(),
    }


@practice_member_required
def consent_list(request, client):
    """The client's consents and everything disclosed under them."""
    client = get_scoped_or_404(Client.objects.select_related("practice"), request.practice, client)
    audit_view(request, client, client=client)
    if request.method == "POST":
        form = ConsentForm(request.POST, client=client)
        if form.is_valid():
            record_consent(client, form.cleaned_data, **acting(request))
            messages.success(request, "Consent recorded.")
            return redirect("consent:list", client.uuid)
        return render(request, "consent/consent_list.html", _context(client, form=form), status=400)
    return render(request, "consent/consent_list.html", _context(client))


@practice_member_required
def consent_withdraw(request, client, consent):
    client = get_scoped_or_404(Client.objects.select_related("practice"), request.practice, client)
    consent = get_scoped_or_404(Consent.objects.filter(client=client), request.practice, consent)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    form = WithdrawalForm(request.POST)
    if not form.is_valid():
        return render(
            request, "consent/consent_list.html", _context(client, withdrawal_form=form), status=400
        )
    withdraw_consent(consent, form.cleaned_data["reason"], **acting(request))
    messages.success(request, "Consent withdrawn. Nothing more will be sent under it.")
    return redirect("consent:list", client.uuid)


@practice_member_required
def consent_request(request, client):
    """Prepare a consent form for the client to sign on a tablet or at a link."""
    client = get_scoped_or_404(Client.objects.select_related("practice"), request.practice, client)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    form = ConsentForm(request.POST, client=client)
    form.fields["method"].required = False
    form.fields["obtained_on"].required = False
    if not form.is_valid():
        return render(request, "consent/consent_list.html", _context(client, form=form), status=400)
    emailed = bool(request.POST.get("email_client")) and bool(client.email)
    consent_request, token = actions.create_request(
        client,
        form.cleaned_data,
        email_client=emailed,
        site=request.build_absolute_uri("/"),
        **acting(request),
    )
    link = request.build_absolute_uri(reverse("consent:sign", args=[token]))
    return render(
        request, "consent/request_ready.html", {"client": client, "link": link, "emailed": emailed}
    )


def _consent_request_practice(request, token):
    consent_request = actions.open_request(token)
    return consent_request.practice_id if consent_request else None


@login_not_required
@never_cache
@in_scope_of(_consent_request_practice)
def consent_sign(request, token):
    """The client reads and signs, with no account; the signed form is kept as a PDF."""
    consent_request = actions.open_request(token)
    if consent_request is None:
        return render(request, "link_expired.html", status=410)
    form = SignatureForm(request.POST or None, client=consent_request.client)
    if request.method == "POST" and form.is_valid():
        actions.sign_request(
            consent_request,
            form.cleaned_data["signed_name"],
            via=via_request(request, CLIENT_LINK),
        )
        return render(
            request, "consent/signed_thanks.html", {"practice": consent_request.client.practice}
        )
    return render(
        request,
        "consent/sign.html",
        {**actions.form_context(consent_request), "form": form},
        status=400 if form.errors else 200,
    )


@practice_member_required
def consent_copy(request, client, consent):
    client = get_scoped_or_404(Client.objects.all(), request.practice, client)
    consent = get_scoped_or_404(Consent.objects.filter(client=client), request.practice, consent)
    if not consent.signed_copy:
        raise Http404
    audit_view(request, consent, client=client)
    return FileResponse(
        consent.signed_copy.open("rb"),
        content_type="application/pdf",
        filename=f"consent-{client.family_name.lower()}.pdf",
    )
