"""What the letters app does when something happens in a lower app. Every
subscription of this app is listed in `connect()`."""

from careloop import events
from careloop.audit.actions import JOB, record_change
from careloop.clients.events import ClientsMerged
from careloop.events import Notice
from careloop.interop.events import AcknowledgementReceived
from careloop.practices.models import User
from careloop.referrals.events import ReferralAcknowledged, ReferralBooked, ReferralDischarged
from careloop.referrals.models import Referral
from careloop.therapy.events import SessionAttended

from . import actions, outbox, tasks
from .models import Letter, LetterStatus


def draft_acknowledgement(event: ReferralBooked) -> Notice | None:
    referral = Referral.objects.select_related(
        "practice", "client", "referring_doctor", "assigned_clinician"
    ).get(pk=event.referral_id)
    by = User.objects.filter(pk=event.by_id).first() if event.by_id else None
    return actions.acknowledge_first_booking(referral, by=by)


def draft_discharge_summary(event: ReferralDischarged) -> None:
    # Delivered on commit; the drafting itself (the engine, the scores) is a job.
    tasks.draft_discharge_summary(event.referral_id, event.reason)


def draft_report_if_course_ended(event: SessionAttended) -> None:
    tasks.draft_due_reports(event.client_id)


def move_merged_client_letters(event: ClientsMerged) -> None:
    Letter.objects.filter(practice_id=event.practice_id, client_id=event.duplicate_id).update(
        client_id=event.kept_id
    )


def record_letter_acknowledgement(event: AcknowledgementReceived) -> str | None:
    delivery = outbox.record_acknowledgement(
        event.practice_id, event.control_id, event.code, event.text
    )
    return delivery.get_status_display() if delivery is not None else None


def cancel_acknowledgement_drafts(event: ReferralAcknowledged) -> None:
    """Acknowledged by other means (a call, a fax): a draft still waiting for review is
    no longer owed, so it leaves "Letters due" instead of going as a second notice."""
    drafts = Letter.objects.filter(
        referral_id=event.referral_id, kind="acknowledgement", status=LetterStatus.DRAFT
    ).select_related("client")
    for letter in drafts:
        letter.status = LetterStatus.CANCELLED
        letter.due_reason = "Not needed: the referral was acknowledged another way."
        letter.save(update_fields=["status", "due_reason", "updated_at"])
        record_change(
            letter,
            by=None,
            via=JOB,
            client=letter.client,
            created=False,
            changed_fields=["cancelled"],
        )


def connect() -> None:
    events.subscribe(ReferralBooked, draft_acknowledgement)
    events.subscribe(ReferralAcknowledged, cancel_acknowledgement_drafts)
    events.subscribe(ReferralDischarged, draft_discharge_summary)
    events.subscribe(SessionAttended, draft_report_if_course_ended)
    events.subscribe(ClientsMerged, move_merged_client_letters)
    events.subscribe(AcknowledgementReceived, record_letter_acknowledgement)
