"""The ways a letter leaves the practice: one class per channel, each with one
`send(delivery)` that returns where it wrote the message ("" for e-mail), registered
under the channel's stored name, as healthchecks lists its transports.

A new channel (say, a secure-messaging API) is a class here; the outbox around it
(queue, claim, consent, retries, disclosure) does not change.
"""

from __future__ import annotations

import contextlib
import smtplib
from pathlib import Path
from typing import ClassVar

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.urls import reverse

from careloop.interop.hl7v2 import oru
from careloop.interop.outbound import OutboundLetter
from careloop.lib.text import single_line

from .downloads import download_token
from .models import Channel, Delivery
from .render import feedback_url, generate_pdf


class Transport:
    channel: ClassVar[str]

    def send(self, delivery: Delivery) -> str:
        raise NotImplementedError


TRANSPORTS: dict[str, Transport] = {}


def register(cls: type[Transport]) -> type[Transport]:
    TRANSPORTS[cls.channel] = cls()
    return cls


def transport_for(channel: str) -> Transport:
    return TRANSPORTS[channel]


class SendStarted(Exception):
    """A channel failed after its message may have left: the server took the message
    but its answer never came (a timeout after the data was sent, a dropped line). The
    retry may give the doctor a second copy, with the same Message-ID."""

    def __init__(self, error: BaseException):
        self.error = error
        super().__init__(f"{type(error).__name__}: {error}")


def _outbound_dir(practice, kind: str) -> Path:
    folder = Path(settings.DATA_DIR) / "outbound" / practice.slug / kind
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _initials(client) -> str:
    # From cleaned names: a name stored with a line break would otherwise put one in
    # the subject, and every e-mail letter for the client would fail.
    names = (single_line(client.given_name), single_line(client.family_name))
    return "".join(f"{name[0].upper()}." for name in names if name)


def _send_email(delivery: Delivery) -> str:
    letter = delivery.letter
    practice = letter.practice
    name, mimetype, pdf = generate_pdf(letter)
    # E-mail crosses servers we do not control and subjects show in every inbox list:
    # the patient is named only inside the PDF or behind the link.
    patient = _initials(letter.client)
    if letter.referral is not None:
        patient += f", our ref {letter.referral.reference}"
    body = [
        f"Dear {letter.doctor.display_name},",
        "",
        f"Please find our {letter.kind_info.title.lower()} for your patient {patient}.",
        "",
    ]
    message = EmailMessage(
        # Every header from cleaned values.
        subject=single_line(f"{letter.kind_info.title}: {patient} ({practice.name})"),
        to=[single_line(letter.doctor.email)],
        # One Message-ID per delivery, the same on every retry: a mail system that sees
        # it twice drops the copy.
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
    message.message()  # a bad header fails here, before anything leaves
    _smtp_send(message)
    return ""


def _smtp_send(message: EmailMessage) -> None:
    """Send one message, telling a failure before the message left (the server is down
    or refused it: nothing went) from one after (no answer: it may have gone)."""
    connection = get_connection()
    connection.open()
    try:
        connection.send_messages([message])
    except (smtplib.SMTPResponseException, smtplib.SMTPRecipientsRefused):
        raise  # the server answered no: nothing was delivered
    except Exception as error:
        raise SendStarted(error) from error
    finally:
        with contextlib.suppress(Exception):
            # The message is accepted once the server answered the data; a QUIT that
            # times out changes nothing.
            connection.close()


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


def build_fhir_bundle(delivery, pdf: bytes) -> str:
    # Imported on first use: the FHIR models (pydantic) take about 12 MB in every web
    # worker; only the outbox sends FHIR.
    from careloop.interop.fhir.letter_bundle import build_letter_bundle

    return build_letter_bundle(outbound_letter(delivery, pdf))


def _send_fhir(delivery) -> str:
    _, _, pdf = generate_pdf(delivery.letter)
    path = _outbound_dir(delivery.practice, "fhir") / f"{delivery.uuid}.json"
    path.write_text(build_fhir_bundle(delivery, pdf), encoding="utf-8")
    return str(path)


def _send_print(delivery) -> str:
    raise RuntimeError("Printed letters are confirmed by staff, not sent by the outbox.")


@register
class Email(Transport):
    channel = Channel.EMAIL

    def send(self, delivery: Delivery) -> str:
        return _send_email(delivery)


@register
class SecureMessage(Transport):
    """HL7 v2 ORU^R01, written for the practice's secure-messaging client to pick up."""

    channel = Channel.HL7

    def send(self, delivery: Delivery) -> str:
        return _send_hl7(delivery)


@register
class Fhir(Transport):
    channel = Channel.FHIR

    def send(self, delivery: Delivery) -> str:
        return _send_fhir(delivery)


@register
class Print(Transport):
    channel = Channel.PRINT

    def send(self, delivery: Delivery) -> str:
        return _send_print(delivery)
