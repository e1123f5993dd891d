from __future__ import annotations

import functools
import logging
from dataclasses import asdict
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from careloop import events
from careloop.audit.actions import COMMAND, Via, record_change
from careloop.lib import tokens
from careloop.practices.models import Role
from careloop.practices.permissions import may_follow_up_risk_alerts

from . import tasks
from .events import ScoresRecorded
from .models import MeasureInvitation, MeasureResult, RiskAlert
from .scoring import get_measure, score

if TYPE_CHECKING:
    from django.db.models import QuerySet

    from careloop.clients.models import Client
    from careloop.practices.models import Practice, User

log = logging.getLogger(__name__)

INVITATION_DAYS = 7
_SALT = "careloop.measure-invitation"


def band_set_for(practice: Practice, measure_code: str) -> str | None:
    """The practice's chosen band set where a measure has more than one (the K10)."""
    return practice.k10_band_set if measure_code == "k10" else None


def record_result(
    client: Client,
    measure_code: str,
    answers: dict[Any, Any],
    *,
    on: date,
    by: User | None = None,
    via: Via = COMMAND,
    extra_answers: dict[str, Any] | None = None,
    by_client: bool = False,
) -> MeasureResult:
    """Score and store a completed questionnaire. AnswerError if any answer is invalid;
    nothing is stored then."""
    result = score(measure_code, answers, band_set_for(client.practice, measure_code))
    measure = get_measure(measure_code)
    with transaction.atomic():
        stored = MeasureResult.objects.create(
            practice=client.practice,
            client=client,
            measure=measure_code,
            administered_on=on,
            answers={str(k): v for k, v in sorted({int(k): v for k, v in answers.items()}.items())},
            extra_answers=extra_answers or {},
            scores=[asdict(s) for s in result.scales],
            flags=[asdict(f) for f in result.flags],
            band_set=result.band_set,
            scoring_version=result.version,
            entered_by=by if by is not None and by.is_authenticated else None,
            completed_by_client=by_client,
        )
        record_change(
            stored,
            by=by,
            via=via,
            client=client,
            created=True,
            changed_fields=[measure.short_name],
        )
        raise_alerts(stored)
        events.publish(ScoresRecorded(stored.pk, client.pk))
    return stored


def treating_clinician(client: Client) -> User | None:
    """Who treats the client now: the clinician assigned to their latest referral, or
    else the one they saw last. None for a client nobody has seen yet."""
    referral = (
        client.referrals.filter(assigned_clinician__isnull=False)
        .select_related("assigned_clinician")
        .order_by("-referral_date", "-created_at")
        .first()
    )
    if referral is not None:
        return referral.assigned_clinician
    session = client.sessions.select_related("clinician").order_by("-starts_at").first()
    return session.clinician if session is not None else None


def raise_alerts(result: MeasureResult) -> list[RiskAlert]:
    """One alert per risk flag of a stored result, e-mailed to the treating clinician
    and the owners as soon as the result is committed."""
    if not result.flags:
        return []
    clinician = treating_clinician(result.client)
    alerts = [
        RiskAlert.objects.create(
            practice=result.practice,
            client=result.client,
            result=result,
            flag_code=flag["code"][:40],
            label=flag["label"][:300],
            certain=flag.get("certain", True),
            clinician=clinician,
        )
        for flag in result.flags
    ]
    for alert in alerts:
        transaction.on_commit(functools.partial(tasks.notify_risk_alert, alert.pk), robust=True)
    return alerts


def alert_recipients(alert: RiskAlert) -> list[User]:
    owners = alert.practice.members.filter(is_active=True, role=Role.OWNER)
    people = {user.pk: user for user in owners}
    if alert.clinician is not None and alert.clinician.is_active:
        people[alert.clinician.pk] = alert.clinician
    return [user for user in people.values() if user.email]


def notify_risk_alert(alert_id: int) -> None:
    """E-mail the people who must act. The e-mail names no answers and no diagnosis,
    only that a client's questionnaire needs follow-up and where to read it. Sent once:
    a retry after success does nothing."""
    alert = RiskAlert.objects.select_related("client", "practice", "clinician", "result").get(
        pk=alert_id
    )
    if alert.notified_at is not None:
        return
    recipients = alert_recipients(alert)
    if not recipients:
        log.warning("Risk alert %s has no one to e-mail; it shows on the dashboards.", alert.pk)
        return
    client = alert.client
    context = {
        "alert": alert,
        "initials": f"{client.given_name[:1]}{client.family_name[:1]}".upper(),
        "link": settings.SITE_URL + alert.get_absolute_url(),
    }
    send_mail(
        f"Safety alert at {alert.practice.name}: a questionnaire needs follow-up today",
        render_to_string("measures/risk_alert_email.txt", context),
        None,
        [user.email for user in recipients],
    )
    RiskAlert.objects.filter(pk=alert.pk, notified_at__isnull=True).update(
        notified_at=timezone.now()
    )


may_follow_up = may_follow_up_risk_alerts


def record_follow_up(alert: RiskAlert, note: str, *, by: User, via: Via) -> RiskAlert:
    """A clinician says what was done. Only clinicians: a receptionist cannot close a
    safety alert."""
    user = by
    if not may_follow_up(user):
        raise PermissionError("Only a clinician can record the follow-up of a safety alert.")
    note = note.strip()
    if not note:
        raise ValueError("Say what was done: who spoke with the client, when, and the plan.")
    with transaction.atomic():
        locked = RiskAlert.objects.select_for_update().get(pk=alert.pk)
        if locked.followed_up_at is not None:
            return locked
        locked.followed_up_at = timezone.now()
        locked.followed_up_by = user
        locked.follow_up = note
        locked.save(update_fields=["followed_up_at", "followed_up_by", "follow_up", "updated_at"])
        record_change(
            locked,
            by=by,
            via=via,
            client=locked.client,
            created=False,
            changed_fields=["follow-up"],
        )
    return locked


def open_alerts_for(user: User, practice: Practice) -> QuerySet[RiskAlert]:
    """The alerts a person's dashboard shows: the owners see every open one, a
    clinician those of their own clients."""
    alerts = RiskAlert.objects.for_practice(practice).filter(followed_up_at__isnull=True)
    if not user.is_owner:
        if not user.is_clinician:
            return alerts.none()
        alerts = alerts.filter(clinician=user)
    return alerts.select_related("client", "result", "clinician").order_by("created_at")


def invite(
    client: Client,
    measure_code: str,
    *,
    by: User | None,
    via: Via = COMMAND,
    email_to: str = "",
    site: str = "",
) -> tuple[MeasureInvitation, str]:
    """A one-use link for the client; e-mailed to them (after commit, by a job) when
    `email_to` is given. The e-mail carries the link only, no clinical information."""
    get_measure(measure_code)  # refuse unknown measures early
    with transaction.atomic():
        invitation = MeasureInvitation.objects.create(
            practice=client.practice,
            client=client,
            measure=measure_code,
            expires_at=timezone.now() + timedelta(days=INVITATION_DAYS),
            created_by=by,
        )
        record_change(
            invitation,
            by=by,
            via=via,
            client=client,
            created=True,
            label=f"{invitation.get_measure_display()} link for {client}",
        )
        if email_to:
            transaction.on_commit(
                lambda: tasks.email_invitation(invitation.pk, site or settings.SITE_URL),
                robust=True,
            )
    return invitation, tokens.make(str(invitation.uuid), salt=_SALT)


def invitation_for_token(token: str) -> MeasureInvitation | None:
    """The open invitation a link names, or None if forged, expired or used."""
    public_id = tokens.read(token, salt=_SALT, max_age_days=INVITATION_DAYS)
    if public_id is None:
        return None
    return (
        MeasureInvitation.objects.select_related("client__practice")
        .filter(uuid=public_id, completed_at__isnull=True, expires_at__gt=timezone.now())
        .first()
    )


def complete_invitation(
    invitation: MeasureInvitation,
    answers: dict[Any, Any],
    extra: dict[str, Any] | None = None,
    *,
    via: Via,
) -> MeasureResult | None:
    with transaction.atomic():
        locked = MeasureInvitation.objects.select_for_update().get(pk=invitation.pk)
        if locked.completed_at is not None:
            return None  # submitted twice (a double tap): the first one counts
        result = record_result(
            locked.client,
            locked.measure,
            answers,
            on=locked.client.practice.today(),
            extra_answers=extra,
            by_client=True,
            via=via,
        )
        locked.completed_at = timezone.now()
        locked.result = result
        locked.save(update_fields=["completed_at", "result", "updated_at"])
    return result
