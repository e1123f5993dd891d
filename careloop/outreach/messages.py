"""Outreach letters and e-mails: the practice's wording (or the shipped defaults), and
sending one to selected doctors.

Why not the letters outbox's Delivery rows: a Delivery belongs to a clinical Letter about
one client (consent, disclosure log, referral clock), and an introduction is about no
client. So an outreach message is its own row (OutreachMessage, one per batch and
doctor: a retried send finds it and sends nothing new), and it reuses the outbox's
transport: the same SMTP sender, which tells "the server was down, nothing went" from
"it may have gone", and one Message-ID per message kept across retries. A message the
mail server did not take waits for `retry_unsent` (tasks.py), as letters wait for
`run_outbox`. Printed ones go on a print sheet for the practice to post.
"""

from __future__ import annotations

import logging
import string
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import partial

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from careloop.audit.actions import JOB, Via, record_change
from careloop.directory.models import Doctor
from careloop.letters.channels import _smtp_send
from careloop.lib.text import single_line
from careloop.practices.models import Practice, clinicians_of

from .models import (
    Activity,
    ActivityKind,
    OutreachMessage,
    OutreachTemplate,
    TemplateKind,
)
from .prospects import outreach_settings

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 8

PLACEHOLDERS = {
    "doctor_name": "the doctor's full name, e.g. Dr Mei Chen",
    "doctor_salutation": "how the letter greets them, e.g. Dr Chen",
    "practice_name": "your practice's name",
    "practice_phone": "your practice's phone number",
    "niches": "the client groups you see, e.g. youth, perinatal",
    "openings": "your current wait and urgent appointments",
    "referral_link": "the address of your online referral form",
    "sender_name": "the name of the person sending",
}


@dataclass(frozen=True)
class Wording:
    subject: str
    body: str


# Written for Australian GPs: short, specific, no sales talk, and the practical facts a
# GP needs to refer (how, how soon, for whom). GPs refer under a Mental Health Treatment
# Plan for Better Access; the wording leaves that to the GP's judgement.
DEFAULTS: dict[str, Wording] = {
    TemplateKind.INTRODUCTION: Wording(
        "Introducing {practice_name}: psychology referrals",
        "Dear {doctor_salutation},\n\n"
        "I am writing to introduce {practice_name}, a local practice that sees clients "
        "referred under a Mental Health Treatment Plan and privately.\n\n"
        "We work especially with {niches}.\n\n"
        "Current availability: {openings}.\n\n"
        "You can refer by secure message, by fax, or online at {referral_link}. We "
        "acknowledge every referral and send you a report at the end of each course of "
        "sessions.\n\n"
        "If it would help, we are happy to drop in and say hello to your team, or to "
        "answer any question by phone on {practice_phone}.\n\n"
        "Kind regards,\n{sender_name}\n{practice_name}",
    ),
    TemplateKind.FIRST_REFERRAL_THANKS: Wording(
        "Thank you for your referral to {practice_name}",
        "Dear {doctor_salutation},\n\n"
        "Thank you for your first referral to {practice_name}. We have been in touch with "
        "your patient, and you will receive our acknowledgement and, at the end of the "
        "course, our report.\n\n"
        "If there is anything you would like us to do differently, such as how much detail "
        "you want in our letters or how you prefer to receive them, please let us know on "
        "{practice_phone}.\n\n"
        "Kind regards,\n{sender_name}\n{practice_name}",
    ),
    TemplateKind.OPENINGS_UPDATE: Wording(
        "Availability at {practice_name}",
        "Dear {doctor_salutation},\n\n"
        "A short update on our availability for your patients: {openings}.\n\n"
        "We see {niches}. Referrals can be sent by secure message, by fax, or online at "
        "{referral_link}.\n\n"
        "Kind regards,\n{sender_name}\n{practice_name}",
    ),
    TemplateKind.LUNCH_AND_LEARN: Wording(
        "An offer of a lunch-and-learn for your team",
        "Dear {doctor_salutation},\n\n"
        "We would be glad to bring lunch to your practice and give your doctors, nurses "
        "and reception team a 30-minute session on an area of mental health you choose. "
        "Topics we often cover: {niches}, and when and how to refer.\n\n"
        "It counts towards your team's professional development, and there is no cost. "
        "If you are interested, call us on {practice_phone} or reply to this message and "
        "we will find a time that suits.\n\n"
        "Kind regards,\n{sender_name}\n{practice_name}",
    ),
}


# The kinds a practice writes from a template (and may reword). A yearly summary's text
# is written per doctor by insights and handed to `queue_messages`.
EDITABLE_KINDS = [kind for kind in TemplateKind if kind in DEFAULTS]


def unknown_placeholders(text: str) -> list[str]:
    """The {names} in a wording that are not ours: a typo would otherwise reach the doctor."""
    found = []
    for _, name, _, _ in string.Formatter().parse(text):
        if name is not None and name not in PLACEHOLDERS and name not in found:
            found.append(name)
    return found


def wording_for(practice: Practice, kind: str) -> Wording:
    own = OutreachTemplate.objects.filter(practice=practice, kind=kind).first()
    if own is not None:
        return Wording(own.subject, own.body)
    return DEFAULTS[kind]


def save_wording(practice: Practice, kind: str, subject: str, body: str, *, by, via: Via):
    with transaction.atomic():
        template, created = OutreachTemplate.objects.update_or_create(
            practice=practice, kind=kind, defaults={"subject": subject, "body": body}
        )
        record_change(template, by=by, via=via, client=None, created=created)
    return template


def reset_wording(practice: Practice, kind: str, *, by, via: Via) -> None:
    with transaction.atomic():
        for template in OutreachTemplate.objects.filter(practice=practice, kind=kind):
            record_change(template, by=by, via=via, client=None, created=False, label="reset")
            template.delete()


class _Blank(dict):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def openings_text(practice: Practice) -> str:
    """The openings in a sentence, from the clinicians' own numbers."""
    profiles = [
        user.clinician_profile
        for user in clinicians_of(practice).select_related("clinician_profile")
        if hasattr(user, "clinician_profile")
    ]
    accepting = [p for p in profiles if p.accepting_referrals]
    if not accepting:
        return "we are not taking new referrals at the moment"
    waits = [p.current_wait_days for p in accepting if p.current_wait_days is not None]
    urgent = sum(p.urgent_slots_this_week for p in accepting)
    parts = []
    if waits:
        parts.append(f"new clients are seen within about {_days(min(waits))}")
    else:
        parts.append("we are taking new referrals")
    if urgent:
        parts.append(f"{urgent} urgent appointment{'s' if urgent != 1 else ''} held this week")
    return "; ".join(parts)


def _days(days: int) -> str:
    if days >= 14 and days % 7 == 0:
        return f"{days // 7} weeks"
    return f"{days} day{'s' if days != 1 else ''}"


def niches_text(practice: Practice) -> str:
    names = [n.name.lower() for n in practice.niches.all()]
    if not names:
        return "adults and young people with anxiety, depression and stress"
    if len(names) == 1:
        return names[0]
    return ", ".join(names[:-1]) + " and " + names[-1]


def referral_link(practice: Practice) -> str:
    # The Careloop address, which always works, even when the leave-behind is asked for
    # on the practice's own domain (whose URL conf knows no slugs).
    return settings.SITE_URL + reverse(
        "publicsite:refer", args=[practice.slug], urlconf=settings.ROOT_URLCONF
    )


def practice_values(practice: Practice, sender) -> dict[str, str]:
    return {
        "practice_name": practice.name,
        "practice_phone": practice.phone or "our usual number",
        "niches": niches_text(practice),
        "openings": openings_text(practice),
        "referral_link": referral_link(practice),
        "sender_name": (getattr(sender, "full_name", "") or practice.name),
    }


def fill(wording: Wording, values: dict[str, str], doctor: Doctor) -> Wording:
    values = {**values, "doctor_name": doctor.display_name, "doctor_salutation": doctor.salutation}
    return Wording(
        single_line(wording.subject.format_map(_Blank(values))),
        wording.body.format_map(_Blank(values)),
    )


@dataclass
class SendResult:
    queued: list[OutreachMessage] = field(default_factory=list)
    already: list[Doctor] = field(default_factory=list)  # in this batch before: not again
    skipped: list[tuple[Doctor, str]] = field(default_factory=list)


def channel_for(doctor: Doctor) -> str:
    """E-mail for a doctor who takes our letters by e-mail; otherwise printed and posted.
    Secure messaging and FHIR carry clinical documents about a patient, not introductions."""
    if doctor.preferred_channel == "email" and doctor.email:
        return "email"
    return "print"


def why_not(doctor: Doctor, last_sent: date | None, cap_days: int, today: date) -> str:
    """The reason this doctor gets nothing now, or "" if they may be written to."""
    preference = getattr(doctor, "outreach_preference", None)
    if preference is not None and preference.do_not_contact:
        return "do not contact"
    if last_sent is not None:
        if today - last_sent < timedelta(days=cap_days):
            return (
                f"heard from us on {last_sent:%d/%m/%Y} (at most one message every {cap_days} days)"
            )
        every = preference.update_every_days if preference is not None else None
        if every and today - last_sent < timedelta(days=every):
            return f"asked to hear from us every {every} days; last on {last_sent:%d/%m/%Y}"
    return ""


def send_to_doctors(
    practice: Practice,
    kind: str,
    doctors: Iterable[Doctor],
    *,
    batch_key: str,
    by,
    via: Via,
) -> SendResult:
    """Queue one message per doctor in the practice's wording of `kind`, once per batch."""
    wording = wording_for(practice, kind)
    values = practice_values(practice, by)
    return queue_messages(
        practice,
        kind,
        [(doctor, fill(wording, values, doctor)) for doctor in doctors],
        batch_key=batch_key,
        by=by,
        via=via,
    )


def queue_messages(
    practice: Practice,
    kind: str,
    texts: Iterable[tuple[Doctor, Wording]],
    *,
    batch_key: str,
    by,
    via: Via,
) -> SendResult:
    """Queue each doctor their own text, once per batch. Do-not-contact, the frequency cap
    and the doctor's own "how often" are respected and named in the result."""
    from . import tasks

    result = SendResult()
    texts = list(texts)
    doctors = [doctor for doctor, _ in texts]
    today = timezone.localdate()
    cap = outreach_settings(practice).frequency_cap_days
    in_batch = set(
        OutreachMessage.objects.filter(
            practice=practice, batch_key=batch_key, doctor__in=doctors
        ).values_list("doctor_id", flat=True)
    )
    last_sent: dict[int, date] = {}
    for doctor_id, queued_at in (
        OutreachMessage.objects.filter(practice=practice, doctor__in=doctors)
        .exclude(batch_key=batch_key)
        .values_list("doctor_id", "queued_at")
    ):
        day = timezone.localdate(queued_at)
        last_sent[doctor_id] = max(day, last_sent.get(doctor_id, day))
    for doctor, text in texts:
        if doctor.practice_id != practice.pk:
            raise ValueError("A message goes only to the practice's own doctors.")
        if doctor.pk in in_batch:
            result.already.append(doctor)
            continue
        reason = why_not(doctor, last_sent.get(doctor.pk), cap, today)
        if reason:
            result.skipped.append((doctor, reason))
            continue
        channel = channel_for(doctor)
        try:
            with transaction.atomic():
                message = OutreachMessage.objects.create(
                    practice=practice,
                    kind=kind,
                    doctor=doctor,
                    batch_key=batch_key,
                    subject=single_line(text.subject)[:200],
                    body=text.body,
                    channel=channel,
                    sent_by=by if getattr(by, "pk", None) else None,
                )
                record_change(message, by=by, via=via, client=None, created=True)
                if channel == "print":
                    # It goes on the print sheet now: that is when it leaves our hands.
                    _mark_sent(message, by=by)
        except IntegrityError:
            # The same batch submitted twice at once: the other request has it.
            result.already.append(doctor)
            continue
        result.queued.append(message)
        if channel == "email":
            transaction.on_commit(partial(tasks.send_outreach_message, message.pk), robust=True)
    return result


def _mark_sent(message: OutreachMessage, *, by) -> None:
    activity = Activity.objects.create(
        practice=message.practice,
        kind=ActivityKind.EMAIL if message.channel == "email" else ActivityKind.LETTER,
        occurred_on=timezone.localdate(),
        doctor=message.doctor,
        summary=f"{TemplateKind(message.kind).label}: {message.subject}",
        logged_by=by if getattr(by, "pk", None) else None,
    )
    message.activity = activity
    message.sent_at = timezone.now()
    OutreachMessage.objects.filter(pk=message.pk).update(activity=activity, sent_at=message.sent_at)


def send_message(message_id: int) -> bool:
    """Send one queued e-mail; True if it went. Claimed with a conditional update on its
    attempt count, so two workers never both send it."""
    message = OutreachMessage.objects.select_related("doctor", "practice", "sent_by").get(
        pk=message_id
    )
    if message.sent_at is not None or message.channel != "email":
        return False
    if message.attempts >= MAX_ATTEMPTS:
        return False
    claimed = OutreachMessage.objects.filter(
        pk=message.pk, sent_at__isnull=True, attempts=message.attempts
    ).update(attempts=message.attempts + 1, updated_at=timezone.now())
    if not claimed:
        return False
    email = EmailMessage(
        subject=single_line(message.subject),
        body=message.body,
        to=[single_line(message.doctor.email)],
        reply_to=[single_line(message.practice.email)] if message.practice.email else None,
        # The same Message-ID on every retry: a mail system that sees it twice drops one.
        headers={"Message-ID": f"<outreach-{message.uuid}@careloop>"},
    )
    try:
        email.message()
        _smtp_send(email)
    except Exception as error:  # the mail server's failure: retry later, keep the reason
        log.warning("Outreach message %s not sent: %s", message.pk, error)
        OutreachMessage.objects.filter(pk=message.pk).update(
            last_error=f"{type(error).__name__}: {error}"[:500]
        )
        return False
    with transaction.atomic():
        _mark_sent(message, by=message.sent_by)
        OutreachMessage.objects.filter(pk=message.pk).update(last_error="")
        record_change(
            message, by=None, via=JOB, client=None, created=False, changed_fields=["sent"]
        )
    return True


# A claimed message is left alone this long: its worker may still be talking to the
# mail server.
LEASE = timedelta(minutes=5)


def retry_unsent(practice: Practice | None = None, *, now=None) -> int:
    """Send the e-mails still waiting (the mail server was down). Idempotent."""
    now = now or timezone.now()
    waiting = OutreachMessage.objects.filter(
        channel="email", sent_at__isnull=True, attempts__lt=MAX_ATTEMPTS, updated_at__lt=now - LEASE
    )
    if practice is not None:
        waiting = waiting.filter(practice=practice)
    return sum(send_message(pk) for pk in list(waiting.values_list("pk", flat=True)))
