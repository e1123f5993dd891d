"""Who to visit next, visit days, leave-behinds and outreach messages."""

from __future__ import annotations

import uuid
from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal

from django import forms
from django.contrib import messages as flash
from django.contrib.auth.decorators import login_not_required
from django.db.models import Max, Prefetch
from django.http import Http404, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from icalendar import Calendar, Event

from careloop.audit.actions import via_request
from careloop.directory.models import Doctor, MedicalPractice
from careloop.practices.models import Practice, clinicians_of
from careloop.practices.scoping import get_scoped_or_404, in_scope_of
from careloop.web.escaping import escape
from careloop.web.queries import count_of
from careloop.web.records import acting, practice_member_required

from . import leave_behind, messages, prospects, visits
from .models import (
    Activity,
    OutreachMessage,
    OutreachTask,
    OutreachTemplate,
    Stage,
    TaskSource,
    TemplateKind,
    VisitPlan,
    VisitStop,
)
from .ranking import Prospect as Ranked

SHOWN = 100  # rows on the who-to-visit page; the nearest matter, the rest can wait


class VisitNextFilter(forms.Form):
    niche = forms.ChoiceField(label="Niche", required=False)
    radius = forms.IntegerField(label="Radius (km)", required=False, min_value=1, max_value=500)
    stage = forms.ChoiceField(
        label="Stage",
        required=False,
        choices=[("", "Any stage")]
        + [(s.value, s.label) for s in Stage if s != Stage.DO_NOT_CONTACT],
    )
    who = forms.ChoiceField(
        label="Show",
        required=False,
        choices=[
            ("", "Doctors and medical practices"),
            ("medical_practice", "Medical practices"),
            ("doctor", "Doctors"),
        ],
    )

    def __init__(self, *args, niches=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["niche"].choices = [("", "General services (all niches)")] + list(niches)


@practice_member_required
def visit_next(request):
    practice = request.practice
    reach = prospects.reach_of(practice)
    niches = sorted(reach.niche_names.items(), key=lambda item: item[1])
    form = VisitNextFilter(request.GET or None, niches=niches)
    search = prospects.Search()
    if form.is_valid():
        data = form.cleaned_data
        search = prospects.Search(
            niche=data["niche"] or None,
            radius_km=data["radius"],
            stage=data["stage"] or None,
            who=data["who"] or None,
        )
    result = prospects.find_prospects(practice, search, limit=SHOWN, reach=reach)
    return render(
        request,
        "outreach/visit_next.html",
        {
            "form": form,
            "result": result,
            "rows": _visit_rows(result.prospects),
            "total": result.total,
            "shown": SHOWN,
            "tomorrow": timezone.localdate() + timedelta(days=1),
        },
    )


_TENTH = Decimal("0.1")
_ANY_UUID = uuid.UUID(int=0)


# One row of the who-to-visit table. Made in Python, not through the template's tags: a
# hundred rows of twelve values each took 20 ms of the template engine's lookups, escaping
# and localising, more than every query behind them.
_ROW = (
    '<tr><td data-label="Pick"><input type="checkbox" name="{pick}" value="{key}" '
    'id="pick-{key}" aria-label="{pick_label}"></td>'
    '<td data-label="Who"><a href="{url}">{name}</a><br><span class="muted">{about}</span></td>'
    '<td data-label="Distance" class="num">{km} km</td>'
    '<td data-label="Stage">{stage}</td>'
    '<td data-label="Last contact">{last_contact}</td>'
    '<td data-label="Referrals sent" class="num">{referrals_sent}</td>'
    '<td data-label="Your niches that fit">{fits}</td></tr>'
)
_NO_FIT = mark_safe('<span class="muted">—</span>')  # noqa: S308 - a constant


def _visit_rows(rows: list[Ranked]) -> list[SafeString]:
    """The rows of the who-to-visit table, as HTML (every value escaped). Each kind's
    link is reversed once and given each id."""
    links = {
        kind: reverse(f"directory:{kind}_detail", args=[_ANY_UUID])
        for kind in ("doctor", "medical_practice")
    }
    shown: list[SafeString] = []
    for p in rows:
        place = p.kind == "medical_practice"
        fits = (
            ", ".join(p.niches_fit)
            if p.niches_fit
            else ("General services" if p.general_fit else "")
        )
        values = {
            "pick": p.kind,
            "key": p.key,
            "name": p.name,
            "url": links[p.kind].replace(str(_ANY_UUID), str(p.key)),
            "pick_label": f"Add {p.name} to a visit day" if place else f"Write to {p.name}",
            "about": (f"Medical practice, {p.where}" if p.where else "Medical practice")
            if place
            else f"Doctor at {p.where}",
            # As floatformat:1 rounds: half up, from the shortest repr of the float.
            "km": str(Decimal(repr(p.distance_km)).quantize(_TENTH, ROUND_HALF_UP)),
            "stage": Stage(p.stage).label,
            "last_contact": f"{p.last_contact:%d/%m/%Y}" if p.last_contact else "Never",
            "referrals_sent": p.referrals_sent,
            "fits": fits or _NO_FIT,
        }
        row = _ROW.format(**{name: escape(value) for name, value in values.items()})
        shown.append(mark_safe(row))  # noqa: S308 - every value escaped above
    return shown


def _plans(practice):
    return VisitPlan.objects.filter(practice=practice)


@practice_member_required
def plan_list(request):
    plans = (
        _plans(request.practice)
        .select_related("planned_by")
        .annotate(
            stop_count=count_of(VisitStop.objects.all(), "plan"),
            logged_count=count_of(VisitStop.objects.filter(logged_activity__isnull=False), "plan"),
        )
        .order_by("-planned_for", "-pk")[:100]
    )
    # The next steps set while logging visits, until they are done.
    next_steps = (
        OutreachTask.objects.filter(
            practice=request.practice, source=TaskSource.NEXT_STEP, done_at__isnull=True
        )
        .select_related("medical_practice", "doctor", "assigned_to")
        .order_by("due_on", "pk")[:100]
    )
    return render(
        request,
        "outreach/plan_list.html",
        {"plans": plans, "next_steps": next_steps, "today": timezone.localdate()},
    )


@practice_member_required
def plan_create(request):
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    picked = request.POST.getlist("medical_practice")
    try:
        ids = [uuid.UUID(value) for value in picked]
    except ValueError:
        raise Http404 from None
    chosen = list(MedicalPractice.objects.filter(practice=request.practice, uuid__in=ids))
    try:
        day = forms.DateField(required=False).clean(request.POST.get("planned_for"))
    except forms.ValidationError:
        day = None
    day = day or timezone.localdate() + timedelta(days=1)
    if not chosen:
        flash.error(request, "Tick at least one medical practice to plan a visit day.")
        return redirect("outreach:visit_next")
    plan = visits.plan_visit_day(request.practice, chosen, planned_for=day, **acting(request))
    flash.success(request, f"Visit day planned: {len(chosen)} stops in driving order.")
    return redirect("outreach:plan_detail", plan=plan.uuid)


def _plan_with_stops(request, plan):
    doctors = Prefetch(
        "medical_practice__doctors",
        queryset=Doctor.objects.order_by("family_name", "given_name"),
    )
    plan = get_scoped_or_404(
        _plans(request.practice).select_related("planned_by"), request.practice, plan
    )
    stops = list(
        plan.stops.select_related("medical_practice", "logged_activity").prefetch_related(doctors)
    )
    last = {
        row["medical_practice"]: row["last"]
        for row in Activity.objects.filter(
            practice=request.practice, medical_practice__in=[s.medical_practice_id for s in stops]
        )
        .order_by()
        .values("medical_practice")
        .annotate(last=Max("occurred_on"))
    }
    for stop in stops:
        stop.last_contact = last.get(stop.medical_practice_id)
    return plan, stops


class LogVisitForm(forms.Form):
    people_met = forms.CharField(label="Who you met", required=False, max_length=300)
    materials_left = forms.CharField(
        label="What you left", required=False, max_length=300, initial="Leave-behind, cards"
    )
    asked_for_referrals = forms.BooleanField(label="Asked for referrals", required=False)
    next_step = forms.CharField(label="Next step", required=False, max_length=300)
    next_step_due = forms.DateField(
        label="Next step due",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    def clean(self):
        data = super().clean()
        if data.get("next_step") and not data.get("next_step_due"):
            self.add_error("next_step_due", "Give the date the next step is due.")
        if data.get("next_step_due") and not data.get("next_step"):
            self.add_error("next_step", "Say what the next step is, or clear its date.")
        return data


@practice_member_required
def plan_detail(request, plan):
    plan, stops = _plan_with_stops(request, plan)
    for stop in stops:
        stop.form = LogVisitForm(prefix=str(stop.uuid))
    return render(request, "outreach/plan_detail.html", {"plan": plan, "stops": stops})


@practice_member_required
def stop_log(request, plan, stop):
    # Found (or 404) before the method is checked: another practice's ids answer 404
    # whatever the method, as every object URL does.
    plan_obj = get_scoped_or_404(_plans(request.practice), request.practice, plan)
    stop_obj = get_scoped_or_404(
        VisitStop.objects.filter(plan=plan_obj).select_related("medical_practice"),
        request.practice,
        stop,
    )
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    form = LogVisitForm(request.POST, prefix=str(stop_obj.uuid))
    if not form.is_valid():
        plan_obj, stops = _plan_with_stops(request, plan)
        for each in stops:
            each.form = form if each.pk == stop_obj.pk else LogVisitForm(prefix=str(each.uuid))
        return render(
            request, "outreach/plan_detail.html", {"plan": plan_obj, "stops": stops}, status=400
        )
    visits.log_stop_visit(stop_obj, **form.cleaned_data, **acting(request))
    flash.success(request, f"Visit to {stop_obj.medical_practice.name} logged.")
    return redirect(
        reverse("outreach:plan_detail", args=[plan_obj.uuid]) + f"#stop-{stop_obj.uuid}"
    )


@practice_member_required
def run_sheet(request, plan):
    plan, stops = _plan_with_stops(request, plan)
    return render(
        request,
        "outreach/run_sheet.html",
        {"plan": plan, "stops": stops, "practice": request.practice},
    )


@practice_member_required
def plan_ics(request, plan):
    plan, stops = _plan_with_stops(request, plan)
    calendar = Calendar()
    calendar.add("prodid", "-//Careloop//Visit day//EN-AU")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", f"Visits {plan.planned_for:%d/%m/%Y}")
    for stop in stops:
        mp = stop.medical_practice
        event = Event()
        event.add("uid", f"visit-stop-{stop.uuid}@careloop")
        # All-day events in stop order: the time of each visit is the visitor's call.
        event.add("dtstart", plan.planned_for)
        event.add("dtend", plan.planned_for + timedelta(days=1))
        event.add("dtstamp", timezone.now())
        event.add("summary", f"Visit {stop.position}: {mp.name}")
        event.add("location", ", ".join(line for line in mp.postal_lines[1:]))
        doctors = ", ".join(d.display_name for d in mp.doctors.all())
        event.add(
            "description",
            f"Doctors: {doctors or 'none on file'}. Bring the leave-behind and cards."
            + (f" Phone {mp.phone}." if mp.phone else ""),
        )
        calendar.add_component(event)
    response = HttpResponse(calendar.to_ical(), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="visits-{plan.planned_for:%Y-%m-%d}.ics"'
    )
    return response


# Leave-behind


class LeaveBehindForm(forms.Form):
    ideal_clients = forms.CharField(
        label="Who the practice helps best",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="A few lines a GP can read at a glance, e.g. 'Teenagers with anxiety "
        "and school refusal; new parents'.",
    )
    secure_messaging_address = forms.CharField(
        label="Secure-messaging address for referrals", required=False, max_length=120
    )


@practice_member_required
def leave_behind_page(request):
    practice = request.practice
    settings_row = prospects.outreach_settings(practice)
    if request.method == "POST":
        form = LeaveBehindForm(request.POST)
        if form.is_valid():
            leave_behind.save_details(practice, **form.cleaned_data, **acting(request))
            flash.success(request, "Leave-behind details saved.")
            return redirect("outreach:leave_behind")
    else:
        form = LeaveBehindForm(
            initial={
                "ideal_clients": settings_row.ideal_clients,
                "secure_messaging_address": settings_row.secure_messaging_address,
            }
        )
    people = list(clinicians_of(practice))
    return render(
        request,
        "outreach/leave_behind_page.html",
        {
            "form": form,
            "clinicians": people,
            "public_url": request.build_absolute_uri(
                reverse("publicsite:leave_behind", args=[practice.slug])
            ),
        },
    )


def _pdf_response(name: str, pdf: bytes, *, inline: bool = True) -> HttpResponse:
    response = HttpResponse(pdf, content_type="application/pdf")
    kind = "inline" if inline else "attachment"
    response["Content-Disposition"] = f'{kind}; filename="{name}"'
    return response


@practice_member_required
def leave_behind_pdf(request):
    return _pdf_response(*leave_behind.generate_pdf(request.practice))


@practice_member_required
def clinician_leave_behind_pdf(request, clinician):
    person = clinicians_of(request.practice).filter(uuid=clinician).first()
    if person is None:
        raise Http404
    return _pdf_response(*leave_behind.generate_pdf(request.practice, person))


def _practice_of_slug(request, slug):
    return Practice.objects.filter(slug=slug).first()


@login_not_required
@in_scope_of(_practice_of_slug)
def public_leave_behind(request, slug):
    practice = Practice.objects.filter(slug=slug).first()
    if practice is None:
        raise Http404
    return _pdf_response(*leave_behind.generate_pdf(practice))


# Outreach templates and sending


class WordingForm(forms.Form):
    subject = forms.CharField(label="Subject", max_length=200)
    body = forms.CharField(label="Text", widget=forms.Textarea(attrs={"rows": 16}))

    def clean(self):
        data = super().clean()
        for name in ("subject", "body"):
            unknown = messages.unknown_placeholders(data.get(name, ""))
            if unknown:
                self.add_error(
                    name,
                    "Careloop does not know "
                    + ", ".join("{" + u + "}" for u in unknown)
                    + ". Use only the placeholders listed below.",
                )
        return data


@practice_member_required
def template_list(request):
    own = set(
        OutreachTemplate.objects.filter(practice=request.practice).values_list("kind", flat=True)
    )
    kinds = [
        {"kind": k, "label": k.label, "customised": k.value in own} for k in messages.EDITABLE_KINDS
    ]
    return render(request, "outreach/template_list.html", {"kinds": kinds})


def _kind_or_404(kind: str) -> TemplateKind:
    try:
        found = TemplateKind(kind)
    except ValueError:
        raise Http404 from None
    if found not in messages.EDITABLE_KINDS:
        raise Http404
    return found


@practice_member_required
def template_edit(request, kind):
    kind_enum = _kind_or_404(kind)
    practice = request.practice
    if request.method == "POST":
        if "reset" in request.POST:
            messages.reset_wording(practice, kind_enum, **acting(request))
            flash.success(request, f"{kind_enum.label}: back to Careloop's wording.")
            return redirect("outreach:template_edit", kind=kind_enum.value)
        form = WordingForm(request.POST)
        if form.is_valid():
            messages.save_wording(
                practice,
                kind_enum,
                form.cleaned_data["subject"],
                form.cleaned_data["body"],
                **acting(request),
            )
            flash.success(request, f"{kind_enum.label}: your wording is saved.")
            return redirect("outreach:template_list")
    else:
        wording = messages.wording_for(practice, kind_enum)
        form = WordingForm(initial={"subject": wording.subject, "body": wording.body})
    return render(
        request,
        "outreach/template_edit.html",
        {"form": form, "kind": kind_enum, "placeholders": messages.PLACEHOLDERS},
    )


class SendForm(forms.Form):
    kind = forms.ChoiceField(
        label="What to send", choices=[(k.value, k.label) for k in messages.EDITABLE_KINDS]
    )
    batch = forms.UUIDField(widget=forms.HiddenInput)


@practice_member_required
def send_page(request):
    """Pick a template for the doctors ticked on the list; each gets it once per batch
    (the batch key comes with the form, so a resubmitted form sends nothing new)."""
    practice = request.practice
    source = request.POST if request.method == "POST" else request.GET
    try:
        ids = [uuid.UUID(v) for v in source.getlist("doctor")]
    except ValueError:
        raise Http404 from None
    doctors = list(
        Doctor.objects.filter(practice=practice, uuid__in=ids)
        .select_related("outreach_preference")
        .order_by("family_name", "given_name")
    )
    result = None
    if request.method == "POST" and "kind" in request.POST:
        form = SendForm(request.POST)
        if form.is_valid() and doctors:
            result = messages.send_to_doctors(
                practice,
                form.cleaned_data["kind"],
                doctors,
                batch_key=str(form.cleaned_data["batch"]),
                by=request.user,
                via=via_request(request),
            )
    else:
        form = SendForm(initial={"batch": uuid.uuid4(), "kind": TemplateKind.INTRODUCTION})
    preview = None
    if doctors and result is None:
        kind = form["kind"].value() or TemplateKind.INTRODUCTION
        preview = messages.fill(
            messages.wording_for(practice, kind),
            messages.practice_values(practice, request.user),
            doctors[0],
        )
    return render(
        request,
        "outreach/send.html",
        {
            "form": form,
            "doctors": doctors,
            "result": result,
            "preview": preview,
            "printed": [m for m in result.queued if m.channel == "print"] if result else [],
            "batch": form["batch"].value(),
        },
    )


@practice_member_required
def print_letters(request, batch):
    """The printed outreach letters of one send, one per page, to print and post."""
    letters = list(
        OutreachMessage.objects.filter(
            practice=request.practice, batch_key=str(batch), channel="print"
        )
        .select_related("doctor")
        .prefetch_related("doctor__medical_practices")
        .order_by("doctor__family_name", "doctor__given_name", "pk")
    )
    if not letters:
        raise Http404
    for letter in letters:
        places = list(letter.doctor.medical_practices.all())
        letter.address = places[0].postal_lines if places else []
    return render(
        request,
        "outreach/print_letters.html",
        {"letters": letters, "practice": request.practice, "today": timezone.localdate()},
    )
