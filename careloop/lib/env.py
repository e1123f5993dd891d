"""Typed readers for settings that come from the environment.

Each refuses a value it cannot understand instead of guessing, so a typo in a
deployment stops the process at start-up rather than weakening it silently.
A variable named FOO_FILE is read from that file (Docker and systemd secrets).
"""

import base64
import binascii
import os
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlparse

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


class EnvError(ValueError):
    pass


def envstr(name: str, default: str = "") -> str:
    file_path = os.environ.get(f"{name}_FILE")
    if file_path:
        return Path(file_path).read_text().strip()
    return os.environ.get(name, default)


def envbool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise EnvError(f"{name} must be one of 1/0, true/false, yes/no, on/off; got {raw!r}")


def envint(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise EnvError(f"{name} must be a whole number; got {raw!r}") from None


def envlist(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def email_settings(url: str) -> dict[str, object]:
    """Django e-mail settings from a URL.

    smtp://user:password@host:587 (STARTTLS), smtps://...:465 (implicit TLS),
    console:// (print to the terminal), file:///path (one file per message),
    memory:// (kept in django.core.mail.outbox, for tests).
    """
    parsed = urlparse(url)
    scheme = parsed.scheme.lower()
    if scheme == "console":
        return {"EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend"}
    if scheme == "memory":
        return {"EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend"}
    if scheme == "file":
        return {
            "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
            "EMAIL_FILE_PATH": unquote(parsed.path),
        }
    if scheme in {"smtp", "smtps"}:
        if not parsed.hostname:
            raise EnvError(f"EMAIL_URL has no host: {url!r}")
        query = parse_qs(parsed.query)
        implicit_tls = scheme == "smtps"
        return {
            "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "EMAIL_HOST": parsed.hostname,
            "EMAIL_PORT": parsed.port or (465 if implicit_tls else 587),
            "EMAIL_HOST_USER": unquote(parsed.username or ""),
            "EMAIL_HOST_PASSWORD": unquote(parsed.password or ""),
            "EMAIL_USE_SSL": implicit_tls,
            "EMAIL_USE_TLS": not implicit_tls and query.get("tls", ["1"])[0] != "0",
            "EMAIL_TIMEOUT": 20,
        }
    raise EnvError(
        f"EMAIL_URL scheme {scheme!r} is not supported: use smtp, smtps, console, file or memory"
    )


def jobs_settings(
    redis_url: str, data_dir: Path, *, immediate: bool, redis_prefix: str = ""
) -> dict[str, object]:
    """Huey's settings (huey.contrib.djhuey): jobs kept in Redis when there is one, so that
    several app servers share one queue, or else in SQLite beside the data.

    Immediate mode runs each job in the calling process as it is enqueued, with nothing
    stored: for tests, and for a machine that cannot run a consumer. `redis_prefix`
    (CARELOOP_REDIS_PREFIX) gives an installation a queue of its own on a shared Redis;
    without it the queue keeps the name it always had, so no queued job is stranded.
    """
    config: dict[str, object] = {
        "name": f"{redis_prefix}careloop",
        "immediate": immediate,
        # Nothing reads a job's return value; stored results would pile up unread.
        "results": False,
        "utc": True,
        "consumer": {
            "workers": 2,
            "worker_type": "thread",
            # An idle consumer looks for new jobs at least every second (SQLite is
            # polled; Redis wakes it at once), so a letter leaves within seconds.
            "initial_delay": 0.1,
            "backoff": 1.15,
            "max_delay": 1.0,
        },
    }
    if redis_url:
        config["huey_class"] = "huey.RedisHuey"
        config["connection"] = {"url": redis_url}
    else:
        config["huey_class"] = "huey.SqliteHuey"
        config["filename"] = str(Path(data_dir) / "jobs.sqlite3")
    return config


def object_storage_settings(
    bucket: str,
    *,
    endpoint_url: str = "",
    region: str = "",
    prefix: str = "",
    access_key: str = "",
    secret_key: str = "",
) -> dict[str, object]:
    """The `default` storage (django-storages' S3Storage) for uploaded documents, signed
    consents, records reports, logos and website images, in an S3-compatible bucket that
    every app server and job consumer shares.

    Every object is private: no ACL is sent, so objects take the bucket's own (private,
    with public access blocked), and `url()` gives an unsigned address that the bucket
    refuses. Careloop streams each file through its own views, which check who asks and
    audit the look; a signed link would skip both, and would work for anyone it reached.
    """
    if not bucket:
        raise EnvError("CARELOOP_S3_BUCKET is empty")
    if endpoint_url and urlparse(endpoint_url).scheme not in {"http", "https"}:
        raise EnvError(
            f"CARELOOP_S3_ENDPOINT_URL must start with https:// (or http://); got {endpoint_url!r}"
        )
    options: dict[str, object] = {
        "bucket_name": bucket,
        "location": prefix.strip("/"),
        # Two files of the same name (two doctors' "referral.pdf") must never replace
        # one another: a taken name gets a suffix, as on disk.
        "file_overwrite": False,
        "querystring_auth": False,
        "default_acl": None,
        # Larger files spill to a temporary file while they stream, not the worker's memory.
        "max_memory_size": 1024 * 1024,
    }
    if endpoint_url:
        options["endpoint_url"] = endpoint_url
        # S3-compatible servers (MinIO, Ceph, Garage, moto) name the bucket in the path.
        options["addressing_style"] = "path"
    if region:
        options["region_name"] = region
    # Without keys, boto3 looks where AWS tools look (an instance or container role).
    if access_key:
        options["access_key"] = access_key
    if secret_key:
        options["secret_key"] = secret_key
    return {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": options}


BACKUP_KEY_BYTES = 32


def backup_key(text: str) -> bytes:
    """The 32-byte key that encrypts backups, from its URL-safe base64 form (what
    `careloop backup --generate-key` prints: 43 characters and an `=`)."""
    value = text.strip()
    try:
        key = base64.urlsafe_b64decode(value.encode("ascii"))
    except (binascii.Error, UnicodeEncodeError, ValueError):
        key = b""
    if len(key) != BACKUP_KEY_BYTES:
        raise EnvError(
            "CARELOOP_BACKUP_KEY must be a key made by `careloop backup --generate-key` "
            "(32 random bytes in URL-safe base64, 44 characters)"
        )
    return key
