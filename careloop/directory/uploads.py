"""An uploaded directory file kept between the upload page's steps (columns, check,
confirm). Files live under DATA_DIR, not MEDIA_ROOT, so nothing serves them; the
session holds the token, and the path includes the practice, so a token never opens
another practice's file. Files left behind are removed after a day."""

from __future__ import annotations

import secrets
import time
from pathlib import Path

from django.conf import settings

MAX_AGE_SECONDS = 24 * 60 * 60


def _folder(practice_uuid) -> Path:
    return Path(settings.DATA_DIR) / "directory-imports" / str(practice_uuid)


def _path(practice_uuid, token: str) -> Path | None:
    if not token or not token.isalnum():
        return None
    return _folder(practice_uuid) / f"{token}.upload"


def keep(practice_uuid, data: bytes) -> str:
    folder = _folder(practice_uuid)
    folder.mkdir(parents=True, exist_ok=True)
    cutoff = time.time() - MAX_AGE_SECONDS
    for old in folder.glob("*.upload"):
        if old.stat().st_mtime < cutoff:
            old.unlink(missing_ok=True)
    token = secrets.token_hex(16)
    (folder / f"{token}.upload").write_bytes(data)
    return token


def fetch(practice_uuid, token: str) -> bytes | None:
    path = _path(practice_uuid, token)
    if path is None or not path.is_file():
        return None
    return path.read_bytes()


def discard(practice_uuid, token: str) -> None:
    path = _path(practice_uuid, token)
    if path is not None:
        path.unlink(missing_ok=True)
