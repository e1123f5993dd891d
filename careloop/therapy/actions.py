from django.db import transaction

from careloop.referrals.actions import session_booked
from careloop.web.records import save_practice_record


def save_session(form, *, request):
    """Save a session and move its referral's triage on (booked, then seen). Returns
    the session and the notices of what that set off (an acknowledgement drafted)."""
    notices = []
    with transaction.atomic():
        session = save_practice_record(form, request=request, client_of=lambda obj: obj.client)
        if session.referral_id:
            notices = session_booked(session.referral, session, by=request.user)
        if session.status == "attended":
            from careloop.letters.tasks import draft_due_reports

            transaction.on_commit(lambda: draft_due_reports(session.client_id), robust=True)
    return session, notices


def save_clinical_note(session, text: str, *, request):
    from careloop.audit.actions import record_change

    from .models import ClinicalNote

    with transaction.atomic():
        note, created = ClinicalNote.objects.update_or_create(
            session=session,
            defaults={"practice": session.practice, "text": text, "author": request.user},
        )
        record_change(
            request, note, client=session.client, created=created, changed_fields=["text"]
        )
    return note
