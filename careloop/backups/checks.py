"""Deployment checks (`careloop check --deploy`) for backups."""

from django.conf import settings
from django.core.checks import Warning, register


@register(deploy=True)
def backup_key_is_set(app_configs, **kwargs) -> list[Warning]:
    if not settings.PRODUCTION or settings.BACKUP_KEY:
        return []
    return [
        Warning(
            "CARELOOP_BACKUP_KEY is not set: the nightly backup is skipped, and "
            "`careloop backup` refuses to run. A lost disk would lose every record.",
            hint="Make a key with `careloop backup --generate-key`, set CARELOOP_BACKUP_KEY "
            "(or CARELOOP_BACKUP_KEY_FILE), and keep a copy of it away from this machine.",
            id="careloop.W010",
        )
    ]
