from dataclasses import asdict
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from careloop.audit.actions import record_change
from careloop.lib import tokens

from .models import MeasureInvitation, MeasureResult
from .scoring import get_measure, score

INVITATION_DAYS = 7
_SALT = "careloop.measure-invitation"


def band_set_for(practice, measure_code: str) -> str | None:
    """The practice's chosen band set where a measure has more than one (the K10)."""
    return practice.k10_band_set if measure_code == "k10" else None


def record_result(
    client,
    measure_code: str,
    answers: dict,
    *,
    on,
    request=None,
    by=None,
    extra_answers=None,
    by_client=False,
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
        if request is not None:
            record_change(
                request, stored, client=client, created=True, changed_fields=[measure.short_name]
            )
    return stored


def invite(client, measure_code: str, *, by) -> tuple[MeasureInvitation, str]:
    get_measure(measure_code)  # refuse unknown measures early
    invitation = MeasureInvitation.objects.create(
        practice=client.practice,
        client=client,
        measure=measure_code,
        expires_at=timezone.now() + timedelta(days=INVITATION_DAYS),
        created_by=by,
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


def complete_invitation(invitation: MeasureInvitation, answers: dict, extra=None):
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
        )
        locked.completed_at = timezone.now()
        locked.result = result
        locked.save(update_fields=["completed_at", "result", "updated_at"])
    return result
