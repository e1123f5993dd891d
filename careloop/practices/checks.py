"""Deployment checks (`careloop check --deploy`): what production needs beyond Django's own."""

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register


@register(Tags.caches, deploy=True)
def check_shared_cache(app_configs, **kwargs) -> list[Error]:
    backend = settings.CACHES["default"]["BACKEND"]
    # Each process keeps its own local-memory cache; the dummy cache keeps nothing at all.
    if not settings.PRODUCTION or not backend.endswith(("LocMemCache", "DummyCache")):
        return []
    # An error, not a warning: with two workers the public referral form accepted twice
    # its hourly limit, and the sign-in lockout counts per worker too.
    return [
        Error(
            "Production has no shared cache: every gunicorn worker keeps its own (or none), "
            "so each rate limit (sign-ins, public forms) counts per worker, not per site.",
            hint="Set REDIS_URL (e.g. redis://127.0.0.1:6379/0) for a shared cache.",
            id="careloop.E001",
        )
    ]


@register(deploy=True)
def check_job_queue(app_configs, **kwargs) -> list[Warning]:
    if not settings.PRODUCTION:
        return []
    warnings = []
    if settings.HUEY.get("immediate"):
        warnings.append(
            Warning(
                "Background jobs run immediately, inside web requests "
                "(CARELOOP_JOBS_IMMEDIATE is on): letters and e-mails slow pages down, and "
                "nothing retries them every minute or sends the hourly reminders.",
                hint="Unset CARELOOP_JOBS_IMMEDIATE and run `careloop run_huey` as a service.",
                id="careloop.W002",
            )
        )
    elif settings.HUEY.get("huey_class") == "huey.SqliteHuey":
        warnings.append(
            Warning(
                f"Background jobs are queued in SQLite at {settings.HUEY['filename']}: only "
                "a consumer on this machine sees them, so a second app server's letters "
                "would wait for a consumer of its own.",
                hint="Set REDIS_URL so that every app server and consumer shares one queue. "
                "With a single app server, run `careloop run_huey` beside it as a service.",
                id="careloop.W003",
            )
        )
    return warnings


@register(Tags.security, deploy=True)
def site_url_is_set(app_configs, **kwargs):
    """Background jobs put SITE_URL in e-mails and letters; left unset in production
    those links would point at 127.0.0.1 and reach no doctor or client."""
    if not settings.PRODUCTION or getattr(settings, "SITE_URL_CONFIGURED", True):
        return []
    return [
        Warning(
            "SITE_URL is not set: links in e-mails and letters made by background jobs "
            "would point to http://127.0.0.1:8000.",
            hint="Set SITE_URL to the address people use, e.g. https://careloop.example.",
            id="careloop.W004",
        )
    ]


@register(Tags.security, deploy=True)
def site_url_is_https(app_configs, **kwargs):
    """Links in e-mails and letters carry sign-in and download tokens: over plain http
    anyone on the way could read them."""
    if not settings.PRODUCTION or not getattr(settings, "SITE_URL_CONFIGURED", True):
        return []
    if settings.SITE_URL.lower().startswith("https://"):
        return []
    return [
        Warning(
            f"SITE_URL ({settings.SITE_URL}) is not an https address: links in e-mails and "
            "letters, with their download tokens, would travel unencrypted.",
            hint="Set SITE_URL to the https address people use, e.g. https://careloop.example.",
            id="careloop.W011",
        )
    ]


@register(Tags.security, deploy=True)
def object_storage_is_encrypted_in_transit(app_configs, **kwargs):
    """Referral letters, signed consents and records reports travel to the bucket and
    back: over plain http anyone on the way could read them."""
    if not settings.PRODUCTION:
        return []
    storage = settings.STORAGES["default"]
    endpoint = str(storage.get("OPTIONS", {}).get("endpoint_url") or "")
    if not endpoint.lower().startswith("http://"):
        return []
    return [
        Warning(
            f"CARELOOP_S3_ENDPOINT_URL ({endpoint}) is not an https address: health "
            "documents would travel to and from the bucket unencrypted.",
            hint="Use the object store's https address.",
            id="careloop.W012",
        )
    ]
