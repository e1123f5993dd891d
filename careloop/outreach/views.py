"""Staff pages of doctor relationships: a doctor's and a medical practice's
relationship, logging a contact, preferences and do-not-contact, the task list,
events, openings, the routine's settings, and the personal calendar feed."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache

from careloop.directory.models import (
    Doctor,
    MedicalPractice,
    doctor_name,
    medical_practice_name,
)
from careloop.letters.models import Feedback, Letter, LetterStatus
from careloop.practices.models import ClinicianProfile, Niche, User, clinicians_of
from careloop.practices.scoping import get_scoped_or_404, in_scope_of, scoped_or_none
from careloop.referrals.models import Referral, TriageStatus
from careloop.web.links import uuid_link
from careloop.web.records import acting, practice_member_required, unpack

from . import actions, calendar
from .chart import monthly_counts, referrals_svg
from .forms import (
    FIELDS_BY_KIND,
    ChannelForm,
    DoctorPreferenceForm,
    DoNotContactForm,
    EventForm,
    OpeningsForm,
    SettingsForm,
    SnoozeForm,
    activity_form,
)
from .models import (
    LOGGABLE_KINDS,
    Activity,
    ActivityKind,
    CalendarFeed,
    DoctorPreference,
    MedicalPracticePreference,
    NicheReach,
    OutreachEvent,
    OutreachTask,
    TalkStatus,
    TaskSource,
    TrainingStatus,
)
from .relationships import open_tasks as _open_tasks
from .relationships import stage_facts
from .stages import Contacts, stage_of

CHART_MONTHS = 36

SEEN = (TriageStatus.ACTIVE, TriageStatus.DISCHARGED)


def _outcomes(referrals) -> list[tuple[str, int]]:
    """How their referrals ended: seen, declined, not contactable, still open."""
    counts: Counter[str] = Counter()
    for referral in referrals:
        if referral["status"] in SEEN or referral["first_seen_at"]:
            counts["Seen"] += 1
        elif referral["status"] == TriageStatus.DECLINED:
            counts["Declined"] += 1
        elif referral["status"] == TriageStatus.UNABLE_TO_CONTACT:
            counts["Could not contact the client"] += 1
        else:
            counts["Still in progress"] += 1
    order = ["Seen", "Declined", "Could not contact the client", "Still in progress"]
    return [(label, counts[label]) for label in order if counts[label]]


# A relationship's page shows every contact, referral and letter, years of them for a
# busy medical practice: they are read as plain values (activities, referrals) and each
# timeline line's words are put together here, so the template looks up a few keys per
# line. Models, and a template asking each of them a dozen questions, took 25 ms for the
# 150 lines of a medical practice of 16 doctors.

ACTIVITY_VALUES = (
    "id",
    "kind",
    "occurred_on",
    "doctor_id",
    "doctor__title",
    "doctor__given_name",
    "doctor__family_name",
    "event_id",
    "event__name",
    "topic",
    "training_status",
    "people_met",
    "materials_left",
    "asked_for_referrals",
    "summary",
    "next_step",
    "next_step_due",
    "logged_by_id",
    "logged_by__full_name",
)

REFERRAL_VALUES = (
    "uuid",
    "referral_date",
    "status",
    "first_seen_at",
    "referring_doctor_id",
    "client__given_name",
    "client__family_name",
    "referring_doctor__title",
    "referring_doctor__given_name",
    "referring_doctor__family_name",
)


KIND_LABELS = dict(ActivityKind.choices)
TRAINING_LABELS = dict(TrainingStatus.choices)

# Every key a timeline line has: a key missing from a line costs the template three
# exceptions to find it is not there.
NO_LINE = {
    "text": "",
    "url": "",
    "link": "",
    "tail": "",
    "summary": "",
    "next_step": "",
    "by": None,
}


def _activity_line(a: dict, *, with_doctor: bool) -> dict:
    text = ""
    if with_doctor and a["doctor_id"]:
        doctor = doctor_name(a["doctor__title"], a["doctor__given_name"], a["doctor__family_name"])
        text += f" with {doctor}"
    if a["event_id"]:
        text += f" at {a['event__name']}"
    if a["topic"]:
        text += f": {a['topic']}"
    if a["training_status"]:
        status = TRAINING_LABELS.get(a["training_status"], a["training_status"])
        text += f" ({status.lower()})"
    if a["people_met"]:
        text += f"; met {a['people_met']}"
    if a["materials_left"]:
        text += f"; left {a['materials_left']}"
    if a["asked_for_referrals"]:
        text += "; asked for referrals"
    next_step = ""
    if a["next_step"]:
        next_step = f"Next step: {a['next_step']}"
        if a["next_step_due"]:
            next_step += f" by {a['next_step_due']:%d/%m/%Y}"
    return {
        **NO_LINE,
        "on": a["occurred_on"],
        "what": KIND_LABELS.get(a["kind"], a["kind"]),
        "text": text,
        "summary": a["summary"],
        "next_step": next_step,
        "by": a["logged_by__full_name"] if a["logged_by_id"] else None,
    }


def _timeline(activities, referrals, letters, *, with_doctor: bool) -> list[dict]:
    """Every contact, referral and sent letter, newest first. `with_doctor`: each line
    says which doctor (a medical practice's page)."""
    entries = [
        _activity_line(a, with_doctor=with_doctor)
        for a in activities
        if a["kind"] != ActivityKind.REFERRAL
    ]
    referral_url = uuid_link("referrals:detail")
    statuses = dict(TriageStatus.choices)
    for r in referrals:
        tail = f" · {statuses.get(r['status'], r['status'])}"
        if with_doctor:
            tail = f" from {r['doctor']}{tail}"
        entries.append(
            {
                **NO_LINE,
                "on": r["referral_date"],
                "what": "Referral received",
                "url": referral_url(r["uuid"]),
                "link": f"{r['client__given_name']} {r['client__family_name']}",
                "tail": tail,
            }
        )
    for letter in letters:
        if letter.signed_at:
            entries.append(
                {
                    **NO_LINE,
                    "on": letter.signed_at.date(),
                    "what": "Letter sent",
                    "url": letter.get_absolute_url(),
                    "link": f"{letter.kind_info.title} about {letter.client.full_name}",
                    "tail": f" to {letter.doctor}" if with_doctor else "",
                }
            )
    entries.sort(key=lambda e: e["on"], reverse=True)
    for entry in entries:
        entry["day"] = f"{entry['on']:%d/%m/%Y}"
    return entries


def _contacts(activities) -> Contacts:
    contacts = Contacts()
    for a in activities:
        if a["kind"] != ActivityKind.REFERRAL:
            contacts.add(a["occurred_on"], a["kind"], a["logged_by_id"])
    return contacts


def _activities(practice):
    return (
        Activity.objects.for_practice(practice)
        .order_by("-occurred_on", "-pk")
        .values(*ACTIVITY_VALUES)
    )


def _referrals(practice, **condition) -> list[dict]:
    """A relationship's referrals, newest first, as plain values with the doctor's
    name ("doctor")."""
    rows = list(
        Referral.objects.for_practice(practice)
        .filter(**condition)
        .order_by("-referral_date", "-pk")
        .values(*REFERRAL_VALUES)
    )
    for r in rows:
        r["doctor"] = doctor_name(
            r["referring_doctor__title"] or "",
            r["referring_doctor__given_name"] or "",
            r["referring_doctor__family_name"] or "",
        )
    return rows


def _relationship_context(
    request, *, who, referrals, activities, letters, feedback, tasks, pref, with_doctor=False
):
    today = request.practice.today()
    dates = [r["referral_date"] for r in referrals]
    verdict = stage_of(stage_facts(today, dates, _contacts(activities), pref))
    counts = monthly_counts(dates, today=today, months=CHART_MONTHS)
    return {
        "verdict": verdict,
        "preference": pref,
        "timeline": _timeline(activities, referrals, letters, with_doctor=with_doctor),
        "chart": referrals_svg(counts, chart_id="referrals-chart", who=who),
        "counts": [(month, n) for month, n in counts if n],
        "chart_months": CHART_MONTHS,
        "outcomes": _outcomes(referrals),
        "referral_total": len(referrals),
        "letters_owed": [letter for letter in letters if letter.status == LetterStatus.DRAFT],
        "feedback": feedback,
        "tasks": tasks,
        "next_task": tasks[0] if tasks else None,
        "kinds": LOGGABLE_KINDS,
        "today": today,
    }


@practice_member_required
def doctor_relationship(request, doctor):
    practice = request.practice
    doctor = get_scoped_or_404(
        Doctor.objects.prefetch_related("medical_practices"), practice, doctor
    )
    referrals = _referrals(practice, referring_doctor=doctor)
    activities = list(_activities(practice).filter(doctor=doctor))
    letters = list(
        Letter.objects.for_practice(practice)
        .filter(doctor=doctor)
        .exclude(status=LetterStatus.CANCELLED)
        .select_related("client")
        .order_by("-created_at")
    )
    feedback = list(
        Feedback.objects.for_practice(practice)
        .filter(doctor=doctor)
        .select_related("letter__client")
        .order_by("-created_at")[:20]
    )
    tasks = list(_open_tasks(practice).filter(doctor=doctor))
    pref = (
        DoctorPreference.objects.for_practice(practice)
        .select_related("do_not_contact_set_by")
        .filter(doctor=doctor)
        .first()
    )
    context = _relationship_context(
        request,
        who=doctor.display_name,
        referrals=referrals,
        activities=activities,
        letters=letters,
        feedback=feedback,
        tasks=tasks,
        pref=pref,
    )
    context.update({"doctor": doctor, "subject": doctor, "subject_name": doctor.display_name})
    return render(request, "outreach/relationship.html", context)


@practice_member_required
def medical_practice_relationship(request, medical_practice):
    practice = request.practice
    medical_practice = get_scoped_or_404(MedicalPractice.objects.all(), practice, medical_practice)
    doctors = list(medical_practice.doctors.order_by("family_name", "given_name"))
    doctor_ids = [d.pk for d in doctors]
    referrals = _referrals(practice, referring_doctor_id__in=doctor_ids)
    # Two queries, each through its own index (practice and medical practice; practice
    # and doctor): asked for either at once, SQLite walks the practice's every activity.
    at_practice = _activities(practice).filter(medical_practice=medical_practice)
    with_doctors = _activities(practice).filter(doctor_id__in=doctor_ids)
    activities = sorted(
        {a["id"]: a for a in [*at_practice, *with_doctors]}.values(),
        key=lambda a: (a["occurred_on"], a["id"]),
        reverse=True,
    )
    letters = list(
        Letter.objects.for_practice(practice)
        .filter(doctor_id__in=doctor_ids)
        .exclude(status=LetterStatus.CANCELLED)
        .select_related("client", "doctor")
        .order_by("-created_at")
    )
    feedback = list(
        Feedback.objects.for_practice(practice)
        .filter(doctor_id__in=doctor_ids)
        .select_related("letter__client", "doctor")
        .order_by("-created_at")[:20]
    )
    tasks = list(
        _open_tasks(practice).filter(
            Q(medical_practice=medical_practice) | Q(doctor_id__in=doctor_ids)
        )
    )
    pref = (
        MedicalPracticePreference.objects.for_practice(practice)
        .select_related("do_not_contact_set_by")
        .filter(medical_practice=medical_practice)
        .first()
    )
    context = _relationship_context(
        request,
        who=medical_practice.name,
        referrals=referrals,
        activities=activities,
        letters=letters,
        feedback=feedback,
        tasks=tasks,
        pref=pref,
        with_doctor=True,
    )
    # Each doctor's own stage, from the rows already loaded.
    doctor_prefs = {
        p.doctor_id: p
        for p in DoctorPreference.objects.for_practice(practice)
        .select_related("do_not_contact_set_by")
        .filter(doctor_id__in=doctor_ids)
    }
    dates_by_doctor = defaultdict(list)
    for r in referrals:
        dates_by_doctor[r["referring_doctor_id"]].append(r["referral_date"])
    acts_by_doctor = defaultdict(list)
    for a in activities:
        if a["doctor_id"]:
            acts_by_doctor[a["doctor_id"]].append(a)
    today = context["today"]
    context["doctor_rows"] = [
        {
            "doctor": d,
            "verdict": stage_of(
                stage_facts(
                    today,
                    dates_by_doctor[d.pk],
                    _contacts(acts_by_doctor[d.pk]),
                    doctor_prefs.get(d.pk),
                )
            ),
            "referrals": len(dates_by_doctor[d.pk]),
        }
        for d in doctors
    ]
    context.update(
        {
            "medical_practice": medical_practice,
            "subject": medical_practice,
            "subject_name": medical_practice.name,
        }
    )
    return render(request, "outreach/relationship.html", context)


# Logging a contact -----------------------------------------------------------------


def _kind_from(request, task: OutreachTask | None) -> str:
    kind = request.GET.get("kind") or request.POST.get("kind") or ""
    if kind in FIELDS_BY_KIND:
        return kind
    if task is not None and task.source == TaskSource.CADENCE_THANK_YOU:
        return ActivityKind.EMAIL
    return ActivityKind.PHONE_CALL if task is not None else ActivityKind.VISIT


def _log_view(request, *, doctor=None, medical_practice=None):
    practice = request.practice
    task = scoped_or_none(OutreachTask.objects.all(), practice, request.GET.get("task"))
    kind = _kind_from(request, task)
    form_class = activity_form(kind)
    doctors = None
    if medical_practice is not None:
        doctors = medical_practice.doctors.order_by("family_name", "given_name")
    subject = doctor or medical_practice
    back = reverse(
        "outreach:doctor" if doctor else "outreach:medical_practice", args=[subject.uuid]
    )
    if request.method == "POST":
        form = form_class(request.POST, practice=practice, doctors=doctors)
        if form.is_valid():
            activity, _, m2m = unpack(form)
            activity.kind = kind
            activity.doctor = doctor or form.cleaned_data.get("doctor")
            activity.medical_practice = medical_practice
            try:
                actions.log_activity(
                    activity,
                    practice=practice,
                    staff=m2m.get("staff", ()),
                    niches_explained=m2m.get("niches_explained", ()),
                    completes=task,
                    **acting(request),
                )
            except actions.OutreachError as error:
                form.add_error(None, str(error))
            else:
                messages.success(request, f"{activity.get_kind_display()} logged.")
                if task is not None:
                    return redirect("outreach:tasks")
                return redirect(back)
    else:
        initial = {"occurred_on": practice.today()}
        if "staff" in form_class.base_fields:
            initial["staff"] = [request.user.pk]
        form = form_class(practice=practice, doctors=doctors, initial=initial)
    return render(
        request,
        "outreach/log_form.html",
        {
            "form": form,
            "kind": kind,
            "kind_label": ActivityKind(kind).label,
            "kinds": LOGGABLE_KINDS,
            "subject": subject,
            "task": task,
            "cancel_url": back,
            "title": f"Log a contact with {subject}",
        },
        status=400 if form.errors else 200,
    )


@practice_member_required
def log_doctor_activity(request, doctor):
    doctor = get_scoped_or_404(Doctor.objects.all(), request.practice, doctor)
    return _log_view(request, doctor=doctor)


@practice_member_required
def log_medical_practice_activity(request, medical_practice):
    medical_practice = get_scoped_or_404(
        MedicalPractice.objects.all(), request.practice, medical_practice
    )
    return _log_view(request, medical_practice=medical_practice)


# Preferences and do-not-contact ----------------------------------------------------


@practice_member_required
def doctor_preferences(request, doctor):
    practice = request.practice
    doctor = get_scoped_or_404(Doctor.objects.all(), practice, doctor)
    pref = actions.doctor_preference(doctor)
    back = reverse("outreach:doctor", args=[doctor.uuid])
    if request.method == "POST":
        form = DoctorPreferenceForm(request.POST, instance=pref, practice=practice)
        channel = ChannelForm(request.POST, instance=doctor, practice=practice)
        if form.is_valid() and channel.is_valid():
            actions.save_preferences(
                form.save(commit=False), changed_fields=form.changed_data, **acting(request)
            )
            if channel.changed_data:
                actions.save_preferences(
                    pref, changed_fields=["letters channel"], **acting(request)
                )
                channel.save()
            messages.success(request, f"Preferences of {doctor} saved.")
            return redirect(back)
    else:
        form = DoctorPreferenceForm(instance=pref, practice=practice)
        channel = ChannelForm(instance=doctor, practice=practice)
    return render(
        request,
        "outreach/preferences_form.html",
        {
            "forms": [channel, form],
            "form": form,
            "title": f"How {doctor} wants to hear from us",
            "cancel_url": back,
        },
        status=400 if form.errors or channel.errors else 200,
    )


def _do_not_contact_view(request, pref, subject, back):
    if request.method == "POST":
        if request.POST.get("clear"):
            actions.clear_do_not_contact(pref, **acting(request))
            messages.success(request, f"{subject} may be contacted again.")
            return redirect(back)
        form = DoNotContactForm(request.POST)
        if form.is_valid():
            actions.set_do_not_contact(pref, reason=form.cleaned_data["reason"], **acting(request))
            messages.success(request, f"{subject} will not be contacted.")
            return redirect(back)
    else:
        form = DoNotContactForm()
    return render(
        request,
        "outreach/do_not_contact_form.html",
        {
            "form": form,
            "preference": pref,
            "subject": subject,
            "title": f"Do not contact {subject}",
            "cancel_url": back,
        },
        status=400 if form.errors else 200,
    )


@practice_member_required
def doctor_do_not_contact(request, doctor):
    doctor = get_scoped_or_404(Doctor.objects.all(), request.practice, doctor)
    return _do_not_contact_view(
        request,
        actions.doctor_preference(doctor),
        doctor,
        reverse("outreach:doctor", args=[doctor.uuid]),
    )


@practice_member_required
def medical_practice_do_not_contact(request, medical_practice):
    medical_practice = get_scoped_or_404(
        MedicalPractice.objects.all(), request.practice, medical_practice
    )
    return _do_not_contact_view(
        request,
        actions.medical_practice_preference(medical_practice),
        medical_practice,
        reverse("outreach:medical_practice", args=[medical_practice.uuid]),
    )


# Tasks -----------------------------------------------------------------------------

TASK_LIMIT = 200


@dataclass(frozen=True)
class TaskRow:
    """One open task as the task list shows it. The list shows up to TASK_LIMIT, so
    it reads their shown columns as plain values and writes their links from one
    reversal per route (web/links.py): 200 tasks as models, with their doctor,
    medical practice and person, and 600 reversals took 30 ms."""

    uuid: UUID
    title: str
    source: str
    due_on: date
    snoozed_until: date | None
    snooze_reason: str
    with_name: str
    with_url: str
    assigned_to: str
    done_url: str
    snooze_url: str


def _task_rows(tasks, limit: int) -> list[TaskRow]:
    doctor_url = uuid_link("outreach:doctor")
    medical_practice_url = uuid_link("outreach:medical_practice")
    done_url = uuid_link("outreach:task_done")
    snooze_url = uuid_link("outreach:task_snooze")
    sources = dict(TaskSource.choices)
    rows = []
    for task in tasks.values(
        "uuid",
        "title",
        "source",
        "due_on",
        "snoozed_until",
        "snooze_reason",
        "doctor__uuid",
        "doctor__title",
        "doctor__given_name",
        "doctor__family_name",
        "medical_practice__uuid",
        "medical_practice__name",
        "medical_practice__suburb",
        "assigned_to__full_name",
    )[:limit]:
        if task["doctor__uuid"]:
            with_name = doctor_name(
                task["doctor__title"], task["doctor__given_name"], task["doctor__family_name"]
            )
            with_url = doctor_url(task["doctor__uuid"])
        elif task["medical_practice__uuid"]:
            with_name = medical_practice_name(
                task["medical_practice__name"], task["medical_practice__suburb"]
            )
            with_url = medical_practice_url(task["medical_practice__uuid"])
        else:
            with_name = with_url = ""
        rows.append(
            TaskRow(
                uuid=task["uuid"],
                title=task["title"],
                source=sources.get(task["source"], task["source"]),
                due_on=task["due_on"],
                snoozed_until=task["snoozed_until"],
                snooze_reason=task["snooze_reason"],
                with_name=with_name,
                with_url=with_url,
                assigned_to=task["assigned_to__full_name"] or "",
                done_url=done_url(task["uuid"]),
                snooze_url=snooze_url(task["uuid"]),
            )
        )
    return rows


@practice_member_required
def task_list(request):
    practice = request.practice
    today = practice.today()
    whose = request.GET.get("whose", "mine")
    tasks = _open_tasks(practice)
    if whose != "everyone":
        whose = "mine"
        tasks = tasks.filter(assigned_to=request.user)
    rows = _task_rows(tasks, TASK_LIMIT)
    due = [t for t in rows if not (t.snoozed_until and t.snoozed_until > today)]
    snoozed = [t for t in rows if t.snoozed_until and t.snoozed_until > today]
    return render(
        request,
        "outreach/tasks.html",
        {
            "due": due,
            "snoozed": snoozed,
            "whose": whose,
            "today": today,
            "week_end": today + timedelta(days=7),
            "limited": len(rows) == TASK_LIMIT,
        },
    )


@practice_member_required
def task_snooze(request, task):
    task = get_scoped_or_404(
        OutreachTask.objects.select_related("doctor", "medical_practice", "practice"),
        request.practice,
        task,
    )
    if task.done_at:
        raise Http404
    if request.method == "POST":
        form = SnoozeForm(request.POST)
        if form.is_valid():
            try:
                actions.snooze_task(
                    task,
                    until=form.cleaned_data["until"],
                    reason=form.cleaned_data["reason"],
                    **acting(request),
                )
            except actions.OutreachError as error:
                form.add_error("until", str(error))
            else:
                messages.success(request, f"Snoozed until {task.snoozed_until:%d/%m/%Y}.")
                return redirect("outreach:tasks")
    else:
        form = SnoozeForm(initial={"until": request.practice.today() + timedelta(days=7)})
    return render(
        request,
        "outreach/simple_form.html",
        {
            "form": form,
            "title": f"Snooze: {task.title}",
            "cancel_url": reverse("outreach:tasks"),
        },
        status=400 if form.errors else 200,
    )


@practice_member_required
def task_done(request, task):
    """Done is done by logging the contact: off to the log form with the task."""
    task = get_scoped_or_404(OutreachTask.objects.all(), request.practice, task)
    if task.doctor_id:
        url = reverse("outreach:log_doctor", args=[task.doctor.uuid])
    elif task.medical_practice_id:
        url = reverse("outreach:log_medical_practice", args=[task.medical_practice.uuid])
    else:
        raise Http404
    return redirect(f"{url}?task={task.uuid}")


# Events ----------------------------------------------------------------------------


@practice_member_required
def event_list(request):
    events = list(
        OutreachEvent.objects.for_practice(request.practice)
        .prefetch_related("niches")
        .order_by("-starts_on", "-pk")[:200]
    )
    today = request.practice.today()
    return render(
        request,
        "outreach/events.html",
        {
            "upcoming": [e for e in events if (e.ends_on or e.starts_on) >= today][::-1],
            "past": [e for e in events if (e.ends_on or e.starts_on) < today],
            "talk_statuses": TalkStatus,
        },
    )


def _event_form(request, event):
    practice = request.practice
    if request.method == "POST":
        form = EventForm(request.POST, instance=event, practice=practice)
        if form.is_valid():
            obj, changed, m2m = unpack(form)
            actions.save_event(
                obj,
                practice=practice,
                niches=m2m.get("niches"),
                changed_fields=changed,
                **acting(request),
            )
            messages.success(request, f"{obj} saved.")
            return redirect("outreach:events")
    else:
        form = EventForm(instance=event, practice=practice)
    met = []
    if event is not None:
        met = list(
            Activity.objects.for_practice(practice)
            .filter(event=event)
            .select_related("doctor", "medical_practice")
            .order_by("-occurred_on")
        )
    return render(
        request,
        "outreach/event_form.html",
        {
            "form": form,
            "event": event,
            "met": met,
            "title": f"Edit {event}" if event else "Add an event",
            "cancel_url": reverse("outreach:events"),
        },
        status=400 if form.errors else 200,
    )


@practice_member_required
def event_create(request):
    return _event_form(request, None)


@practice_member_required
def event_edit(request, event):
    event = get_scoped_or_404(OutreachEvent.objects.all(), request.practice, event)
    return _event_form(request, event)


@practice_member_required
def event_delete(request, event):
    # Found first: another practice's event is a 404 whatever the method.
    event = get_scoped_or_404(OutreachEvent.objects.all(), request.practice, event)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    actions.delete_event(event, **acting(request))
    messages.success(request, f"{event} deleted.")
    return redirect("outreach:events")


# Openings --------------------------------------------------------------------------


@practice_member_required
def openings(request):
    profiles = list(
        ClinicianProfile.objects.filter(user__in=clinicians_of(request.practice))
        .select_related("user")
        .prefetch_related("niches")
        .order_by("user__full_name")
    )
    return render(
        request,
        "outreach/openings.html",
        {
            "profiles": profiles,
            "editable": {p.pk for p in profiles if actions.may_update_openings(request.user, p)},
        },
    )


@practice_member_required
def openings_edit(request, user):
    member = get_scoped_or_404(User.objects.all(), request.practice, user)
    profile = ClinicianProfile.objects.filter(user=member).first()
    if profile is None:
        raise Http404
    if not actions.may_update_openings(request.user, profile):
        raise PermissionDenied("Only the clinician or the practice owner can change this.")
    if request.method == "POST":
        form = OpeningsForm(request.POST)
        if form.is_valid():
            actions.update_openings(profile, **form.cleaned_data, **acting(request))
            messages.success(request, "Openings saved.")
            return redirect("outreach:openings")
    else:
        form = OpeningsForm(
            initial={
                "accepting_referrals": profile.accepting_referrals,
                "urgent_slots_this_week": profile.urgent_slots_this_week,
                "current_wait_days": profile.current_wait_days,
                "niches": list(profile.niches.all()),
            }
        )
    return render(
        request,
        "outreach/simple_form.html",
        {
            "form": form,
            "title": f"Openings of {member.get_full_name()}",
            "cancel_url": reverse("outreach:openings"),
        },
        status=400 if form.errors else 200,
    )


# The routine's settings ------------------------------------------------------------


@practice_member_required
def outreach_settings(request):
    if not request.user.is_owner:
        raise PermissionDenied("Only the practice owner can change the outreach routine.")
    practice = request.practice
    settings = actions.outreach_settings(practice)
    niches = list(practice.niches.order_by("name")) or list(Niche.objects.order_by("name"))
    reaches = dict(NicheReach.objects.for_practice(practice).values_list("niche_id", "radius_km"))
    if request.method == "POST":
        form = SettingsForm(
            request.POST, instance=settings, practice=practice, niches=niches, reaches=reaches
        )
        if form.is_valid():
            actions.save_settings(
                form.save(commit=False),
                reaches=form.reaches(),
                changed_fields=form.changed_data,
                **acting(request),
            )
            messages.success(request, "Outreach routine saved.")
            return redirect("outreach:settings")
    else:
        form = SettingsForm(instance=settings, practice=practice, niches=niches, reaches=reaches)
    return render(
        request,
        "outreach/simple_form.html",
        {
            "form": form,
            "title": "Outreach routine",
            "intro": "How often doctors hear from the practice, and how far to look for them.",
            "cancel_url": reverse("outreach:tasks"),
        },
        status=400 if form.errors else 200,
    )


# Calendar feed ---------------------------------------------------------------------


@practice_member_required
def calendar_feed_settings(request):
    if request.method == "POST":
        if request.POST.get("action") == "revoke":
            actions.revoke_feed(request.user, **acting(request))
            messages.success(
                request, "Your calendar feed is stopped; the old address no longer works."
            )
        else:
            actions.new_feed(request.user, **acting(request))
            messages.success(request, "Your calendar feed has a new address.")
        return redirect("outreach:calendar")
    feed = actions.active_feed(request.user)
    url = (
        request.build_absolute_uri(reverse("outreach:calendar_feed", args=[feed.token]))
        if feed
        else ""
    )
    return render(request, "outreach/calendar.html", {"feed": feed, "feed_url": url})


def _feed_practice(request, token):
    feed = (
        CalendarFeed.objects.filter(token=token, revoked_at__isnull=True)
        .select_related("practice")
        .first()
    )
    return feed.practice if feed else None


@login_not_required
@never_cache
@in_scope_of(_feed_practice)
def calendar_feed(request, token):
    """The personal feed a calendar app subscribes to: the token is the only key, so
    a wrong or revoked one answers 404 like any missing page."""
    feed = (
        CalendarFeed.objects.filter(token=token, revoked_at__isnull=True)
        .select_related("user", "practice")
        .first()
    )
    if feed is None or not feed.user.is_active or feed.user.practice_id != feed.practice_id:
        raise Http404
    body = calendar.feed_for(feed, base_url=request.build_absolute_uri("/"))
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="careloop-outreach.ics"'
    return response
