from dataclasses import dataclass

from careloop.events import Event


@dataclass(frozen=True)
class ClientsMerged(Event):
    """Staff confirmed two client records are one person. Every app moves its own rows
    from the duplicate to the kept record, inside the merge's transaction: if any app
    cannot, nothing is merged."""

    in_transaction = True

    practice_id: int
    kept_id: int
    duplicate_id: int
