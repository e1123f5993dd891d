"""The outbox: every letter leaves through here, by the doctor's channel.

A delivery is stored as queued before any attempt. A worker claims it with a
conditional update (so two workers never send the same one), checks consent at that
moment, sends, logs the disclosure, and marks it sent in one transaction. A channel
failure puts it back in the queue with a growing delay; consent withdrawn since
queuing refuses it. The `run_outbox` job (tasks.py) retries every minute.
"""

import logging
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from careloop.audit.actions import JOB, Via, record_change
from careloop.consent.rules import DisclosureRefused, check_disclosure, disclose
from careloop.interop.fhir.letter_bundle import build_letter_bundle
from careloop.interop.hl7v2 import oru
from careloop.interop.outbound import OutboundLetter
from careloop.referrals import actions as referral_actions

from . import tasks
from .downloads import download_token
from .models import Channel, Delivery, DeliveryStatus, Letter, LetterStatus
from .render import feedback_url, generate_pdf

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


def process_due(now=None, *, only=None, limit: int = 100) -> int:
    now = now or timezone.now()
    due = Delivery.objects.filter(status=DeliveryStatus.QUEUED, next_attempt_at__lte=now)
    if only is not None:
        due = due.filter(pk__in=only)
    sent = 0
    for pk in list(due.order_by("next_attempt_at").values_list("pk", flat=True)[:limit]):
        # The claim: only one worker turns queued into sending.
        if not Delivery.objects.filter(pk=pk, status=DeliveryStatus.QUEUED).update(
            status=DeliveryStatus.SENDING
        ):
            continue
        delivery = Delivery.objects.select_related(
            "letter__client__practice",
            "letter__doctor",
            "letter__signed_by",
            "letter__practice",
            "letter__referral",
        ).get(pk=pk)
        if delivery.channel == Channel.PRINT:
            # Queued before print waited for a person: it waits now, not "sent".
            Delivery.objects.filter(pk=pk).update(status=DeliveryStatus.TO_PRINT)
            continue
        try:
            with transaction.atomic():
                letter = delivery.letter
                disclose(
                    letter.client,
                    letter.doctor,
                    letter.kind_info.scope,
                    description=str(letter.kind_info.title),
                    channel=delivery.channel,
                    by=delivery.queued_by,
                )
                output = CHANNELS[delivery.channel](delivery)
                delivery.status = DeliveryStatus.SENT
                delivery.sent_at = timezone.now()
                delivery.output_path = output or ""
                delivery.attempts += 1
                delivery.last_error = ""
                delivery.save()
                record_change(
                    letter,
                    by=None,
                    via=JOB,
                    client=letter.client,
                    created=False,
                    changed_fields=[f"sent by {delivery.get_channel_display().lower()}"],
                )
                _letter_went(letter, delivery, by=delivery.queued_by)
            sent += 1
        except DisclosureRefused as refused:
            Delivery.objects.filter(pk=pk).update(
                status=DeliveryStatus.REFUSED, last_error=str(refused)
            )
        except Exception as error:  # a channel's failure: retry later, keep the reason
            attempts = delivery.attempts + 1
            log.warning("Delivery %s failed (attempt %s): %s", pk, attempts, error)
            Delivery.objects.filter(pk=pk).update(
                status=DeliveryStatus.FAILED if attempts >= MAX_ATTEMPTS else DeliveryStatus.QUEUED,
                attempts=attempts,
                last_error=f"{type(error).__name__}: {error}"[:1000],
                next_attempt_at=timezone.now() + _backoff(attempts),
            )
    return sent


def _outbound_dir(practice, kind: str) -> Path:
    folder = Path(settings.DATA_DIR) / "outbound" / practice.slug / kind
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _initials(client) -> str:
    return "".join(
        f"{part[0].upper()}." for part in (client.given_name, client.family_name) if part
    )


def _send_email(delivery) -> str:
    letter = delivery.letter
    practice = letter.practice
    name, mimetype, pdf = generate_pdf(letter)
    # E-mail crosses servers we do not control and subjects show in every inbox list:
    # the patient is named only inside the PDF or behind the link.
    patient = _initials(letter.client)
    if letter.referral_id:
        patient += f", our ref {letter.referral.reference}"
    body = [
        f"Dear {letter.doctor.display_name},",
        "",
        f"Please find our {letter.kind_info.title.lower()} for your patient {patient}.",
        "",
    ]
    message = EmailMessage(
        subject=f"{letter.kind_info.title}: {patient} ({practice.name})",
        to=[letter.doctor.email],
        # One Message-ID per delivery: a mail system that sees it twice drops the copy.
        headers={"Message-ID": f"<letter-{delivery.uuid}@careloop>"},
    )
    if practice.letters_by_link:
        link = settings.SITE_URL + reverse("letters:download", args=[download_token(letter)])
        body += [f"Download it here (the link works for 14 days): {link}", ""]
    else:
        message.attach(name, pdf, mimetype)
    body += [
        "How useful was this report? One minute of feedback helps us:",
        feedback_url(letter),
        "",
        "Kind regards,",
        practice.name,
    ]
    message.body = "\n".join(body)
    message.send()
    return ""


def outbound_letter(delivery, pdf: bytes) -> OutboundLetter:
    """What the HL7 and FHIR builders in interop need, gathered here because interop
    sits below letters and does not know a Letter."""
    letter = delivery.letter
    return OutboundLetter(
        letter_id=letter.uuid,
        message_id=delivery.uuid,
        title=str(letter.kind_info.title),
        practice=letter.practice,
        client=letter.client,
        doctor=letter.doctor,
        author=letter.signed_by or letter.author,
        signed_at=letter.signed_at,
        pdf=pdf,
    )


def build_oru(delivery, pdf: bytes) -> str:
    return oru.build_oru(outbound_letter(delivery, pdf), oru_control_id(delivery))


def _send_hl7(delivery) -> str:
    _, _, pdf = generate_pdf(delivery.letter)
    path = _outbound_dir(delivery.practice, "hl7") / f"{delivery.uuid}.hl7"
    path.write_text(build_oru(delivery, pdf), encoding="utf-8")
    delivery.message_id = oru_control_id(delivery)
    return str(path)


def oru_control_id(delivery) -> str:
    return oru.control_id(delivery.uuid)


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


def build_fhir_bundle(delivery, pdf: bytes) -> str:
    return build_letter_bundle(outbound_letter(delivery, pdf))


def _send_fhir(delivery) -> str:
    _, _, pdf = generate_pdf(delivery.letter)
    path = _outbound_dir(delivery.practice, "fhir") / f"{delivery.uuid}.json"
    path.write_text(build_fhir_bundle(delivery, pdf), encoding="utf-8")
    return str(path)


def _send_print(delivery) -> str:
    raise RuntimeError("Printed letters are confirmed by staff, not sent by the outbox.")


# Keyed by the stored channel name (a Channel is a str).
CHANNELS: dict[str, Callable[[Delivery], str]] = {
    Channel.EMAIL: _send_email,
    Channel.HL7: _send_hl7,
    Channel.FHIR: _send_fhir,
    Channel.PRINT: _send_print,
}
