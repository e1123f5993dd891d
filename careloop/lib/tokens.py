"""Signed, expiring tokens for links that work without an account (doctors' feedback
and downloads, clients' questionnaires and consent forms)."""

from django.core import signing


def make(value: str, *, salt: str) -> str:
    return signing.dumps(value, salt=salt)


def read(token: str, *, salt: str, max_age_days: int) -> str | None:
    """The signed value, or None if the token is forged or older than allowed."""
    try:
        value: str = signing.loads(token, salt=salt, max_age=max_age_days * 24 * 3600)
        return value
    except signing.BadSignature:
        return None


def use_once(nonce: str, *, salt: str, max_age_seconds: int) -> bool:
    """True the first time a token's nonce is used, False on any replay while the token
    could still be valid. cache.add is atomic, so two simultaneous replays cannot both
    win (with one cache for every app server: Redis in production)."""
    from django.core.cache import cache

    if not nonce:
        return False
    return cache.add(f"used-token:{salt}:{nonce}", True, timeout=max_age_seconds + 60)
