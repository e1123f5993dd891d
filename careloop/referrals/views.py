from django.http import FileResponse
from django.shortcuts import render
from django.urls import reverse

from careloop.audit.actions import record_view
from careloop.clients.models import Client
from careloop.practices.scoping import get_scoped_or_404, scoped_or_none
from careloop.therapy.models import SessionStatus, TherapySession
from careloop.web.lists import PracticeListView
from careloop.web.queries import count_of
from careloop.web.records import practice_member_required, record_form_view

from .actions import save_referral
from .filters import ReferralFilter
from .forms import ReferralForm
from .models import Referral, ReferralDocument


class ReferralListView(PracticeListView):
    model = Referral
    filterset_class = ReferralFilter
    list_title = "Referrals"
    create_url_name = "referrals:create"
    create_label = "Add a referral"
    rows_template_name = "referrals/referral_rows.html"

    def get_queryset(self):
        return (
            super()
            .get_queryset()
            .select_related("client", "referring_doctor")
            .annotate(
                attended_count=count_of(
                    TherapySession.objects.filter(status=SessionStatus.ATTENDED), "referral"
                ),
                document_count=count_of(ReferralDocument.objects.all(), "referral"),
            )
        )


def _referral_queryset():
    return Referral.objects.select_related("client", "referring_doctor")


@practice_member_required
def referral_detail(request, referral):
    referral = get_scoped_or_404(_referral_queryset(), request.practice, referral)
    record_view(request, referral, client=referral.client)
    sessions = referral.sessions.select_related("clinician").order_by("starts_at")
    return render(
        request,
        "referrals/referral_detail.html",
        {
            "referral": referral,
            "sessions": sessions,
            "documents": referral.documents.all(),
        },
    )


@practice_member_required
def referral_create(request):
    initial = {}
    client = scoped_or_none(Client.objects.all(), request.practice, request.GET.get("client"))
    if client:
        initial["client"] = client
    return record_form_view(
        request,
        form_class=ReferralForm,
        template="web/record_form.html",
        title="Add a referral",
        save=lambda form: save_referral(form, request=request),
        cancel_url=reverse("referrals:list"),
        initial=initial,
    )


@practice_member_required
def referral_edit(request, referral):
    referral = get_scoped_or_404(_referral_queryset(), request.practice, referral)
    return record_form_view(
        request,
        form_class=ReferralForm,
        instance=referral,
        template="web/record_form.html",
        title=f"Edit {referral}",
        save=lambda form: save_referral(form, request=request),
        cancel_url=referral.get_absolute_url(),
    )


@practice_member_required
def referral_document(request, referral, document):
    referral = get_scoped_or_404(_referral_queryset(), request.practice, referral)
    document = get_scoped_or_404(
        ReferralDocument.objects.filter(referral=referral), request.practice, document
    )
    record_view(request, document, client=referral.client)
    response = FileResponse(
        document.file.open("rb"),
        content_type=document.content_type,
        filename=document.original_name,
    )
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
