from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import transaction

from careloop import events
from careloop.audit.actions import Via, record_change

from .events import ClientsMerged
from .models import Client

if TYPE_CHECKING:
    from careloop.practices.models import User

# Details a merge may copy from the duplicate when the kept record has none.
_FILLABLE = (
    "preferred_name",
    "medicare_number",
    "medicare_irn",
    "email",
    "phone",
    "street",
    "suburb",
    "state",
    "postcode",
    "emergency_contact_name",
    "emergency_contact_relationship",
    "emergency_contact_phone",
    "usual_gp",
)


def confirm_same_person(duplicate: Client, *, by: User | None, via: Via) -> Client:
    """Staff confirmed the flagged client is the earlier one: move everything across,
    keep the earlier record, and remove the empty duplicate. One transaction: each app
    moves its own rows (ClientsMerged); if any cannot, nothing changes."""
    keep = duplicate.possible_duplicate_of
    if keep is None:
        raise ValueError("This client is not flagged as a possible duplicate.")
    with transaction.atomic():
        filled = []
        for name in _FILLABLE:
            if getattr(keep, name) in ("", None) and getattr(duplicate, name) not in ("", None):
                setattr(keep, name, getattr(duplicate, name))
                filled.append(name)
        keep.save()
        events.publish(ClientsMerged(keep.practice_id, keep.pk, duplicate.pk))
        record_change(
            keep,
            by=by,
            via=via,
            client=keep,
            created=False,
            changed_fields=filled + ["merged duplicate"],
            label=f"{keep} (merged with {duplicate}, {duplicate.uuid})",
        )
        duplicate.possible_duplicates.update(possible_duplicate_of=keep)
        duplicate.delete()
    return keep


def confirm_different_people(duplicate: Client, *, by: User | None, via: Via) -> Client:
    with transaction.atomic():
        duplicate.possible_duplicate_of = None
        duplicate.save(update_fields=["possible_duplicate_of", "updated_at"])
        record_change(
            duplicate,
            by=by,
            via=via,
            client=duplicate,
            created=False,
            changed_fields=["possible_duplicate_of"],
        )
    return duplicate
