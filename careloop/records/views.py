from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render

from careloop.clients.models import Client
from careloop.practices.scoping import get_scoped_or_404
from careloop.web.records import acting, audit_view, practice_member_required

from . import actions, queries
from .forms import AccessReportForm, DisposalForm, RetentionSettingsForm
from .models import AccessReport, AccessReportStatus, DisposalRecord, RetentionSettings

REGISTER_ROWS = 50


def owner_required(view):
    @practice_member_required
    def wrapped(request, *args, **kwargs):
        if not request.user.is_owner:
            raise PermissionDenied("Only the practice owner can do this.")
        return view(request, *args, **kwargs)

    wrapped.__name__ = view.__name__
    wrapped.__doc__ = view.__doc__
    return wrapped


def _client(request, public_id) -> Client:
    return get_scoped_or_404(Client.objects.select_related("practice"), request.practice, public_id)


@owner_required
def access_reports(request, client):
    """A copy of everything held about the client, at their request (APP 12)."""
    client = _client(request, client)
    form = AccessReportForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        actions.request_access_report(
            client,
            include_clinical_notes=form.cleaned_data["include_clinical_notes"],
            notes_withheld_reason=form.cleaned_data["notes_withheld_reason"],
            **acting(request),
        )
        messages.success(
            request, "The access report is being prepared. Reload this page in a minute."
        )
        return redirect("records:access", client.uuid)
    audit_view(request, client, client=client)
    reports = AccessReport.objects.for_practice(request.practice).filter(client=client)
    return render(
        request,
        "records/access_reports.html",
        {"client": client, "form": form, "reports": reports.select_related("requested_by")},
        status=400 if form.errors else 200,
    )


@owner_required
def access_report_file(request, client, report, kind):
    client = _client(request, client)
    report = get_scoped_or_404(
        AccessReport.objects.filter(client=client, status=AccessReportStatus.READY),
        request.practice,
        report,
    )
    stored = {"pdf": report.pdf, "json": report.data}.get(kind)
    if not stored:
        raise Http404
    audit_view(request, report, client=client)
    return FileResponse(
        stored.open("rb"),
        as_attachment=True,
        content_type="application/pdf" if kind == "pdf" else "application/json",
        filename=f"records-{client.family_name.lower()}-{report.created_at:%Y%m%d}.{kind}",
    )


@owner_required
def retention(request):
    """The practice's retention rule, the records past it, and the disposal register."""
    practice = request.practice
    settings = RetentionSettings.objects.for_practice(practice).first()
    form = RetentionSettingsForm(
        request.POST if request.method == "POST" else None,
        instance=settings or RetentionSettings(practice=practice),
    )
    if request.method == "POST" and form.is_valid():
        actions.save_retention_settings(practice, form.cleaned_data, **acting(request))
        messages.success(request, "Retention rule saved.")
        return redirect("records:retention")
    return render(
        request,
        "records/retention.html",
        {
            "form": form,
            "due": queries.past_retention(practice),
            "register": DisposalRecord.objects.for_practice(practice).select_related("disposed_by")[
                :REGISTER_ROWS
            ],
        },
        status=400 if form.errors else 200,
    )


@owner_required
def dispose(request, client):
    """Dispose of one record past its retention period, after the owner confirms."""
    client = _client(request, client)
    due = queries.retention_of(
        request.practice, queries.with_contacts(Client.objects.filter(pk=client.pk)).get()
    )
    if due.ends > request.practice.today():
        messages.error(
            request,
            f"This record must be kept until {due.ends:%d/%m/%Y}; it cannot be disposed of.",
        )
        return redirect("records:retention")
    form = DisposalForm(request.POST if request.method == "POST" else None, client=client)
    if request.method == "POST" and form.is_valid():
        try:
            actions.dispose_of_client(client, **acting(request))
        except actions.NotPastRetention as exc:
            messages.error(request, str(exc))
            return redirect("records:retention")
        messages.success(request, "The record was disposed of and entered in the register.")
        return redirect("records:retention")
    audit_view(request, client, client=client)
    return render(
        request,
        "records/dispose.html",
        {"client": client, "due": due, "form": form},
        status=400 if form.errors else 200,
    )
