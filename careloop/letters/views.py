from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.db.models import Q
from django.http import HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache

from careloop.audit.actions import DOCTOR_LINK, via_request
from careloop.consent.rules import DisclosureRefused, covering_consent
from careloop.practices import permissions
from careloop.practices.scoping import get_scoped_or_404, in_scope_of
from careloop.referrals.models import Referral
from careloop.web.records import acting, audit_view, practice_member_required

from . import actions, downloads, outbox
from .feedback import letter_uuid_from, looks_like_short_code, token_for_short_code
from .forms import FeedbackForm, LetterForm, SendForm, WithdrawForm
from .models import Delivery, DeliveryStatus, Feedback, Letter, LetterStatus
from .render import generate_pdf, letter_context


def _letters():
    return Letter.objects.select_related(
        "client__practice",
        "doctor",
        "referral",
        "author",
        "signed_by__clinician_profile",
        "practice",
    )


# Each part of the letters-due page shows at most this many, the oldest first.
LETTERS_SHOWN = 100


@practice_member_required
def letters_due(request):
    """What is owed to whom, and for how long: drafts, and letters that did not go.
    Clinicians open on their own ("mine": letters they write, or about clients whose
    referral is theirs); everyone's is one click away."""
    whose = request.GET.get("whose")
    if whose not in ("mine", "everyone"):
        whose = "mine" if permissions.starts_on_own_work(request.user) else "everyone"
    mine = Q(author=request.user) | Q(referral__assigned_clinician=request.user)
    letters = _letters().filter(practice=request.practice)
    deliveries = Delivery.objects.filter(practice=request.practice)
    if whose == "mine":
        letters = letters.filter(mine)
        deliveries = deliveries.filter(
            Q(letter__author=request.user) | Q(letter__referral__assigned_clinician=request.user)
        )
    drafts = letters.filter(status=LetterStatus.DRAFT).order_by("created_at")
    unsent = letters.filter(status=LetterStatus.SIGNED, deliveries__isnull=True).order_by(
        "created_at"
    )
    stuck = (
        deliveries.filter(
            Q(
                status__in=[
                    DeliveryStatus.FAILED,
                    DeliveryStatus.REFUSED,
                    DeliveryStatus.QUEUED,
                    DeliveryStatus.TO_PRINT,
                ]
            )
            # A sender that died mid-send: shown until the outbox takes it back.
            | outbox.stale_claim(timezone.now())
        )
        .select_related("letter__client", "letter__doctor")
        .order_by("created_at")
    )
    context: dict = {"whose": whose}
    for name, queryset in (("drafts", drafts), ("unsent", unsent), ("stuck", stuck)):
        # The oldest owed first, and no more than a page's worth of each: a backlog
        # must not load whole into every view of the page.
        rows = list(queryset[: LETTERS_SHOWN + 1])
        context[name] = rows[:LETTERS_SHOWN]
        context[f"more_{name}"] = len(rows) > LETTERS_SHOWN
    context["shown"] = LETTERS_SHOWN
    return render(request, "letters/due.html", context)


@practice_member_required
def letter_new(request, referral):
    referral = get_scoped_or_404(
        Referral.objects.select_related("client", "referring_doctor"), request.practice, referral
    )
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    if referral.referring_doctor is None:
        messages.error(request, "A self-referral has no doctor to write to.")
        return redirect(referral.get_absolute_url())
    try:
        letter = actions.draft(
            request.POST.get("kind", ""),
            client=referral.client,
            doctor=referral.referring_doctor,
            referral=referral,
            author=request.user if request.user.is_clinician else None,
        )
    except actions.LetterError as error:
        messages.error(request, str(error))
        return redirect(referral.get_absolute_url())
    return redirect(letter.get_absolute_url())


@practice_member_required
def letter_detail(request, letter):
    letter = get_scoped_or_404(_letters(), request.practice, letter)
    audit_view(request, letter, client=letter.client)
    form = LetterForm(request.POST or None, letter=letter)
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "save" and form.is_valid():
                actions.update_sections(letter, form.cleaned_data, **acting(request))
                messages.success(request, "Draft saved.")
                return redirect(letter.get_absolute_url())
            if action == "sign" and form.is_valid():
                actions.update_sections(letter, form.cleaned_data, **acting(request))
                if not request.POST.get("confirm"):
                    raise actions.LetterError(
                        "Tick \u201cI have read this letter and it is ready to go\u201d to "
                        "sign it. Your changes are saved."
                    )
                letter = actions.sign(letter, **acting(request))
                messages.success(
                    request,
                    "Signed. Choose how to send it."
                    if letter.signed_by
                    else "Approved for the practice. Choose how to send it.",
                )
                return redirect(letter.get_absolute_url())
        except actions.LetterError as error:
            form.add_error(None, str(error))
    return _render_detail(request, letter, form=form)


def _render_detail(request, letter, *, form=None, withdraw_form=None):
    deliveries = list(letter.deliveries.all())
    errors = bool(form is not None and form.errors) or bool(
        withdraw_form is not None and withdraw_form.errors
    )
    return render(
        request,
        "letters/detail.html",
        {
            **letter_context(letter),
            "form": form or LetterForm(letter=letter),
            "send_form": SendForm(initial={"channel": letter.doctor.preferred_channel}),
            "deliveries": deliveries,
            # Said before anyone presses Send, with the way to fix it one click away.
            "consent_missing": letter.status != LetterStatus.CANCELLED
            and covering_consent(letter.client, letter.doctor, letter.kind_info.scope) is None,
            "may_sign": actions.may_sign(letter, request.user),
            "withdrawable": letter.status == LetterStatus.SIGNED
            and not any(d.status in outbox.LIVE_STATUSES for d in deliveries),
            "withdraw_form": withdraw_form or WithdrawForm(),
            "versions": _versions(letter),
        },
        status=400 if errors else 200,
    )


def _versions(letter) -> list:
    versions = list(letter.versions.select_related("signed_by", "withdrawn_by"))
    for version in versions:
        version.rows = [
            (section.title, version.sections.get(section.code, ""))
            for section in letter.kind_info.sections
        ]
    return versions


@practice_member_required
def letter_withdraw(request, letter):
    """Take back a signed letter that has not gone, to amend it: it becomes a draft and
    the signed version is kept in its history."""
    letter = get_scoped_or_404(_letters(), request.practice, letter)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    form = WithdrawForm(request.POST)
    if form.is_valid():
        try:
            actions.withdraw_to_amend(letter, reason=form.cleaned_data["reason"], **acting(request))
        except actions.LetterError as error:
            messages.error(request, str(error))
            return redirect(letter.get_absolute_url())
        messages.success(
            request, "Withdrawn: it is a draft again. Amend it, then sign it again to send it."
        )
        return redirect(letter.get_absolute_url())
    return _render_detail(request, letter, withdraw_form=form)


@practice_member_required
def letter_send(request, letter):
    letter = get_scoped_or_404(_letters(), request.practice, letter)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    form = SendForm(request.POST)
    if form.is_valid():
        try:
            delivery = outbox.queue(letter, form.cleaned_data["channel"], by=request.user)
        except DisclosureRefused as refused:
            messages.error(request, str(refused))
        except outbox.AlreadyQueued as already:
            messages.info(request, str(already))
        except ValueError as error:
            messages.error(request, str(error))
        else:
            if delivery.status == DeliveryStatus.TO_PRINT:
                messages.success(
                    request,
                    "Print the PDF and post or fax it, then press \u201cIt has gone\u201d below.",
                )
            else:
                messages.success(request, "Queued. Its status shows below.")
    return redirect(letter.get_absolute_url())


@practice_member_required
def letter_confirm_printed(request, letter, delivery):
    """Staff confirm the printed or faxed letter went: only then is it recorded as sent
    and disclosed."""
    letter = get_scoped_or_404(_letters(), request.practice, letter)
    delivery = get_scoped_or_404(letter.deliveries.all(), request.practice, delivery)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    try:
        outbox.confirm_printed(delivery, **acting(request))
    except DisclosureRefused as refused:
        messages.error(request, f"Not recorded as sent: {refused}")
    else:
        messages.success(request, "Recorded as sent.")
    return redirect(letter.get_absolute_url())


@practice_member_required
def letter_pdf(request, letter):
    letter = get_scoped_or_404(_letters(), request.practice, letter)
    audit_view(request, letter, client=letter.client)
    name, mimetype, pdf = generate_pdf(letter, request=request)
    response = HttpResponse(pdf, content_type=mimetype)
    response["Content-Disposition"] = f'inline; filename="{name}"'
    return response


def _letter_practice(read_token):
    def practice_of(request, token):
        public_id = read_token(token)
        if not public_id:
            return None
        return Letter.objects.filter(uuid=public_id).values_list("practice", flat=True).first()

    return practice_of


@login_not_required
@never_cache
@in_scope_of(_letter_practice(downloads.letter_uuid_from))
def letter_download(request, token):
    """The doctor's secure link from an e-mail: the signed letter, for 14 days."""
    public_id = downloads.letter_uuid_from(token)
    letter = (
        _letters().filter(uuid=public_id, status=LetterStatus.SIGNED).first() if public_id else None
    )
    if letter is None or not letter.deliveries.filter(status=DeliveryStatus.SENT).exists():
        return render(request, "link_expired.html", status=410)
    try:
        outbox.record_download(letter, via=via_request(request, DOCTOR_LINK))
    except DisclosureRefused:
        return render(
            request, "letters/download_refused.html", {"practice": letter.practice}, status=403
        )
    name, mimetype, pdf = generate_pdf(letter, request=request)
    response = HttpResponse(pdf, content_type=mimetype)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@login_not_required
@never_cache
@in_scope_of(_letter_practice(letter_uuid_from))
def letter_feedback(request, token):
    """The doctor's one-minute feedback on one letter: no account, a signed link.
    The short code printed on paper ("/f/ABCDE-23456/") leads to the signed link."""
    if looks_like_short_code(token):
        long_token = token_for_short_code(token, now=timezone.now())
        if long_token is None:
            return render(request, "link_expired.html", status=410)
        return redirect("letters:feedback", token=long_token)
    public_id = letter_uuid_from(token)
    letter = _letters().filter(uuid=public_id).first() if public_id else None
    if letter is None:
        return render(request, "link_expired.html", status=410)
    practice = letter.practice
    if Feedback.objects.filter(letter=letter).exists():
        return render(request, "letters/feedback_thanks.html", {"practice": practice})
    form = FeedbackForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        actions.record_feedback(letter, form.cleaned_data, via=via_request(request, DOCTOR_LINK))
        return render(request, "letters/feedback_thanks.html", {"practice": practice})
    return render(
        request,
        "letters/feedback_form.html",
        {"practice": practice, "letter": letter, "form": form},
        status=400 if form.errors else 200,
    )
