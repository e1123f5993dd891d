from careloop.audit.models import AuditAction, AuditEvent
from careloop.lib.network import client_address


def _client_address(request) -> str | None:
    return client_address(request) if request is not None else None


def record(
    *,
    request,
    action: str,
    obj,
    client=None,
    changed_fields=(),
    object_type: str = "",
    object_label: str = "",
) -> AuditEvent:
    """Append one audit row for `obj` (any practice-owned record with a uuid)."""
    user = request.user
    return AuditEvent.objects.create(
        practice=obj.practice,
        actor=user if user.is_authenticated else None,
        actor_label=(
            f"{user.get_full_name()} <{user.email}>" if user.is_authenticated else "public"
        )[:160],
        action=action,
        object_type=(object_type or obj._meta.verbose_name)[:40],
        object_uuid=obj.uuid,
        object_label=(object_label or str(obj))[:200],
        client_uuid=client.uuid if client is not None else None,
        changed_fields=sorted(changed_fields),
        ip_address=_client_address(request),
    )


def record_view(request, obj, *, client) -> AuditEvent:
    """One "viewed" row per page: a page showing several records (a client with their
    referral) is one look at the client's information, and a log padded with several
    rows per look hides who really looked at what. The first record named wins."""
    earlier = getattr(request, "_careloop_viewed", None)
    if earlier is not None:
        return earlier
    event = record(request=request, action=AuditAction.VIEW, obj=obj, client=client)
    if request is not None:
        request._careloop_viewed = event
    return event


def record_change(request, obj, *, client, created: bool, changed_fields=()) -> AuditEvent:
    action = AuditAction.CREATE if created else AuditAction.UPDATE
    return record(
        request=request, action=action, obj=obj, client=client, changed_fields=changed_fields
    )
