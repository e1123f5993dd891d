from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone

from careloop import events
from careloop.audit.actions import Via, record_change
from careloop.referrals.actions import session_booked
from careloop.web.records import save_practice_record

from . import scheduling
from .diary import clash_message, clashing_sessions
from .events import SessionAttended
from .models import ClinicalNote, ClinicalNoteVersion, SessionStatus, TherapySession

if TYPE_CHECKING:
    from careloop.practices.models import Practice, User


def save_session(
    session: TherapySession,
    *,
    practice: Practice,
    changed_fields: Iterable[str] = (),
    by: User | None,
    via: Via,
) -> TherapySession:
    """Save a session and move its referral's triage on (booked, then seen)."""
    with transaction.atomic():
        session = save_practice_record(
            session,
            practice=practice,
            client_of=lambda obj: obj.client,
            changed_fields=changed_fields,
            by=by,
            via=via,
        )
        if session.referral is not None:
            session_booked(session.referral, session, by=by)
        if session.status == "attended":
            events.publish(SessionAttended(session.pk, session.client_id))
    return session


class StatusRefused(Exception):
    """A one-tap status change that cannot be made; the message is for staff."""


def mark_session(session: TherapySession, status: str, *, by: User, via: Via) -> TherapySession:
    """The diary's one tap: attended, did not attend, cancelled, or back to booked.
    It goes through `save_session`, so the referral's triage, the end-of-course report
    and the audit row follow exactly as when the booking form is saved."""
    with transaction.atomic():
        # Two people tapping the same entry (reception and the clinician) must not
        # both pass the check against a status that one of them has just changed.
        current = (
            TherapySession.objects.select_for_update()
            .values_list("status", flat=True)
            .get(pk=session.pk)
        )
        refusal = scheduling.one_tap_refusal(
            current, status, starts_at=session.starts_at, now=timezone.now()
        )
        if refusal:
            raise StatusRefused(refusal)
        if status == current:
            session.status = current
            return session
        if status == SessionStatus.BOOKED and current == SessionStatus.CANCELLED:
            # Undoing a cancellation puts the session back in the clinician's day,
            # where its slot may have been given to someone else meanwhile.
            others = clashing_sessions(
                practice=session.practice,
                clinician=session.clinician,
                starts_at=session.starts_at,
                minutes=session.duration_minutes,
                exclude_pk=session.pk,
            )
            if others:
                raise StatusRefused(
                    clash_message(others[0], session.practice.zoneinfo)
                    + " Edit the session to book it anyway."
                )
        session.status = status
        return save_session(
            session, practice=session.practice, changed_fields=["status"], by=by, via=via
        )


def save_clinical_note(session: TherapySession, text: str, *, by: User, via: Via) -> ClinicalNote:
    """The note holds the latest text; every text it has held stays, with its author,
    as an append-only version (anyone who may write a note may rewrite it)."""
    with transaction.atomic():
        note, created = ClinicalNote.objects.update_or_create(
            session=session,
            defaults={"practice": session.practice, "text": text, "author": by},
        )
        ClinicalNoteVersion.objects.create(
            practice=session.practice, note=note, text=text, author=by
        )
        record_change(
            note, by=by, via=via, client=session.client, created=created, changed_fields=["text"]
        )
    return note
