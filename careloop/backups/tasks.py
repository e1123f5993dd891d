"""The nightly backup, run by Huey's consumer (`careloop run_huey`)."""

import logging
from pathlib import Path

from django.conf import settings
from django.core.files.storage import default_storage
from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from careloop.lib.env import backup_key
from careloop.lib.joblock import job_lock

from . import service

logger = logging.getLogger(__name__)


def back_up_and_prune() -> Path | None:
    """One archive into CARELOOP_BACKUP_DIR, then keep the newest CARELOOP_BACKUP_KEEP.
    Without a key there is nothing to encrypt with: it says so and writes nothing."""
    if not settings.BACKUP_KEY:
        logger.warning(
            "Nightly backup skipped: CARELOOP_BACKUP_KEY is not set. Make a key with "
            "`careloop backup --generate-key`."
        )
        return None
    directory = Path(settings.BACKUP_DIR)
    path = service.create_backup(
        directory, backup_key(settings.BACKUP_KEY), storage=default_storage
    )
    service.prune(directory, settings.BACKUP_KEEP)
    return path


# Times are UTC (HUEY utc=True): 16:30 UTC is 2:30 or 3:30 in the morning on the east coast.
@db_periodic_task(crontab(hour="16", minute="30"))
@job_lock("backups-nightly", seconds=12 * 60 * 60)
def nightly_backup() -> None:
    back_up_and_prune()
