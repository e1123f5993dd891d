"""The outbox: every letter leaves through here, by the doctor's channel.

A delivery is stored as queued before any attempt. A worker claims it with a
conditional update that stamps a lease (so two workers never send the same one),
checks consent at that moment, sends outside any transaction, then logs the
disclosure and marks it sent in one short transaction. A channel failure puts it back
in the queue with a growing delay; consent withdrawn since queuing refuses it. A claim
whose worker died is taken back when its lease runs out. Whenever a copy may already
have gone (a killed sender, a server that answered too late), the retry carries the
same Message-ID and the delivery is flagged `duplicate_possible`. The `run_outbox` job
(tasks.py) retries every minute.
"""

import logging
import time
from datetime import timedelta

from django.db import IntegrityError, OperationalError, transaction
from django.db.models import F, Q
from django.utils import timezone

from careloop.audit.actions import JOB, Via, record_change, record_view
from careloop.consent.rules import (
    DisclosureRefused,
    check_disclosure,
    disclose,
    record_disclosure,
)
from careloop.referrals import actions as referral_actions

from . import channels, tasks
from .models import Channel, Delivery, DeliveryStatus, Letter, LetterStatus

log = logging.getLogger(__name__)

BACKOFF_MINUTES = (1, 5, 15, 60, 240, 720)
MAX_ATTEMPTS = 8


class AlreadyQueued(ValueError):
    """The letter is already on its way (or gone) by this channel: nothing new queued."""

    def __init__(self, delivery: Delivery):
        self.delivery = delivery
        super().__init__(
            f"This letter is already {delivery.get_status_display().lower()} by "
            f"{delivery.get_channel_display().lower()}; it was not queued again."
        )


LIVE_STATUSES = (
    DeliveryStatus.QUEUED,
    DeliveryStatus.SENDING,
    DeliveryStatus.TO_PRINT,
    DeliveryStatus.SENT,
    DeliveryStatus.DELIVERED,
)


def queue(letter: Letter, channel: str, *, by=None) -> Delivery:
    """Queue a signed letter; DisclosureRefused (nothing queued) without consent,
    AlreadyQueued when it is already on its way by that channel (a double click)."""
    if letter.status != LetterStatus.SIGNED:
        raise ValueError("Only a signed letter can be sent.")
    check_disclosure(letter.client, letter.doctor, letter.kind_info.scope)
    if channel == Channel.EMAIL and not letter.doctor.email:
        raise ValueError(f"{letter.doctor} has no e-mail address on file.")
    existing = letter.deliveries.filter(channel=channel, status__in=LIVE_STATUSES).first()
    if existing is not None:
        raise AlreadyQueued(existing)
    printed = channel == Channel.PRINT
    try:
        with transaction.atomic():
            # The letter's row lock orders this against withdraw_to_amend: a letter
            # withdrawn a moment ago is not queued with its old signature.
            status = Letter.objects.select_for_update().filter(pk=letter.pk)
            if list(status.values_list("status", flat=True)) != [LetterStatus.SIGNED]:
                raise ValueError("This letter was withdrawn to amend: sign it again to send it.")
            delivery = Delivery.objects.create(
                practice=letter.practice,
                letter=letter,
                channel=channel,
                status=DeliveryStatus.TO_PRINT if printed else DeliveryStatus.QUEUED,
                next_attempt_at=timezone.now(),
                queued_by=by,
            )
    except IntegrityError:
        # Two simultaneous clicks: the database's one-live-delivery rule let one in.
        raise AlreadyQueued(
            letter.deliveries.get(channel=channel, status__in=LIVE_STATUSES)
        ) from None
    if not printed:
        # A job sends it once the queue entry is committed; `run_outbox` retries.
        transaction.on_commit(lambda: tasks.send_delivery(delivery.pk), robust=True)
    return delivery


def confirm_printed(delivery: Delivery, *, by, via: Via) -> Delivery:
    """Staff say the printed or faxed letter went: only now is it a disclosure.
    DisclosureRefused if consent was withdrawn since it was queued."""
    with transaction.atomic():
        locked = Delivery.objects.select_for_update().get(pk=delivery.pk)
        if locked.status != DeliveryStatus.TO_PRINT:
            return locked  # confirmed twice: the first one counts
        letter = delivery.letter
        disclose(
            letter.client,
            letter.doctor,
            letter.kind_info.scope,
            description=str(letter.kind_info.title),
            channel=locked.channel,
            by=by,
        )
        locked.status = DeliveryStatus.SENT
        locked.sent_at = timezone.now()
        locked.attempts += 1
        locked.save(update_fields=["status", "sent_at", "attempts", "updated_at"])
        record_change(
            letter,
            by=by,
            via=via,
            client=letter.client,
            created=False,
            changed_fields=["printed or faxed: sent"],
        )
        _letter_went(letter, locked, by=by)
    return locked


def record_download(letter: Letter, *, via: Via) -> None:
    """The doctor opened the e-mailed link: the letter itself leaves now. Consent is
    checked again (DisclosureRefused, nothing served, when it was withdrawn since the
    e-mail went), and each download is logged as a disclosure and audited."""
    with transaction.atomic():
        disclose(
            letter.client,
            letter.doctor,
            letter.kind_info.scope,
            description=f"{letter.kind_info.title}, downloaded from the e-mailed link",
            channel=via.channel,
        )
        record_view(letter, by=None, via=via, client=letter.client)


def _letter_went(letter: Letter, delivery: Delivery, *, by) -> None:
    """What follows from a letter leaving: the referral's clock learns the doctor has
    been acknowledged, or has had the end-of-course report."""
    if letter.due_reason:
        # "Not sent: no consent" and the like are stale once the letter has gone.
        Letter.objects.filter(pk=letter.pk).update(due_reason="")
        letter.due_reason = ""
    referral = letter.referral
    if referral is None:
        return
    how = f"by {delivery.get_channel_display().lower()}"
    if letter.kind == "acknowledgement":
        referral_actions.acknowledge(referral, by=by, note=f"Acknowledgement letter sent {how}.")
    elif letter.kind == "end_of_course":
        referral_actions.record_report_sent(referral, by=by, note=f"Sent {how}.")


def _backoff(attempts: int) -> timedelta:
    return timedelta(minutes=BACKOFF_MINUTES[min(attempts, len(BACKOFF_MINUTES)) - 1])


# How long a worker may hold a delivery in "sending". Rendering and one SMTP exchange
# take seconds; a claim older than this belongs to a worker that was killed or lost,
# and the delivery is taken back and sent again, with the same Message-ID.
LEASE = timedelta(minutes=10)
# On SQLite a write may wait out the busy timeout; the result of a send is worth a few
# more tries before the lease is left to recover it.
RESULT_WRITE_TRIES = 3


def stale_claim(now):
    # A claim without a time was made before claims had leases: treat it as stale.
    return Q(status=DeliveryStatus.SENDING) & (
        Q(claimed_at__lt=now - LEASE) | Q(claimed_at__isnull=True)
    )


def process_due(now=None, *, only=None, limit: int = 100) -> int:
    """Send the deliveries that are due, and take back those whose sender died.

    Each delivery goes through three steps, and only the first and last write:
    a claim (one conditional UPDATE), the work (consent check, PDF, the channel's
    I/O) outside any transaction, and the result (sent with its disclosure and audit
    row, or failed) in one short transaction. On SQLite a write transaction locks the
    whole database, so holding one across SMTP would stall every sign-in and form."""
    now = now or timezone.now()
    due = Delivery.objects.filter(
        Q(status=DeliveryStatus.QUEUED, next_attempt_at__lte=now) | stale_claim(now)
    )
    if only is not None:
        due = due.filter(pk__in=only)
    sent = 0
    for pk in list(due.order_by("next_attempt_at").values_list("pk", flat=True)[:limit]):
        try:
            delivery = _claim(pk, now)
        except OperationalError as error:
            # SQLite stayed busy past its timeout ("database is locked"): the row is
            # unchanged, and this worker's next run, or another worker, takes it.
            log.warning("Delivery %s not claimed, will retry: %s", pk, error)
            continue
        if delivery is not None:
            sent += _attempt(delivery)
    return sent


def _claim(pk: int, now) -> Delivery | None:
    """Turn queued into sending, or take back a stale claim; None if another worker
    has it. The claim time is the lease, and the token the result is written against."""
    claimed_at = timezone.now()
    taken = Delivery.objects.filter(
        pk=pk, status=DeliveryStatus.QUEUED, next_attempt_at__lte=now
    ).update(status=DeliveryStatus.SENDING, claimed_at=claimed_at)
    if not taken:
        # The previous sender died mid-attempt, perhaps after the message left: count
        # the attempt, and say that the doctor may get a second copy.
        taken = (
            Delivery.objects.filter(pk=pk)
            .filter(stale_claim(now))
            .update(
                status=DeliveryStatus.SENDING,
                claimed_at=claimed_at,
                attempts=F("attempts") + 1,
                duplicate_possible=True,
            )
        )
    if not taken:
        return None
    return Delivery.objects.select_related(
        "letter__client__practice",
        "letter__doctor",
        "letter__signed_by",
        "letter__practice",
        "letter__referral",
    ).get(pk=pk)


def _attempt(delivery: Delivery) -> int:
    pk, claim = delivery.pk, delivery.claimed_at
    mine = Delivery.objects.filter(pk=pk, status=DeliveryStatus.SENDING, claimed_at=claim)
    if delivery.channel == Channel.PRINT:
        # Queued before print waited for a person: it waits now, not "sent". Nothing
        # left the practice, so no copy may have gone either.
        mine.update(status=DeliveryStatus.TO_PRINT, claimed_at=None, duplicate_possible=False)
        return 0
    letter = delivery.letter
    try:
        # Consent is checked right before the message leaves, on every attempt.
        consent = check_disclosure(letter.client, letter.doctor, letter.kind_info.scope)
    except DisclosureRefused as refused:
        mine.update(status=DeliveryStatus.REFUSED, last_error=str(refused), claimed_at=None)
        return 0
    try:
        output = channels.transport_for(delivery.channel).send(delivery)
    except Exception as error:  # a channel's failure: retry later, keep the reason
        _record_failure(delivery, mine, error)
        return 0
    _write_result(lambda: _record_sent(delivery, consent, output), delivery)
    return 1


def _record_sent(delivery: Delivery, consent, output: str) -> None:
    letter = delivery.letter
    with transaction.atomic():
        record_disclosure(
            consent,
            letter.doctor,
            letter.kind_info.scope,
            description=str(letter.kind_info.title),
            channel=delivery.channel,
            by=delivery.queued_by,
        )
        sent = {
            "status": DeliveryStatus.SENT,
            "sent_at": timezone.now(),
            "output_path": output or "",
            "message_id": delivery.message_id,
            "attempts": F("attempts") + 1,
            "claimed_at": None,
        }
        if not Delivery.objects.filter(
            pk=delivery.pk, status=DeliveryStatus.SENDING, claimed_at=delivery.claimed_at
        ).update(**sent, last_error=""):
            # This worker outlived its lease and another took the letter back: this copy
            # went all the same, and another may go (or have gone) too.
            Delivery.objects.filter(pk=delivery.pk).exclude(
                status__in=[DeliveryStatus.SENT, DeliveryStatus.DELIVERED]
            ).update(**sent)
            Delivery.objects.filter(pk=delivery.pk).update(duplicate_possible=True)
        delivery.refresh_from_db()
        record_change(
            letter,
            by=None,
            via=JOB,
            client=letter.client,
            created=False,
            changed_fields=[f"sent by {delivery.get_channel_display().lower()}"],
        )
        _letter_went(letter, delivery, by=delivery.queued_by)


def _record_failure(delivery: Delivery, mine, error: Exception) -> None:
    attempts = delivery.attempts + 1
    may_have_gone = isinstance(error, channels.SendStarted)
    cause = error.error if isinstance(error, channels.SendStarted) else error
    log.warning("Delivery %s failed (attempt %s): %s", delivery.pk, attempts, cause)
    reason = f"{type(cause).__name__}: {cause}"
    if may_have_gone:
        reason = (
            "The receiving server may have received the letter but did not answer in "
            f"time ({reason})"
        )
    failed = {
        "status": DeliveryStatus.FAILED if attempts >= MAX_ATTEMPTS else DeliveryStatus.QUEUED,
        "attempts": attempts,
        "last_error": reason[:1000],
        "next_attempt_at": timezone.now() + _backoff(attempts),
        "claimed_at": None,
    }
    if may_have_gone:
        failed["duplicate_possible"] = True
    _write_result(lambda: mine.update(**failed), delivery)


def _write_result(write, delivery: Delivery) -> None:
    for attempt in range(1, RESULT_WRITE_TRIES + 1):
        try:
            write()
            return
        except OperationalError as error:
            # SQLite busy past its timeout. If it never clears, the lease runs out and
            # the delivery is taken back, flagged as possibly sent twice.
            log.warning("Delivery %s result not written (try %s): %s", delivery.pk, attempt, error)
            if attempt == RESULT_WRITE_TRIES:
                log.error("Delivery %s left to its lease after %s tries", delivery.pk, attempt)
                return
            time.sleep(attempt)


def record_acknowledgement(
    practice_id: int, control_id: str, code: str, text: str
) -> Delivery | None:
    """The recipient's ACK for a letter we sent by HL7: delivered, or refused by them.
    Only the practice that received the ACK may be matched: a control id is not secret,
    and one practice's gateway must not change another practice's letters."""
    delivery = Delivery.objects.filter(
        practice_id=practice_id, channel=Channel.HL7, message_id=control_id
    ).first()
    if delivery is None:
        return None
    if code in ("AA", "CA"):
        delivery.status = DeliveryStatus.DELIVERED
        delivery.last_error = ""
    else:
        delivery.status = DeliveryStatus.FAILED
        delivery.last_error = f"The recipient's system answered {code}: {text}"[:1000]
    delivery.save(update_fields=["status", "last_error", "updated_at"])
    return delivery
