from django.db import transaction

from careloop.referrals.actions import session_booked
from careloop.web.records import save_practice_record


def save_session(form, *, request):
    """Save a session and move its referral's triage on (booked, then seen)."""
    with transaction.atomic():
        session = save_practice_record(form, request=request, client_of=lambda obj: obj.client)
        if session.referral_id:
            session_booked(session.referral, session, by=request.user)
    return session
