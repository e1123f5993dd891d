"""Domain events: a lower app says what happened, higher apps react.

Dependencies point one way (see `.importlinter`): `referrals` may not import `letters`,
yet booking a referral's first session must draft the acknowledgement that `letters`
owns. So `referrals` publishes `ReferralBooked`, and `letters` subscribes to it in its
`handlers.py`, connected from its `apps.py`. Each app lists its subscriptions in that one
file, so the flow stays readable (no signals scattered over models).

Events are small frozen dataclasses of ids, never model instances: a handler reloads
what it needs, in the state that was committed.

Most events are delivered after the publishing transaction commits (a rolled-back
booking drafts no letter). An event whose handlers must share the publisher's
transaction, because the write is all-or-nothing (a merge of two clients), sets
`in_transaction = True`; its handlers run at once, and their failure undoes the whole
write.

A handler may return a `Notice` saying what it did ("An acknowledgement to Dr Nguyen is
ready to review"). A view that wants to show them wraps its action in
`collect_notices()`: nothing automatic happens unseen.
"""

from __future__ import annotations

import contextlib
import contextvars
import logging
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, ClassVar

from django.db import transaction

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Event:
    in_transaction: ClassVar[bool] = False


@dataclass(frozen=True)
class Notice:
    """What an automatic step did, for the person whose action set it off."""

    text: str
    url: str = ""
    warning: bool = False


Handler = Callable[[Any], Any]

_handlers: dict[type[Event], list[Handler]] = defaultdict(list)
_collector: contextvars.ContextVar[list[Notice] | None] = contextvars.ContextVar(
    "careloop_notices", default=None
)


def subscribe(event_type: type[Event], handler: Handler) -> None:
    """Called from an app's `handlers.connect()`, itself called from its AppConfig.ready."""
    if handler not in _handlers[event_type]:
        _handlers[event_type].append(handler)


def handlers_of(event_type: type[Event]) -> list[Handler]:
    return list(_handlers[event_type])


def publish(event: Event) -> list[Any]:
    """Deliver an event; for an in-transaction event, return what its handlers
    returned (e.g. the letter delivery an acknowledgement message matched)."""
    if event.in_transaction:
        results = []
        for handler in handlers_of(type(event)):
            result = handler(event)
            if isinstance(result, Notice):
                _keep(result)
            results.append(result)
        return results
    for handler in handlers_of(type(event)):
        # One callback per handler, each robust: one subscriber's failure (logged)
        # never stops another's, nor undoes the publisher's committed write.
        transaction.on_commit(_deliver(handler, event), robust=True)
    return []


def _deliver(handler: Handler, event: Event) -> Callable[[], None]:
    collector = _collector.get()

    def run() -> None:
        # on_commit may run after the publisher's `collect_notices` block has closed
        # (when an outer transaction commits later); the list is kept either way.
        notice = handler(event)
        if isinstance(notice, Notice) and collector is not None:
            collector.append(notice)

    return run


def _keep(notice: Notice) -> None:
    collector = _collector.get()
    if collector is not None:
        collector.append(notice)


@contextlib.contextmanager
def collect_notices() -> Iterator[list[Notice]]:
    """Gather what handlers did while the block runs (and commits)."""
    notices: list[Notice] = []
    token = _collector.set(notices)
    try:
        yield notices
    finally:
        _collector.reset(token)
