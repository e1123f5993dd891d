"""Writes of the insights app: each audited, each taking the acting user."""

from collections.abc import Iterable, Sequence

from django.db import transaction

from careloop.audit.actions import Via, record_change
from careloop.outreach import messages
from careloop.outreach.models import TemplateKind
from careloop.practices.models import Practice, User

from . import facts, yearly
from .models import InsightSettings


def save_settings(
    settings: InsightSettings,
    *,
    practice: Practice,
    by: User | None,
    via: Via,
    changed_fields: Iterable[str] = (),
) -> InsightSettings:
    """Save the practice's insight settings. A new report deadline changes which loops
    closed, so the summary rows are recomputed once the change commits."""
    changed = list(changed_fields)
    with transaction.atomic():
        created = settings.pk is None
        settings.practice = practice
        settings.save()
        record_change(
            settings, by=by, via=via, client=None, created=created, changed_fields=changed
        )
        if "report_within_days" in changed:
            practice_id = practice.pk
            transaction.on_commit(lambda: _refresh(practice_id), robust=True)
    return settings


def _refresh(practice_id: int) -> None:
    from careloop.practices.scoping import practice_scope

    practice = Practice.objects.get(pk=practice_id)
    with practice_scope(practice):
        facts.refresh(practice)


def send_yearly_summaries(
    practice: Practice,
    summaries: Sequence[yearly.Summary],
    *,
    batch_key: str,
    by: User | None,
    via: Via,
) -> messages.SendResult:
    """Queue each doctor offered a yearly summary their letter, through outreach's
    messages: once per batch (a re-posted form sends nothing twice), by e-mail or printed,
    and skipping whoever outreach's own rules skip (do not contact, the frequency cap, the
    doctor's own pace). `summaries` are the preview page's (yearly.page), so the text sent
    is the one shown: totals of 5 or more only. A doctor not offered one (do not contact,
    fewer than 5 patients) is named, unsent."""
    subject = yearly.letter_subject(practice)
    texts = [
        (s.doctor, messages.Wording(subject, yearly.letter_body(s))) for s in summaries if s.offered
    ]
    result = messages.queue_messages(
        practice, TemplateKind.YEARLY_SUMMARY, texts, batch_key=batch_key, by=by, via=via
    )
    result.skipped = [
        (s.doctor, s.blocked[0].lower() + s.blocked[1:]) for s in summaries if not s.offered
    ] + result.skipped
    return result
