from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html

from careloop import events
from careloop.clients.models import Client
from careloop.entitlements.schedule import Schedule
from careloop.practices.scoping import get_scoped_or_404, scoped_or_none
from careloop.therapy.entitlements import evaluate_client, profession_of
from careloop.web.lists import PracticeListView
from careloop.web.records import (
    acting,
    audit_view,
    practice_member_required,
    record_form_view,
    unpack,
)

from .actions import save_clinical_note, save_session
from .booking_panel import booking_panel, initial_data
from .filters import TherapySessionFilter
from .forms import ClinicalNoteForm, TherapySessionForm
from .models import ClinicalNote, TherapySession


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
    return TherapySession.objects.select_related(
        "client__practice", "clinician__clinician_profile", "referral"
    )


def _save_session(form, request):
    session, changed, _ = unpack(form)
    with events.collect_notices() as notices:
        session = save_session(
            session, practice=request.practice, changed_fields=changed, **acting(request)
        )
    for notice in notices:
        text = (
            format_html('{} <a href="{}">Review it</a>.', notice.text, notice.url)
            if notice.url
            else notice.text
        )
        (messages.warning if notice.warning else messages.info)(request, text)
    return session


@practice_member_required
def session_detail(request, session):
    session = get_scoped_or_404(_session_queryset(), request.practice, session)
    audit_view(request, session, client=session.client)
    entitlement = evaluate_client(session.client)
    profession = profession_of(session.clinician)
    price = None
    if profession:
        price = Schedule().price(
            profession=profession,
            session_type=session.session_type,
            modality=session.modality,
            minutes=session.duration_minutes,
            on=timezone.localtime(session.starts_at, request.practice.zoneinfo).date(),
        )
    return render(
        request,
        "therapy/session_detail.html",
        {
            "session": session,
            "judgement": entitlement.judgement_of(session),
            "drawn_elsewhere": entitlement.drawn_elsewhere(session),
            "price": price,
            "entitlement": entitlement,
        },
    )


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

    panel_data = (
        request.POST
        if request.method == "POST"
        else initial_data(TherapySessionForm(practice=request.practice, initial=initial))
    )
    return record_form_view(
        request,
        form_class=TherapySessionForm,
        template="therapy/session_form.html",
        title="Book a session",
        save=lambda form: _save_session(form, request),
        cancel_url=reverse("therapy:list"),
        initial=initial,
        extra_context=booking_panel(request.practice, panel_data),
    )


@practice_member_required
def session_edit(request, session):
    session = get_scoped_or_404(_session_queryset(), request.practice, session)
    panel_data = (
        request.POST
        if request.method == "POST"
        else initial_data(TherapySessionForm(practice=request.practice, instance=session))
    )
    return record_form_view(
        request,
        form_class=TherapySessionForm,
        instance=session,
        template="therapy/session_form.html",
        extra_context={
            **booking_panel(request.practice, panel_data, editing=session),
            "editing": session,
        },
        title=f"Edit {session}",
        save=lambda form: _save_session(form, request),
        cancel_url=session.get_absolute_url(),
        audit_client=session.client,
    )


@practice_member_required
def referral_field(request):
    """The referral choice for the client picked in the booking form (an htmx partial)."""
    client = scoped_or_none(Client.objects.all(), request.practice, request.GET.get("client"))
    form = TherapySessionForm(practice=request.practice, initial={"client": client})
    return render(request, "includes/field.html", {"field": form["referral"]})


@practice_member_required
def entitlement_panel(request):
    """The Medicare panel for the booking form's current values (an htmx partial)."""
    editing = scoped_or_none(_session_queryset(), request.practice, request.GET.get("session"))
    context = booking_panel(request.practice, request.GET, editing=editing)
    return render(request, "therapy/entitlement_panel.html", {**context, "editing": editing})


@practice_member_required
def clinical_note(request, session):
    """View or write the session's clinical note: clinicians only, every view audited."""
    session = get_scoped_or_404(_session_queryset(), request.practice, session)
    if not request.user.may_read_clinical_notes:
        raise PermissionDenied("Clinical notes are visible to the practice's clinicians only.")
    note = ClinicalNote.objects.filter(session=session).select_related("author").first()
    if request.method == "POST":
        form = ClinicalNoteForm(request.POST)
        if form.is_valid():
            save_clinical_note(session, form.cleaned_data["text"], **acting(request))
            messages.success(request, "Clinical note saved.")
            return redirect(reverse("therapy:note", args=[session.uuid]))
    else:
        form = ClinicalNoteForm(initial={"text": note.text if note else ""})
        if note is not None:
            audit_view(request, note, client=session.client)
    return render(
        request,
        "therapy/clinical_note.html",
        {
            "session": session,
            "note": note,
            "form": form,
            # The current text is in the form; earlier ones are kept and shown below it.
            "earlier_versions": (
                list(note.versions.select_related("author")[1:]) if note is not None else []
            ),
        },
        status=400 if form.errors else 200,
    )
