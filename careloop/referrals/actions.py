"""Every change to a referral goes through here: one transaction, one event row."""

from __future__ import annotations

import functools
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from careloop import events
from careloop.audit.actions import Via, record_change
from careloop.lib.business_days import add_business_days
from careloop.lib.text import single_line
from careloop.web.records import save_practice_record

from . import tasks, triage
from .events import (
    ReferralAccepted,
    ReferralAcknowledged,
    ReferralBooked,
    ReferralDeclined,
    ReferralDischarged,
)
from .models import (
    ClarificationRequest,
    ContactOutcome,
    EventKind,
    Referral,
    ReferralDocument,
    ReferralEvent,
    TriageStatus,
)
from .validity import facts_of, missing_items

if TYPE_CHECKING:
    from django.core.files import File

    from careloop.lib.uploads import DocumentKind
    from careloop.practices.models import Practice, User
    from careloop.therapy.models import TherapySession

CLARIFICATION_REMINDER_AFTER_DAYS = 2  # business days without an answer


def targets_for(practice: Practice) -> triage.Targets:
    return triage.Targets(
        acknowledge_days=practice.acknowledge_within_days,
        contact_days=practice.contact_within_days,
        state=practice.state,
        zone=practice.zoneinfo,
    )


def clock_facts(
    referral: Referral,
    first_session_at: datetime | None = None,
    consent_recorded: bool | None = None,
) -> triage.ClockFacts:
    return triage.ClockFacts(
        status=referral.status,
        received_at=referral.received_at,
        acknowledged_at=referral.acknowledged_at,
        first_contacted_at=referral.first_contacted_at,
        offered_at=referral.offered_at,
        first_session_at=first_session_at,
        has_referrer=referral.referring_doctor_id is not None,
        consent_recorded=consent_recorded,
    )


def _refresh_clock(referral: Referral) -> None:
    referral.next_due_at = triage.next_due_at(clock_facts(referral), targets_for(referral.practice))


def _user_id(by: User | None) -> int | None:
    return by.pk if by is not None and by.is_authenticated else None


def _event(referral: Referral, kind: str, *, by: User | None, **fields: Any) -> ReferralEvent:
    return ReferralEvent.objects.create(
        practice=referral.practice,
        referral=referral,
        kind=kind,
        by=by if by is not None and by.is_authenticated else None,
        at=timezone.now(),
        **fields,
    )


def receive(referral: Referral, *, by: User | None = None, note: str = "") -> Referral:
    """Start a new referral's clock, whatever path it came by."""
    if referral.received_at is None:
        referral.received_at = timezone.now()
    referral.status = TriageStatus.NEW
    _refresh_clock(referral)
    referral.save()
    _event(
        referral,
        EventKind.RECEIVED,
        by=by,
        note=note or f"Received by {referral.get_source_display().lower()}.",
    )
    return referral


def update_referral(
    referral: Referral,
    *,
    changed_fields: Iterable[str] = (),
    upload: File[bytes] | None = None,
    upload_kind: DocumentKind | None = None,
    by: User | None,
    via: Via,
) -> Referral:
    """Save staff's changes to a referral (and a letter they attached): all or nothing."""
    with transaction.atomic():
        _refresh_clock(referral)
        save_practice_record(
            referral,
            practice=referral.practice,
            client_of=lambda obj: obj.client,
            changed_fields=changed_fields,
            by=by,
            via=via,
            created=False,
        )
        if upload is not None:
            assert upload_kind is not None  # the form checked the upload and named its kind
            attach_document(referral, upload, kind=upload_kind, by=by, via=via)
    return referral


def attach_document(
    referral: Referral,
    uploaded: File[bytes],
    *,
    kind: DocumentKind,
    by: User | None = None,
    via: Via,
    name: str | None = None,
) -> ReferralDocument:
    document = ReferralDocument(
        practice=referral.practice,
        referral=referral,
        original_name=(name or uploaded.name or "referral-letter")[:200],
        content_type=kind.content_type,
        size=uploaded.size,
        uploaded_by=by if by is not None and by.is_authenticated else None,
    )
    document.file.save(f"{document.uuid}{kind.extension}", uploaded, save=False)
    document.save()
    record_change(document, by=by, via=via, client=referral.client, created=True)
    return document


def store_waiting_letter(
    practice: Practice,
    uploaded: File[bytes],
    *,
    kind: DocumentKind,
    received_at: datetime | None = None,
    by: User | None,
    via: Via,
) -> ReferralDocument:
    """Keep a scanned letter until staff type its referral beside it. Its clock runs
    from when it arrived, which reception may say was before it was uploaded."""
    document = ReferralDocument(
        practice=practice,
        original_name=(uploaded.name or "referral-letter")[:200],
        content_type=kind.content_type,
        size=uploaded.size,
        uploaded_by=by if by is not None and by.is_authenticated else None,
        received_at=received_at or timezone.now(),
    )
    with transaction.atomic():
        document.file.save(f"{document.uuid}{kind.extension}", uploaded, save=False)
        document.save()
        # Not yet about any known client: the audit row names the letter alone.
        record_change(document, by=by, via=via, client=None, created=True)
    return document


def file_document(
    document: ReferralDocument, referral: Referral, *, by: User | None, via: Via
) -> None:
    """Attach an uploaded letter, waiting on its own, to the referral typed from it."""
    document.referral = referral
    document.save(update_fields=["referral", "updated_at"])
    record_change(
        document,
        by=by,
        via=via,
        client=referral.client,
        created=False,
        changed_fields=["referral"],
    )


def confirm_signature_seen(referral: Referral, *, by: User | None, via: Via) -> Referral:
    if referral.letter_signed:
        return referral
    with transaction.atomic():
        referral.letter_signed = True
        referral.save(update_fields=["letter_signed", "updated_at"])
        _event(
            referral, EventKind.NOTE, by=by, note="Signature and date seen on the attached letter."
        )
        record_change(
            referral,
            by=by,
            via=via,
            client=referral.client,
            created=False,
            changed_fields=["signed and dated: seen on the letter"],
        )
    return referral


def change_status(
    referral: Referral, target: str, *, by: User | None, reason: str = ""
) -> Referral:
    # The sessions are the therapy app's; their reverse relation is all we read here.
    sessions = referral.sessions.exclude(status="cancelled")
    triage.check_transition(
        referral.status,
        target,
        reason,
        has_booked_session=sessions.filter(status="booked").exists(),
        has_attended_session=sessions.filter(status="attended").exists(),
    )
    with transaction.atomic():
        previous = referral.status
        referral.status = target
        if target in triage.NEEDS_REASON:
            referral.status_reason = reason.strip()
        elif target == TriageStatus.CONTACTING and previous in triage.NEEDS_REASON:
            referral.status_reason = ""
        if target == TriageStatus.OFFERED and referral.offered_at is None:
            referral.offered_at = timezone.now()
        _refresh_clock(referral)
        referral.save()
        _event(
            referral,
            EventKind.STATUS,
            by=by,
            from_status=previous,
            to_status=target,
            note=reason.strip(),
        )
        if target == TriageStatus.DISCHARGED and referral.referring_doctor_id:
            events.publish(ReferralDischarged(referral.pk, reason, _user_id(by)))
        if target in (TriageStatus.OFFERED, TriageStatus.BOOKED):
            events.publish(ReferralAccepted(referral.pk))
        elif target in (TriageStatus.DECLINED, TriageStatus.UNABLE_TO_CONTACT):
            events.publish(ReferralDeclined(referral.pk, target))
    return referral


def acknowledge(
    referral: Referral, *, by: User | None, method: str = "", note: str = ""
) -> Referral:
    if referral.acknowledged_at is not None:
        return referral  # idempotent: a double click records nothing twice
    with transaction.atomic():
        referral.acknowledged_at = timezone.now()
        _refresh_clock(referral)
        referral.save(update_fields=["acknowledged_at", "next_due_at", "updated_at"])
        _event(referral, EventKind.ACKNOWLEDGED, by=by, method=method, note=note)
        events.publish(ReferralAcknowledged(referral.pk, method))
    return referral


def record_contact_attempt(
    referral: Referral, *, by: User | None, method: str, outcome: str, note: str = ""
) -> ReferralEvent:
    with transaction.atomic():
        event = _event(
            referral, EventKind.CONTACT_ATTEMPT, by=by, method=method, outcome=outcome, note=note
        )
        # A voicemail is an attempt, not contact: the clock runs until someone spoke
        # with the client.
        reached = outcome == ContactOutcome.REACHED
        if reached and referral.first_contacted_at is None:
            referral.first_contacted_at = event.at
        if referral.status == TriageStatus.NEW:
            previous = referral.status
            referral.status = TriageStatus.CONTACTING
            _event(
                referral, EventKind.STATUS, by=by, from_status=previous, to_status=referral.status
            )
        _refresh_clock(referral)
        referral.save()
    return event


def confirm_sender(referral: Referral, *, by: User | None) -> Referral:
    """Staff have checked that a web-form referral came from the doctor it names."""
    with transaction.atomic():
        # Locked and re-read, so two confirmations record one event.
        current = Referral.objects.select_for_update().get(pk=referral.pk)
        if not current.sender_unverified:
            referral.sender_unverified = False
            return referral
        referral.sender_unverified = False
        referral.save(update_fields=["sender_unverified", "updated_at"])
        _event(
            referral,
            EventKind.SENDER_CONFIRMED,
            by=by,
            note=f"Confirmed that the referral came from {referral.referring_doctor}."
            if referral.referring_doctor
            else "Sender confirmed.",
        )
    return referral


def assign_clinician(referral: Referral, clinician: User | None, *, by: User | None) -> Referral:
    with transaction.atomic():
        referral.assigned_clinician = clinician
        referral.save(update_fields=["assigned_clinician", "updated_at"])
        _event(
            referral,
            EventKind.ASSIGNED,
            by=by,
            note=f"Assigned to {clinician}." if clinician else "Unassigned.",
        )
    return referral


def session_booked(referral: Referral, session: TherapySession, *, by: User | None) -> None:
    """Called when a session for the referral is saved: moves the triage on. A first
    booking publishes ReferralBooked (the letters app drafts the acknowledgement)."""
    if session.status == "attended":
        if referral.first_seen_at is None or session.starts_at < referral.first_seen_at:
            referral.first_seen_at = session.starts_at
        target = TriageStatus.ACTIVE
    elif session.status == "booked":
        target = TriageStatus.BOOKED
    else:
        return
    previous = referral.status
    first_booking = target == TriageStatus.BOOKED and previous in (
        TriageStatus.NEW,
        TriageStatus.CONTACTING,
        TriageStatus.OFFERED,
    )
    if first_booking:
        # Booking is the offer accepted: the clock's "offered" and the clinician
        # follow from it rather than being typed twice.
        if referral.offered_at is None:
            referral.offered_at = timezone.now()
        if referral.assigned_clinician_id is None and session.clinician_id:
            referral.assigned_clinician = session.clinician
            _event(referral, EventKind.ASSIGNED, by=by, note=f"Assigned to {session.clinician}.")
    if target != previous and target in triage.TRANSITIONS[previous]:
        referral.status = target

        _event(
            referral,
            EventKind.STATUS,
            by=by,
            from_status=previous,
            to_status=target,
            note=f"Session on {timezone.localtime(session.starts_at):%d/%m/%Y %H:%M}.",
        )
    _refresh_clock(referral)
    referral.save()
    if first_booking:
        events.publish(ReferralBooked(referral.pk, _user_id(by)))


def request_clarification(
    referral: Referral, *, by: User | None, message: str = ""
) -> ClarificationRequest:
    """Ask the referrer for what the referral lacks, in one step."""
    items = [item.label for item in missing_items(facts_of(referral))]
    if not items:
        raise ValueError("This referral has everything Medicare requires; nothing to ask.")
    if referral.referring_doctor is None:
        raise ValueError("A self-referral has no doctor to ask.")
    doctor = referral.referring_doctor
    with transaction.atomic():
        request = ClarificationRequest.objects.create(
            practice=referral.practice,
            referral=referral,
            items=items,
            message=message,
            channel="email" if doctor.email else "print",
            sent_at=timezone.now(),
            sent_by=by,
        )
        _event(referral, EventKind.CLARIFICATION, by=by, note="Asked for: " + "; ".join(items))
        if doctor.email:
            transaction.on_commit(
                lambda: tasks.email_clarification(request.pk, reminder=False), robust=True
            )
    return request


def _email_clarification(request_id: int, *, reminder: bool) -> None:
    request = ClarificationRequest.objects.select_related(
        "referral__client", "referral__referring_doctor", "practice"
    ).get(pk=request_id)
    context = {
        "request": request,
        "referral": request.referral,
        "practice": request.practice,
        "reminder": reminder,
    }
    doctor = request.referral.referring_doctor
    assert doctor is not None  # a request is only made of a referral with a doctor
    # Headers from cleaned values: a stored name with a line break must not block mail.
    subject = single_line(
        ("Reminder: " if reminder else "")
        + f"Your referral of {request.referral.client.full_name} "
        f"(ref {request.referral.reference}): details needed"
    )
    send_mail(
        subject,
        render_to_string("referrals/clarification_email.txt", context),
        None,
        [doctor.email],
    )


def mark_clarification_answered(request: ClarificationRequest, *, by: User | None) -> None:
    if request.answered_at is not None:
        return
    with transaction.atomic():
        request.answered_at = timezone.now()
        request.save(update_fields=["answered_at", "updated_at"])
        _event(request.referral, EventKind.CLARIFICATION_ANSWERED, by=by)


def send_clarification_reminders(now: datetime | None = None) -> list[ClarificationRequest]:
    """Remind doctors who have not answered after two business days. Idempotent: a
    request gets one reminder, however often this runs."""
    now = now or timezone.now()
    due = []
    pending = ClarificationRequest.objects.filter(
        answered_at__isnull=True,
        reminder_sent_at__isnull=True,
        sent_at__lte=now - timedelta(days=CLARIFICATION_REMINDER_AFTER_DAYS),
    ).select_related("practice", "referral__referring_doctor")
    for request in pending:
        practice = request.practice
        sent_day = timezone.localtime(request.sent_at, practice.zoneinfo).date()
        remind_on = add_business_days(sent_day, CLARIFICATION_REMINDER_AFTER_DAYS, practice.state)
        if timezone.localtime(now, practice.zoneinfo).date() <= remind_on:
            continue
        with transaction.atomic():
            updated = ClarificationRequest.objects.filter(
                pk=request.pk, reminder_sent_at__isnull=True
            ).update(reminder_sent_at=now)
            if not updated:
                continue  # another run got there first
            _event(
                request.referral,
                EventKind.CLARIFICATION_REMINDER,
                by=None,
                note="Reminder e-mailed."
                if request.channel == "email"
                else "No e-mail for this doctor: call or fax them.",
            )
            if request.channel == "email" and settings.EMAIL_BACKEND:
                transaction.on_commit(
                    functools.partial(tasks.email_clarification, request.pk, reminder=True),
                    robust=True,
                )
        due.append(request)
    return due


def record_report_sent(referral: Referral, *, by: User | None, note: str = "") -> Referral:
    """The end-of-course report went to the referrer: recorded when Careloop's letter
    leaves by any channel, or by staff when it went another way."""
    if referral.report_sent_at is not None:
        return referral
    with transaction.atomic():
        referral.report_sent_at = timezone.now()
        referral.save(update_fields=["report_sent_at", "updated_at"])
        _event(
            referral,
            EventKind.NOTE,
            by=by,
            note="End-of-course report sent to the referring doctor."
            + (f" {note}" if note else ""),
        )
    return referral
