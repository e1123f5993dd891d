from django.contrib import messages
from django.http import HttpResponseNotAllowed
from django.shortcuts import redirect, render

from careloop.audit.actions import record_view
from careloop.clients.models import Client
from careloop.practices.scoping import get_scoped_or_404
from careloop.web.records import practice_member_required

from .actions import record_consent, withdraw_consent
from .forms import ConsentForm, WithdrawalForm
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
    record_view(request, client, client=client)
    if request.method == "POST":
        form = ConsentForm(request.POST, client=client)
        if form.is_valid():
            record_consent(client, form.cleaned_data, request=request)
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
    withdraw_consent(consent, form.cleaned_data["reason"], request=request)
    messages.success(request, "Consent withdrawn. Nothing more will be sent under it.")
    return redirect("consent:list", client.uuid)
