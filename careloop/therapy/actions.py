from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.db import transaction

from careloop import events
from careloop.audit.actions import Via, record_change
from careloop.referrals.actions import session_booked
from careloop.web.records import save_practice_record

from .events import SessionAttended
from .models import ClinicalNote, ClinicalNoteVersion, TherapySession

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
