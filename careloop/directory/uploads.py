"""An uploaded directory file kept between the upload page's steps (columns, check,
confirm). Files are in the stored files (MEDIA_ROOT, or the bucket that every app server
shares, so the next step may reach any server); nothing serves them, the session holds
the token, and the name includes the practice, so a token never opens another
practice's file. Files left behind are removed after a day."""

from __future__ import annotations

import secrets
from datetime import timedelta

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone

MAX_AGE_SECONDS = 24 * 60 * 60
FOLDER = "directory-imports"


def _folder(practice_uuid) -> str:
    return f"{FOLDER}/{practice_uuid}"


def _name(practice_uuid, token: str) -> str | None:
    if not token or not token.isalnum():
        return None
    return f"{_folder(practice_uuid)}/{token}.upload"


def _remove_old(practice_uuid) -> None:
    folder = _folder(practice_uuid)
    try:
        names = default_storage.listdir(folder)[1]
    except FileNotFoundError:  # on disk, nothing kept yet
        return
    cutoff = timezone.now() - timedelta(seconds=MAX_AGE_SECONDS)
    for name in names:
        if (
            name.endswith(".upload")
            and default_storage.get_modified_time(f"{folder}/{name}") < cutoff
        ):
            default_storage.delete(f"{folder}/{name}")


def keep(practice_uuid, data: bytes) -> str:
    _remove_old(practice_uuid)
    token = secrets.token_hex(16)
    name = _name(practice_uuid, token)
    assert name is not None
    saved = default_storage.save(name, ContentFile(data))
    # A random name is never taken; were it ever, the file kept would not be found.
    assert saved == name, saved
    return token


def fetch(practice_uuid, token: str) -> bytes | None:
    name = _name(practice_uuid, token)
    if name is None:
        return None
    try:
        with default_storage.open(name, "rb") as kept:
            return kept.read()
    except FileNotFoundError:
        return None


def discard(practice_uuid, token: str) -> None:
    name = _name(practice_uuid, token)
    if name is not None:
        default_storage.delete(name)
