import base64
import os
from pathlib import Path

from django.conf import settings
from django.core.files.storage import default_storage
from django.core.management.base import BaseCommand, CommandError

from careloop.backups import service
from careloop.backups.crypto import BackupError
from careloop.lib.env import EnvError, backup_key


def key_from_settings() -> bytes:
    if not settings.BACKUP_KEY:
        raise CommandError(
            "No backup key: set CARELOOP_BACKUP_KEY (or CARELOOP_BACKUP_KEY_FILE). Make one with "
            "`careloop backup --generate-key`, and keep a copy away from this machine: without "
            "it no archive can be restored."
        )
    try:
        return backup_key(settings.BACKUP_KEY)
    except EnvError as error:
        raise CommandError(str(error)) from None


class Command(BaseCommand):
    requires_system_checks: list[str] = []
    help = (
        "Write one encrypted archive of the database and every stored file (letters, "
        "documents, logos) to CARELOOP_BACKUP_DIR, then keep the newest CARELOOP_BACKUP_KEEP. "
        "The server can keep running."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--dir",
            type=Path,
            help="Write the archive here instead of CARELOOP_BACKUP_DIR (nothing is pruned).",
        )
        parser.add_argument(
            "--generate-key",
            action="store_true",
            help="Print a new random key for CARELOOP_BACKUP_KEY and stop.",
        )

    def handle(self, *args, dir=None, generate_key=False, **options):
        if generate_key:
            self.stdout.write(base64.urlsafe_b64encode(os.urandom(32)).decode())
            return
        key = key_from_settings()
        directory = dir or settings.BACKUP_DIR
        try:
            path = service.create_backup(directory, key, storage=default_storage)
            removed = [] if dir else service.prune(directory, settings.BACKUP_KEEP)
        except BackupError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(self.style.SUCCESS(f"Backup written: {path}"))
        if removed:
            self.stdout.write(
                f"Deleted {len(removed)} older backup(s), keeping {settings.BACKUP_KEEP}."
            )
