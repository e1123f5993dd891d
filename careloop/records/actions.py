"""Writes for records: the retention rule, access reports, and disposal."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models, transaction
from django.db.models.deletion import ProtectedError, RestrictedError
from django.utils import timezone

from careloop.audit.actions import Via, record, record_change
from careloop.audit.models import AuditAction
from careloop.clients.models import Client
from careloop.consent.rules import record_access_disclosure
from careloop.web.pdf import render_pdf

from . import access, queries, tasks
from .collect import client_rows
from .models import AccessReport, AccessReportStatus, DisposalRecord, RetentionSettings

if TYPE_CHECKING:
    from careloop.practices.models import Practice, User


def save_retention_settings(
    practice: Practice, data: dict[str, Any], *, by: User, via: Via
) -> RetentionSettings:
    with transaction.atomic():
        settings, created = RetentionSettings.objects.for_practice(practice).get_or_create(
            practice=practice
        )
        changed = [name for name, value in data.items() if getattr(settings, name) != value]
        for name, value in data.items():
            setattr(settings, name, value)
        settings.save()
        record_change(
            settings, by=by, via=via, client=None, created=created, changed_fields=changed
        )
    return settings


# --- Access reports (APP 12) -----------------------------------------------------------


def request_access_report(
    client: Client,
    *,
    include_clinical_notes: bool,
    notes_withheld_reason: str = "",
    by: User,
    via: Via,
) -> AccessReport:
    """Record the request and the owner's choice about clinical notes; the PDF and JSON
    are made by a background job."""
    with transaction.atomic():
        report = AccessReport.objects.create(
            practice=client.practice,
            client=client,
            requested_by=by,
            include_clinical_notes=include_clinical_notes,
            notes_withheld_reason="" if include_clinical_notes else notes_withheld_reason,
        )
        record_change(
            report,
            by=by,
            via=via,
            client=client,
            created=True,
            changed_fields=["include_clinical_notes"] if include_clinical_notes else [],
        )
        transaction.on_commit(lambda: tasks.produce_access_report(report.pk), robust=True)
    return report


def produce_access_report(report_id: int, *, via: Via) -> AccessReport:
    """Write the report's JSON and PDF, then log it as a disclosure to the client."""
    report = AccessReport.objects.select_related("client__practice", "requested_by").get(
        pk=report_id
    )
    if report.status == AccessReportStatus.READY:
        return report  # a retried job
    client = report.client
    report.produced_at = timezone.now()
    sections = access.gather(client, include_notes=report.include_clinical_notes)
    data = json.dumps(access.as_json(report, sections), cls=DjangoJSONEncoder, indent=1)
    pdf = render_pdf(
        "records/access_report_document.html",
        {"report": report, "client": client, "practice": client.practice, "sections": sections},
    )
    stem = f"access-{report.uuid}"
    with transaction.atomic():
        report.data.save(f"{stem}.json", ContentFile(data.encode()), save=False)
        report.pdf.save(f"{stem}.pdf", ContentFile(pdf), save=False)
        report.status = AccessReportStatus.READY
        report.save(update_fields=["data", "pdf", "status", "produced_at", "updated_at"])
        record_access_disclosure(
            client,
            description=(
                "A copy of the client's records (PDF and JSON), "
                + (
                    "clinical notes included."
                    if report.include_clinical_notes
                    else "clinical notes withheld"
                    + (f": {report.notes_withheld_reason}" if report.notes_withheld_reason else ".")
                )
            ),
            channel="access report",
            by=report.requested_by,
        )
        record_change(
            report,
            by=report.requested_by,
            via=via,
            client=client,
            created=False,
            changed_fields=["pdf", "data", "status"],
        )
    return report


def mark_access_report_failed(report_id: int) -> None:
    AccessReport.objects.filter(pk=report_id, status=AccessReportStatus.PREPARING).update(
        status=AccessReportStatus.FAILED
    )


# --- Disposal --------------------------------------------------------------------------


class NotPastRetention(Exception):
    """The record's retention period has not ended; it cannot be disposed of."""


def _stored_files(held: dict[type[models.Model], set[int]]) -> list[str]:
    names = []
    for model, ids in held.items():
        file_fields = [
            f.attname for f in model._meta.concrete_fields if isinstance(f, models.FileField)
        ]
        if not file_fields:
            continue
        for values in model._base_manager.filter(pk__in=ids).values_list(*file_fields):
            names += [name for name in values if name]
    return names


def _delete_all(held: dict[type[models.Model], set[int]]) -> None:
    """Delete every row of the record. Foreign keys that PROTECT a row (a letter from its
    deliveries) decide the order: a model whose rows are still protected waits for the
    next round, inside a savepoint so the failed attempt leaves nothing behind."""
    remaining = {model: ids for model, ids in held.items() if ids}
    while remaining:
        progressed = False
        for model in list(remaining):
            try:
                with transaction.atomic():
                    model._base_manager.filter(pk__in=remaining[model]).delete()
            except (ProtectedError, RestrictedError):
                continue
            del remaining[model]
            progressed = True
        if not progressed:
            raise RuntimeError(
                "These records protect each other and cannot be disposed of: "
                + ", ".join(m._meta.label for m in remaining)
            )


def _delete_files(names: list[str]) -> None:
    for name in names:
        default_storage.delete(name)


def dispose_of_client(client: Client, *, by: User, via: Via) -> DisposalRecord:
    """Delete the client and everything held about them, for good, and keep a register
    row of who disposed of which record when (no name, no contents). Refused while the
    retention period runs. Never called by a job: an owner decides, one record at a
    time."""
    practice = client.practice
    with transaction.atomic():
        client = Client.objects.select_for_update().get(pk=client.pk)
        due = queries.retention_of(
            practice, queries.with_contacts(Client.objects.filter(pk=client.pk)).get()
        )
        if due.ends > practice.today():
            raise NotPastRetention(
                f"This record must be kept until {due.ends:%d/%m/%Y} under the practice's "
                "retention rule."
            )
        rule = queries.rule_for(practice)
        held = client_rows(client)
        files = _stored_files(held)
        register = DisposalRecord.objects.create(
            practice=practice,
            client_uuid=client.uuid,
            disposed_by=by,
            disposed_by_label=f"{by.get_full_name()} <{by.email}>"[:160],
            disposed_at=timezone.now(),
            retention_ended_on=due.ends,
            rule=(
                f"{rule.adult_years} years after the last contact"
                + (
                    f"; first seen as a minor: until age {rule.minor_until_age}"
                    if rule.minor_until_age
                    else ""
                )
            ),
        )
        record(
            register,
            action=AuditAction.DISPOSE,
            by=by,
            via=via,
            client=client,
            label=f"Client record {str(client.uuid)[:8]}",
            object_type="client record",
        )
        _delete_all(held)
        # Files go once the rows are gone for good; a rollback keeps both.
        transaction.on_commit(lambda: _delete_files(files))
    return register
