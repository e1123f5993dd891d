"""A fixed-window rate limit on the shared cache (Redis in production), so a form can
refuse a flood without a third-party service."""

import time

from django.core.cache import cache

# Re-exported: the rate limits count callers by the one address the lockout and audit use.
from careloop.lib.network import client_address

__all__ = ["client_address", "hit"]


def hit(key: str, *, limit: int, window_seconds: int) -> bool:
    """Count one attempt; True while the key is within its limit for this window."""
    bucket = f"ratelimit:{key}:{int(time.time() // window_seconds)}"
    cache.add(bucket, 0, timeout=window_seconds + 5)
    try:
        count = cache.incr(bucket)
    except ValueError:  # expired between add and incr
        cache.set(bucket, 1, timeout=window_seconds + 5)
        count = 1
    return count <= limit
