"""Writes of the enquiries app: each takes the acting user (`by`, None for the public)
and the channel (`via`), and is audited."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone

from careloop.audit.actions import Via, record_change
from careloop.referrals.matching import ClientMatch, PatientDetails, match_client

from .models import Enquiry, EnquiryStatus

if TYPE_CHECKING:
    from careloop.practices.models import Niche, Practice, User


class AlreadyHandled(ValueError):
    """The enquiry already became a client, or was closed."""


@dataclass(frozen=True)
class EnquiryDetails:
    name: str
    email: str
    phone: str
    looking_for: str
    preferred_clinician: User | None = None
    preferred_niche: Niche | None = None


def receive(practice: Practice, details: EnquiryDetails, *, by: User | None, via: Via) -> Enquiry:
    """Store an enquiry from the website and tell the practice, by a job after commit."""
    from . import tasks

    with transaction.atomic():
        enquiry = Enquiry.objects.create(
            practice=practice,
            name=details.name[:120],
            email=details.email[:254],
            phone=details.phone[:30],
            looking_for=details.looking_for,
            preferred_clinician=details.preferred_clinician,
            preferred_niche=details.preferred_niche,
            consent_given_at=timezone.now(),
        )
        record_change(enquiry, by=by, via=via, client=None, created=True)
        transaction.on_commit(lambda: tasks.notify_practice(enquiry.pk), robust=True)
    return enquiry


def convert_to_client(
    enquiry: Enquiry, details: PatientDetails, *, by: User | None, via: Via
) -> ClientMatch:
    """Make the person a client, matched as intake matches a referral's patient (the
    same Medicare card and birthday is the same person; the same name and birthday is
    flagged for staff, never merged), and link the enquiry to that client."""
    with transaction.atomic():
        enquiry = Enquiry.objects.select_for_update().get(pk=enquiry.pk)
        if enquiry.status != EnquiryStatus.NEW:
            raise AlreadyHandled("This enquiry has already been dealt with.")
        match = match_client(enquiry.practice, details)
        if match.outcome != "matched":
            record_change(
                match.client,
                by=by,
                via=via,
                client=match.client,
                created=True,
                changed_fields=["from an enquiry"],
            )
        enquiry.client = match.client
        enquiry.status = EnquiryStatus.CONVERTED
        enquiry.handled_at = timezone.now()
        enquiry.handled_by = by if by is not None and by.is_authenticated else None
        enquiry.save(update_fields=["client", "status", "handled_at", "handled_by", "updated_at"])
        record_change(
            enquiry,
            by=by,
            via=via,
            client=match.client,
            created=False,
            changed_fields=["client", "status"],
        )
    return match


def close(enquiry: Enquiry, *, by: User | None, via: Via) -> Enquiry:
    """Nothing more to do (answered without booking, or spam that got through)."""
    with transaction.atomic():
        enquiry = Enquiry.objects.select_for_update().get(pk=enquiry.pk)
        if enquiry.status != EnquiryStatus.NEW:
            raise AlreadyHandled("This enquiry has already been dealt with.")
        enquiry.status = EnquiryStatus.CLOSED
        enquiry.handled_at = timezone.now()
        enquiry.handled_by = by if by is not None and by.is_authenticated else None
        enquiry.save(update_fields=["status", "handled_at", "handled_by", "updated_at"])
        record_change(
            enquiry, by=by, via=via, client=None, created=False, changed_fields=["status"]
        )
    return enquiry
