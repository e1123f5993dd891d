from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.db.models import F, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.http import FileResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone

from careloop.clients.models import Client
from careloop.consent.models import Scope
from careloop.consent.queries import current_consent_exists
from careloop.consent.rules import covering_consent
from careloop.directory.models import Doctor
from careloop.lib.business_days import business_days_between
from careloop.practices.scoping import get_scoped_or_404, scoped_or_none
from careloop.therapy.entitlements import evaluate_client
from careloop.therapy.models import SessionStatus, TherapySession
from careloop.web.lists import ORDER_WORDS, TIME_WORDS, PracticeListView
from careloop.web.queries import count_of
from careloop.web.records import (
    acting,
    audit_view,
    practice_member_required,
    record_form_view,
    unpack,
)

from . import actions, triage
from .filters import ReferralFilter
from .forms import (
    AcknowledgeForm,
    AssignForm,
    ClarificationForm,
    ContactAttemptForm,
    LetterUploadForm,
    ReferralForm,
    StatusForm,
)
from .intake import IncomingDocument, IncomingReferral, take_in
from .models import (
    OPEN_STATUSES,
    ClarificationRequest,
    Referral,
    ReferralDocument,
    ReferralSource,
    TriageStatus,
)
from .validity import facts_of, missing_items

# Uploaded letters waiting to be typed, shown atop the inbox's first page.
UNTYPED_SHOWN = 25


class ReferralListView(PracticeListView):
    """The referral inbox: open referrals, most overdue first; or all of them."""

    model = Referral
    filterset_class = ReferralFilter
    list_title = "Referral inbox"
    create_url_name = "referrals:create"
    create_label = "Type a referral"
    rows_template_name = "referrals/referral_rows.html"
    template_name = "referrals/inbox.html"

    def get_page_words(self) -> dict[str, str]:
        # The open view goes from the most overdue; the others from the newest.
        return ORDER_WORDS if self.request.GET.get("view", "open") == "open" else TIME_WORDS

    def get_queryset(self):
        queryset = super().get_queryset()
        view = self.request.GET.get("view", "open")
        if view == "open":
            # Most overdue first: the earliest unmet deadline, then the oldest.
            queryset = queryset.filter(status__in=OPEN_STATUSES).order_by(
                F("next_due_at").asc(nulls_last=True), "received_at", "pk"
            )
        elif view == "closed":
            queryset = queryset.exclude(status__in=OPEN_STATUSES)
        return queryset

    def decorate(self, queryset):
        return queryset.select_related("client", "referring_doctor", "assigned_clinician").annotate(
            attended_count=count_of(
                TherapySession._base_manager.filter(status=SessionStatus.ATTENDED), "referral"
            ),
            document_count=count_of(ReferralDocument._base_manager.all(), "referral"),
            next_session_at=Subquery(
                TherapySession._base_manager.filter(
                    referral=OuterRef("pk"),
                    status=SessionStatus.BOOKED,
                    starts_at__gte=timezone.now(),
                )
                .order_by("starts_at")
                .values("starts_at")[:1]
            ),
            consent_recorded=current_consent_exists(),
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        practice = self.request.practice
        now = timezone.now()
        today = practice.today()
        for referral in context["object_list"]:
            referral.missing = missing_items(facts_of(referral))
            referral.age_days = business_days_between(
                timezone.localtime(referral.received_at, practice.zoneinfo).date(),
                today,
                practice.state,
            )
            referral.overdue = referral.next_due_at is not None and referral.next_due_at < now
            facts = actions.clock_facts(
                referral, referral.next_session_at, referral.consent_recorded
            )
            steps = triage.next_steps(facts, actions.targets_for(practice))
            referral.next_step = steps[0] if steps else None
        context["view"] = self.request.GET.get("view", "open")
        context["views"] = [("open", "Open"), ("all", "All"), ("closed", "Closed")]
        self.more_untyped = False
        context["untyped_letters"] = self._untyped_letters(context["view"], now, today)
        context["more_untyped"] = self.more_untyped
        return context

    def _untyped_letters(self, view, now, today) -> list[ReferralDocument]:
        """Uploaded letters nobody has typed yet: they come first, on the first page of
        the open and all views, when no filter is set (a letter has no client, status
        or doctor to filter by until it is typed)."""
        params = self.request.GET
        filtered = any(value for key, value in params.items() if key not in ("view", "page"))
        if view == "closed" or filtered or params.get("page", "1") != "1":
            return []
        practice = self.request.practice
        targets = actions.targets_for(practice)
        # Rows for the page: each letter carries its age and next step as attributes.
        # The oldest first (their deadlines follow their arrival), and a page of them:
        # a backlog of scans must not load whole into every view of the inbox.
        letters: list[Any] = list(
            ReferralDocument.objects.for_practice(practice)
            .filter(referral__isnull=True)
            .select_related("uploaded_by")
            .order_by(Coalesce("received_at", "created_at"), "pk")[: UNTYPED_SHOWN + 1]
        )
        self.more_untyped = len(letters) > UNTYPED_SHOWN
        letters = letters[:UNTYPED_SHOWN]
        for letter in letters:
            letter.age_days = business_days_between(
                timezone.localtime(letter.arrived_at, practice.zoneinfo).date(),
                today,
                practice.state,
            )
            letter.next_step = triage.untyped_letter_step(letter.arrived_at, targets)
            letter.overdue = letter.next_step.due_at < now
        return sorted(letters, key=lambda letter: (letter.next_step.due_at, letter.pk))


def _referral_queryset():
    return Referral.objects.select_related(
        "client",
        "referring_doctor",
        "assigned_clinician",
        "preferred_clinician",
        "preferred_niche",
        "practice",
    )


@practice_member_required
def referral_detail(request, referral):
    referral = get_scoped_or_404(_referral_queryset(), request.practice, referral)
    audit_view(request, referral, client=referral.client)
    return render(request, "referrals/referral_detail.html", _detail_context(request, referral))


def _detail_context(request, referral, **forms):
    practice = request.practice
    sessions = list(referral.sessions.select_related("clinician").order_by("starts_at"))
    now = timezone.now()
    first_booked = next(
        (s.starts_at for s in sessions if s.status == "booked" and s.starts_at >= now), None
    )
    # Every count here is the entitlement engine's: it draws each attended session from
    # the earliest referral with sessions left, which may not be the one it was booked
    # under, and the page says so either way.
    entitlement = evaluate_client(referral.client)
    course = entitlement.course_row(referral)
    for session in sessions:
        session.drawn_elsewhere = entitlement.drawn_elsewhere(session)
    booked_elsewhere = [
        s for s in entitlement.course_sessions(referral) if s.referral_id != referral.pk
    ]
    referrals_by_pk = {r.pk: r for r in entitlement.referrals.values()}
    for session in booked_elsewhere:
        session.booked_under = referrals_by_pk.get(session.referral_id)
    consent_recorded = referral.referring_doctor is not None and (
        covering_consent(referral.client, referral.referring_doctor, Scope.STATUS) is not None
    )
    steps = triage.next_steps(
        actions.clock_facts(referral, first_booked, consent_recorded),
        actions.targets_for(practice),
    )
    return {
        "referral": referral,
        "client": referral.client,
        "sessions": sessions,
        "documents": referral.documents.all(),
        "events": referral.events.select_related("by"),
        "clarifications": referral.clarifications.all(),
        "missing": missing_items(facts_of(referral)),
        "next_steps": steps,
        "consent_recorded": consent_recorded,
        "missing_signature_only_needs_a_look": not referral.letter_signed
        and referral.documents.exists(),
        "now": now,
        "course": course,
        "drawn_here_booked_elsewhere": booked_elsewhere,
        **_last_days(
            triage.deadlines(actions.clock_facts(referral), actions.targets_for(practice))
        ),
        "possible_duplicate": referral.client.possible_duplicate_of,
        "status_choices": [
            (value, label)
            for value, label in TriageStatus.choices
            if value in triage.TRANSITIONS[referral.status]
            and value != TriageStatus.BOOKED
            and (value != TriageStatus.ACTIVE or referral.status == TriageStatus.DISCHARGED)
        ],
        "acknowledge_form": forms.get("acknowledge_form") or AcknowledgeForm(),
        "contact_form": forms.get("contact_form") or ContactAttemptForm(),
        "assign_form": forms.get("assign_form")
        or AssignForm(
            practice=practice,
            initial={
                "clinician": referral.assigned_clinician.uuid
                if referral.assigned_clinician
                else None
            },
        ),
        "status_form": forms.get("status_form") or StatusForm(),
        "clarification_form": forms.get("clarification_form") or ClarificationForm(),
    }


def _last_days(deadlines) -> dict:
    # A deadline is midnight after the last day; people think in that last day.
    return {
        f"{name}_by": (moment - timedelta(microseconds=1)).date()
        for name, moment in deadlines.items()
    }


def _referral_action(view):
    """POST-only, scoped, and back to the referral page (or the form with its errors)."""

    @practice_member_required
    def wrapped(request, referral):
        # Scope first: another practice's referral is a 404 whatever the method.
        referral = get_scoped_or_404(_referral_queryset(), request.practice, referral)
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        result = view(request, referral)
        if result is None:
            return redirect(referral.get_absolute_url())
        if isinstance(result, dict):
            context = _detail_context(request, referral, **result)
            return render(request, "referrals/referral_detail.html", context, status=400)
        return result

    wrapped.__name__ = view.__name__
    return wrapped


@_referral_action
def referral_acknowledge(request, referral):
    form = AcknowledgeForm(request.POST)
    if not form.is_valid():
        return {"acknowledge_form": form}
    actions.acknowledge(referral, by=request.user, **form.cleaned_data)
    messages.success(request, "Acknowledgement recorded.")


@_referral_action
def referral_contact(request, referral):
    form = ContactAttemptForm(request.POST)
    if not form.is_valid():
        return {"contact_form": form}
    actions.record_contact_attempt(referral, by=request.user, **form.cleaned_data)
    messages.success(request, "Contact attempt recorded.")


@_referral_action
def referral_assign(request, referral):
    form = AssignForm(request.POST, practice=request.practice)
    if not form.is_valid():
        return {"assign_form": form}
    actions.assign_clinician(referral, form.cleaned_data["clinician"], by=request.user)
    messages.success(request, "Clinician assigned.")


@_referral_action
def referral_status(request, referral):
    form = StatusForm(request.POST)
    if form.is_valid():
        try:
            actions.change_status(
                referral,
                form.cleaned_data["status"],
                by=request.user,
                reason=form.cleaned_data["reason"],
            )
        except triage.InvalidTransition as error:
            form.add_error(None, str(error))
    if form.errors:
        return {"status_form": form}
    messages.success(request, f"Referral is now “{referral.get_status_display()}”.")


@_referral_action
def referral_confirm_sender(request, referral):
    actions.confirm_sender(referral, by=request.user)
    messages.success(request, "Sender confirmed.")


@_referral_action
def referral_report_sent(request, referral):
    actions.record_report_sent(referral, by=request.user)
    messages.success(request, "Recorded: the end-of-course report was sent.")


@_referral_action
def referral_clarify(request, referral):

    form = ClarificationForm(request.POST)
    if form.is_valid():
        try:
            clarification = actions.request_clarification(
                referral, by=request.user, message=form.cleaned_data["message"]
            )
        except ValueError as error:
            form.add_error(None, str(error))
    if form.errors:
        return {"clarification_form": form}
    if clarification.channel == "email":
        messages.success(request, f"Request e-mailed to {referral.referring_doctor}.")
    else:
        messages.success(
            request, "Request ready to print or fax: this doctor has no e-mail address on file."
        )
    return redirect(clarification.get_absolute_url())


def _clarification_or_404(request, referral_id, clarification_id):
    referral = get_scoped_or_404(_referral_queryset(), request.practice, referral_id)
    clarification = get_scoped_or_404(
        ClarificationRequest.objects.filter(referral=referral), request.practice, clarification_id
    )
    return referral, clarification


@practice_member_required
def clarification_letter(request, referral, clarification):
    referral, clarification = _clarification_or_404(request, referral, clarification)
    audit_view(request, referral, client=referral.client)
    return render(
        request,
        "referrals/clarification_letter.html",
        {"referral": referral, "clarification": clarification, "practice": request.practice},
    )


@practice_member_required
def clarification_answered(request, referral, clarification):
    referral, clarification = _clarification_or_404(request, referral, clarification)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    actions.mark_clarification_answered(clarification, by=request.user)
    messages.success(request, "Marked as answered. Update the referral with what the doctor sent.")
    return redirect(reverse("referrals:edit", args=[referral.uuid]))


def _take_in_typed(form, request, source, *, waiting=None):
    """A referral staff typed (from a phone call, a fax, or a scanned letter beside
    the form) enters through the same pipeline as every other channel."""
    referral, _, _ = unpack(form)
    referral.source = source
    upload = form.cleaned_data.get("document")
    incoming = IncomingReferral(
        referral=referral,
        doctor=referral.referring_doctor,
        client=referral.client,
        documents=[IncomingDocument(upload.name, upload, form.document_kind)] if upload else [],
        waiting_documents=[waiting] if waiting is not None else [],
    )
    return take_in(request.practice, incoming, **acting(request)).referral


def _save_edited(form, request):
    referral, changed, _ = unpack(form)
    upload = form.cleaned_data.get("document")
    return actions.update_referral(
        referral,
        changed_fields=changed,
        upload=upload,
        upload_kind=form.document_kind if upload else None,
        **acting(request),
    )


@practice_member_required
def referral_signature_seen(request, referral):
    """Staff saw the doctor's signature and date on the attached letter: one click,
    instead of asking the doctor for what is already there."""
    referral = get_scoped_or_404(_referral_queryset(), request.practice, referral)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    actions.confirm_signature_seen(referral, **acting(request))
    messages.success(request, "Recorded: the attached letter is signed and dated.")
    return redirect(referral.get_absolute_url())


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
        title="Type a referral",
        save=lambda form: _take_in_typed(form, request, ReferralSource.STAFF),
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
        save=lambda form: _save_edited(form, request),
        cancel_url=referral.get_absolute_url(),
        audit_client=referral.client,
    )


@practice_member_required
def referral_upload(request):
    """Step 1 of a scanned letter: keep the file, then type the referral beside it."""
    form = LetterUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        document = actions.store_waiting_letter(
            request.practice,
            form.cleaned_data["letter"],
            kind=form.document_kind,
            received_at=form.cleaned_data["received_at"],
            **acting(request),
        )
        return redirect("referrals:upload_type", document.uuid)
    waiting = (
        ReferralDocument.objects.for_practice(request.practice)
        .filter(referral__isnull=True)
        .order_by("-created_at")[:20]
    )
    return render(
        request,
        "referrals/upload.html",
        {"form": form, "waiting": waiting},
        status=400 if form.errors else 200,
    )


@practice_member_required
def referral_upload_type(request, document):
    """Step 2: the letter's preview beside the referral form."""
    document = get_scoped_or_404(
        ReferralDocument.objects.select_related("referral"), request.practice, document
    )
    if document.referral_id:
        return redirect(document.referral.get_absolute_url())
    draft_key = f"referral-draft:{document.uuid}"
    if request.method == "POST":
        adding = request.POST.get("add")
        if adding in ADD_IN_PLACE:
            # Off to add a new client or doctor without JavaScript: what was typed so
            # far waits in the session (it ends at sign-out) and comes back with them.
            fields = ReferralForm.Meta.fields
            request.session[draft_key] = {k: request.POST[k] for k in fields if k in request.POST}
            back = reverse("referrals:upload_type", args=[document.uuid])
            return redirect(f"{reverse(ADD_IN_PLACE[adding])}?{urlencode({'next': back})}")
        form = ReferralForm(request.POST, practice=request.practice, with_document=False)
        if form.is_valid():
            referral = _take_in_typed(form, request, ReferralSource.UPLOAD, waiting=document)
            request.session.pop(draft_key, None)
            messages.success(request, f"{referral} added with its letter.")
            return redirect(referral.get_absolute_url())
    else:
        initial = {"letter_signed": False, **request.session.get(draft_key, {})}
        # Back from adding a client or doctor: the new record is chosen.
        chosen = {
            "client": scoped_or_none(
                Client.objects.all(), request.practice, request.GET.get("client")
            ),
            "referring_doctor": scoped_or_none(
                Doctor.objects.all(), request.practice, request.GET.get("doctor")
            ),
        }
        initial.update({name: str(obj.uuid) for name, obj in chosen.items() if obj})
        form = ReferralForm(practice=request.practice, with_document=False, initial=initial)
    return render(
        request,
        "referrals/upload_type.html",
        {"form": form, "document": document, "add_in_place": ADD_IN_PLACE},
        status=400 if form.errors else 200,
    )


# The records a referral names that can be added without leaving the letter: the
# button's value, and the page that adds one.
ADD_IN_PLACE = {"client": "clients:create", "referring_doctor": "directory:doctor_create"}


@practice_member_required
def referral_upload_file(request, document):
    document = get_scoped_or_404(
        ReferralDocument.objects.select_related("referral"), request.practice, document
    )
    if document.referral_id:
        return redirect(document.get_absolute_url())
    return _document_response(document)


@practice_member_required
def referral_document(request, referral, document):
    referral = get_scoped_or_404(_referral_queryset(), request.practice, referral)
    document = get_scoped_or_404(
        ReferralDocument.objects.filter(referral=referral), request.practice, document
    )
    audit_view(request, document, client=referral.client)
    return _document_response(document)


def _document_response(document):
    response = FileResponse(
        document.file.open("rb"),
        content_type=document.content_type,
        filename=document.download_name,
        as_attachment=not document.shows_inline,
    )
    # A letter from outside is untrusted: no scripts, no requests, even if it is HTML.
    response["Content-Security-Policy"] = "default-src 'none'; img-src data:; sandbox"
    response["X-Frame-Options"] = "SAMEORIGIN"
    return response
