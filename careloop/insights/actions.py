"""Writes of the insights app: each audited, each taking the acting user."""

from collections.abc import Iterable

from django.db import transaction

from careloop.audit.actions import Via, record_change
from careloop.practices.models import Practice, User

from . import facts
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
