"""The audit log's one write path. Actions call it with the acting user (or None for
the public, a link or a background job) and `Via`: the channel and address an action
came through. No request reaches this module, so imports, jobs and links are audited
exactly like staff pages."""

from dataclasses import dataclass

from careloop.audit.models import AuditAction, AuditEvent
from careloop.lib.network import client_address

STAFF_APP = "staff app"
PUBLIC_FORM = "practice website"
SECURE_MESSAGING = "secure messaging"
CLIENT_LINK = "client's link"
DOCTOR_LINK = "doctor's link"
BACKGROUND_JOB = "background job"
COMMAND_LINE = "command line"


@dataclass(frozen=True)
class Via:
    """Where an action came from: the channel, and the caller's address if any."""

    channel: str = STAFF_APP
    address: str | None = None


JOB = Via(BACKGROUND_JOB)
COMMAND = Via(COMMAND_LINE)


def via_request(request, channel: str = STAFF_APP) -> Via:
    return Via(channel, client_address(request))


def _actor(by):
    return by if by is not None and getattr(by, "is_authenticated", False) else None


def record(
    obj,
    *,
    action: str,
    by,
    via: Via,
    client=None,
    changed_fields=(),
    label: str = "",
    object_type: str = "",
) -> AuditEvent:
    """Append one audit row for `obj` (any practice-owned record with a uuid)."""
    actor = _actor(by)
    return AuditEvent.objects.create(
        practice_id=obj.practice_id,
        actor=actor,
        actor_label=(
            f"{actor.get_full_name()} <{actor.email}>" if actor is not None else via.channel
        )[:160],
        action=action,
        object_type=(object_type or obj._meta.verbose_name)[:40],
        object_uuid=obj.uuid,
        object_label=(label or str(obj))[:200],
        client_uuid=client.uuid if client is not None else None,
        changed_fields=sorted(changed_fields),
        ip_address=via.address,
        channel=via.channel[:30],
    )


def record_view(obj, *, by, via: Via, client) -> AuditEvent:
    return record(obj, action=AuditAction.VIEW, by=by, via=via, client=client)


def record_change(
    obj, *, by, via: Via, client, created: bool, changed_fields=(), label: str = ""
) -> AuditEvent:
    action = AuditAction.CREATE if created else AuditAction.UPDATE
    return record(
        obj,
        action=action,
        by=by,
        via=via,
        client=client,
        changed_fields=changed_fields,
        label=label,
    )
