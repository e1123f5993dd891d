"""Writes of the interop app: application acknowledgements of imported referrals."""

import os
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from careloop.practices.models import Practice
from careloop.referrals.models import Referral

from .hl7v2 import rri
from .models import InboundMessage


def _outbound_dir(practice: Practice) -> Path:
    # Beside the practice's outbound letters, for its messaging client to pick up.
    folder = Path(settings.DATA_DIR) / "outbound" / practice.slug / "hl7"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def send_application_ack(referral_id: int, *, accepted: bool) -> InboundMessage | None:
    """Answer the HL7 sender of a referral with an RRI^I12 once the practice has accepted
    or declined it, if the sender asked (MSH-16). Sent once: the first decision is the
    one the sender hears; later changes of status send nothing more."""
    with transaction.atomic():
        referral = Referral.objects.select_related("practice").get(pk=referral_id)
        message = (
            InboundMessage.objects.select_for_update()
            .filter(
                practice=referral.practice,
                referral=referral,
                application_ack_sent_at__isnull=True,
            )
            .first()
        )
        if message is None or not rri.wants_application_ack(message.application_ack_type):
            return None
        now = timezone.now()
        text = (
            f"Referral accepted, reference {referral.reference}."
            if accepted
            else f"Referral not taken on, reference {referral.reference}."
        )
        control_id = rri.control_id(message.uuid)
        body = rri.build_rri(
            message.raw,
            accepted=accepted,
            control_id=control_id,
            text=text,
            now=timezone.localtime(now, referral.practice.zoneinfo),
        )
        path = _outbound_dir(referral.practice) / f"rri-{message.uuid}.hl7"
        # Written whole, then moved into place: the messaging client never picks up
        # half a file. The name is fixed per message, so a retry replaces, not adds.
        partial = path.with_suffix(".part")
        partial.write_text(body, encoding="utf-8")
        os.replace(partial, path)
        message.application_ack = body
        message.application_ack_sent_at = now
        message.save(update_fields=["application_ack", "application_ack_sent_at", "updated_at"])
        return message
