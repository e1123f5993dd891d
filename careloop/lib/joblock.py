"""One run at a time of a periodic job, across every consumer, with a lock that lapses.

Huey's own `lock_task` keeps its lock until the job returns, and no longer expires it
(that needs Redis 7.4; Debian 12 has 7.0, and SQLite never could): a consumer killed in
the middle of a run (a machine lost, a SIGKILL) left the lock held for good, and the
job (the every-minute outbox, the nightly backup) never ran again on any machine until
someone flushed it. This lock is a key on the shared cache (Redis in production) that
expires after `seconds`. Every periodic job is idempotent, so a run that outlives its
lock and overlaps the next is wasted work, never a wrong result.
"""

from __future__ import annotations

import functools
import logging
import secrets
from collections.abc import Callable
from typing import Any, TypeVar

from django.core.cache import cache

logger = logging.getLogger(__name__)

F = TypeVar("F", bound=Callable[..., Any])


def key(name: str) -> str:
    return f"job-lock:{name}"


def job_lock(name: str, *, seconds: int) -> Callable[[F], F]:
    """Run the job only if no other run holds `name`; otherwise skip it (the next
    scheduled run comes soon enough)."""

    def decorator(job: F) -> F:
        @functools.wraps(job)
        def run(*args: Any, **kwargs: Any) -> Any:
            mine = secrets.token_hex(8)
            if not cache.add(key(name), mine, timeout=seconds):
                logger.info("%s is already running on another worker: skipped", name)
                return None
            try:
                return job(*args, **kwargs)
            finally:
                # Not another run's lock, taken after ours lapsed. (Read, then deleted:
                # in the instant between, a lapse and a new taker would lose theirs to
                # this delete, and the worst outcome is one overlapping run.)
                if cache.get(key(name)) == mine:
                    cache.delete(key(name))

        return run  # type: ignore[return-value]

    return decorator
