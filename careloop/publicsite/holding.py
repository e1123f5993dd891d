"""A short-lived holding area for the letter a doctor attached to a referral form that
came back with an error.

Browsers never refill a file input, so without this a GP who mistyped a postcode had
to find and attach the letter again. The file waits under a random key; the page
carries only a signed, expiring token naming it, bound to the practice, so a token
cannot be forged, reused for another practice, or used after it expires.
"""

import secrets
from datetime import timedelta

from django.core import signing
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

HOLD_SECONDS = 2 * 60 * 60
_SALT = "careloop.public-referral-held-letter"
_FOLDER = "held-letters"


def _path(practice_id: int, key: str) -> str:
    return f"{_FOLDER}/{practice_id}/{key}"


def hold(practice, uploaded) -> str:
    """Keep ``uploaded`` for a while; return the token that fetches it."""
    remove_expired(practice)
    key = secrets.token_urlsafe(24)
    uploaded.seek(0)
    default_storage.save(_path(practice.pk, key), ContentFile(uploaded.read()))
    uploaded.seek(0)
    return signing.dumps(
        {"p": practice.pk, "k": key, "n": (uploaded.name or "referral-letter")[:200]},
        salt=_SALT,
    )


def _read_token(practice, token: str) -> dict | None:
    if not token:
        return None
    try:
        data = signing.loads(token, salt=_SALT, max_age=HOLD_SECONDS)
    except signing.BadSignature:
        return None
    if not isinstance(data, dict) or data.get("p") != practice.pk:
        return None
    key = str(data.get("k", ""))
    if not key or not default_storage.exists(_path(practice.pk, key)):
        return None
    return data


def fetch(practice, token: str) -> SimpleUploadedFile | None:
    """The held file, or None when the token is bad, expired or its file is gone."""
    data = _read_token(practice, token)
    if data is None:
        return None
    with default_storage.open(_path(practice.pk, data["k"]), "rb") as held:
        return SimpleUploadedFile(data["n"], held.read())


def release(practice, token: str) -> None:
    """Delete a held file once its referral is received."""
    data = _read_token(practice, token)
    if data is not None:
        default_storage.delete(_path(practice.pk, data["k"]))


def remove_expired(practice, *, now=None) -> int:
    """Delete this practice's held files older than the token's lifetime: a doctor
    who gave up leaves nothing behind for longer than that."""
    folder = f"{_FOLDER}/{practice.pk}"
    try:
        # Not `exists(folder)`: a bucket has no folders, only names that share a prefix.
        names = default_storage.listdir(folder)[1]
    except FileNotFoundError:  # on disk, nothing held yet
        return 0
    cutoff = (now or timezone.now()) - timedelta(seconds=HOLD_SECONDS)
    removed = 0
    for name in names:
        path = f"{folder}/{name}"
        if default_storage.get_modified_time(path) < cutoff:
            default_storage.delete(path)
            removed += 1
    return removed
