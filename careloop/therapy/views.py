from datetime import date
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.http import url_has_allowed_host_and_scheme

from careloop import events
from careloop.clients.models import Client
from careloop.entitlements.schedule import Schedule
from careloop.practices import permissions
from careloop.practices.models import clinicians_of
from careloop.practices.scoping import get_scoped_or_404, scoped_or_none
from careloop.therapy.entitlements import evaluate_client, profession_of
from careloop.web.htmx import htmx_partial
from careloop.web.lists import PracticeListView
from careloop.web.records import (
    acting,
    audit_view,
    practice_member_required,
    record_form_view,
    unpack,
)

from . import scheduling
from .actions import StatusRefused, mark_session, save_clinical_note, save_session
from .booking_panel import booking_panel, initial_data
from .diary import diary_days, entry_now
from .filters import TherapySessionFilter
from .forms import ClinicalNoteForm, DiaryClinicianForm, TherapySessionForm
from .models import ClinicalNote, SessionStatus, TherapySession


class TherapySessionListView(PracticeListView):
    model = TherapySession
    filterset_class = TherapySessionFilter
    list_title = "Sessions"
    create_url_name = "therapy:create"
    create_label = "Book a session"
    template_name = "therapy/session_list.html"
    rows_template_name = "therapy/session_rows.html"

    def decorate(self, queryset):
        return queryset.select_related("client", "clinician", "referral")

    def get_filterset_kwargs(self, filterset_class):
        kwargs = super().get_filterset_kwargs(filterset_class)
        # The list opens on today (and, for a clinician, on their own sessions). Any
        # filter in the address, even an empty one, means the person chose: a form
        # submitted with every box cleared shows every session.
        self.opening = not any(name in self.request.GET for name in filterset_class.base_filters)
        if self.opening:
            today = self.request.practice.today().strftime("%d/%m/%Y")
            kwargs["data"] = {"date_from": today, "date_to": today}
            if permissions.starts_on_own_work(self.request.user):
                kwargs["data"]["clinician"] = str(self.request.user.uuid)
        return kwargs

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["opening"] = self.opening
        context["own_only"] = self.opening and "clinician" in self.filterset.data
        return context


def _session_queryset():
    return TherapySession.objects.select_related(
        "client__practice", "clinician__clinician_profile", "referral"
    )


def _notice_text(notice):
    if notice.url:
        return format_html('{} <a href="{}">Review it</a>.', notice.text, notice.url)
    return notice.text


def _save_session(form, request):
    session, changed, _ = unpack(form)
    with events.collect_notices() as notices:
        session = save_session(
            session, practice=request.practice, changed_fields=changed, **acting(request)
        )
    for notice in notices:
        (messages.warning if notice.warning else messages.info)(request, _notice_text(notice))
    return session


def _parse_day(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


def _diary_url(clinician, day: date, view: str) -> str:
    query = {"view": view, "day": day.isoformat()}
    if clinician is not None:
        query["clinician"] = str(clinician.uuid)
    return f"{reverse('therapy:diary')}?{urlencode(query)}"


@practice_member_required
def diary(request):
    """A clinician's day or week. Defaults to the signed-in clinician and today, in the
    practice's time zone; anyone in the practice may open a colleague's diary (reception
    books for everyone). Previous and next are buttons of a GET form rather than links,
    so that no crawler walks the calendar forever."""
    practice = request.practice
    today = practice.today()
    day = _parse_day(request.GET.get("day")) or today
    view = "week" if request.GET.get("view") == "week" else "day"
    clinicians = clinicians_of(practice)
    clinician = None
    choose = None
    if "clinician" in request.GET or "clinician__search" in request.GET:
        choose = DiaryClinicianForm(request.GET, practice=practice)
        if choose.is_valid():
            clinician, choose = choose.cleaned_data["clinician"], None
    if clinician is None:
        own = clinicians.filter(pk=request.user.pk).first()
        clinician = own or clinicians.first()
    if choose is None:  # the box names the clinician whose diary shows
        choose = DiaryClinicianForm(practice=practice, initial={"clinician": clinician})
    days = scheduling.view_days(day, view)
    context = {
        "clinician": clinician,
        "choose": choose,
        "view": view,
        "day": day,
        "today": today,
        "previous": scheduling.step(day, view, -1),
        "next": scheduling.step(day, view, +1),
        "days": diary_days(practice, clinician, days, now=timezone.now()) if clinician else [],
        "back": _diary_url(clinician, day, view),
    }
    return render(request, "therapy/diary.html", context)


def _back_to(request, session) -> str:
    wanted = request.POST.get("next", "")
    if wanted.startswith("/") and url_has_allowed_host_and_scheme(
        wanted, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return wanted
    local_day = timezone.localtime(session.starts_at, request.practice.zoneinfo).date()
    return _diary_url(session.clinician, local_day, "day")


_DONE = {
    SessionStatus.ATTENDED: "attended",
    SessionStatus.NO_SHOW: "did not attend",
    SessionStatus.CANCELLED: "cancelled",
    SessionStatus.BOOKED: "back to booked",
}


@practice_member_required
def session_mark(request, session):
    """One tap on a diary entry: attended, did not attend, cancelled, or undo. With
    htmx the entry is swapped in place; without, the diary is loaded again."""
    session = get_scoped_or_404(_session_queryset(), request.practice, session)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    back = _back_to(request, session)
    status = request.POST.get("status", "")
    said, problem = [], ""
    if status not in SessionStatus.values:
        problem = "Choose attended, did not attend, cancelled or undo."
    else:
        try:
            with events.collect_notices() as notices:
                session = mark_session(session, status, **acting(request))
        except StatusRefused as refusal:
            problem = str(refusal)
        else:
            at = timezone.localtime(session.starts_at, request.practice.zoneinfo)
            done = f"{session.client.full_name} at {at:%H:%M}: {_DONE[session.status]}."
            said = [done, *(_notice_text(notice) for notice in notices)]
    if htmx_partial(request):
        session.refresh_from_db(fields=["status"])
        entry = entry_now(session, now=timezone.now())
        return render(
            request,
            "therapy/diary_entry.html",
            {"entry": entry, "back": back, "said": said, "problem": problem},
        )
    if problem:
        messages.error(request, problem)
    for text in said:
        messages.success(request, text)
    return redirect(back)


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
    chosen = scoped_or_none(
        clinicians_of(request.practice), request.practice, request.GET.get("clinician")
    )
    if chosen is not None:  # booked from a clinician's diary
        initial["clinician"] = chosen
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
