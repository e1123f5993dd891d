from pathlib import Path

from django.conf import settings
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from careloop.backups import service
from careloop.backups.crypto import BackupError

from .backup import key_from_settings


class Command(BaseCommand):
    requires_system_checks: list[str] = []
    help = (
        "Restore an archive made by `careloop backup` into an empty installation (a new "
        "database and data folder). Every checksum is checked before anything is written. "
        "Stop the web server and the job consumer first."
    )

    def add_arguments(self, parser):
        parser.add_argument("archive", type=Path, help="The .backup file to restore.")
        parser.add_argument(
            "--check",
            action="store_true",
            help="Only check the archive (key, every chunk and checksum); write nothing.",
        )

    def handle(self, *args, archive, check=False, **options):
        key = key_from_settings()
        try:
            if check:
                # Unpacked beside the data (room for it), then removed.
                manifest = service.verify_backup(archive, key, scratch=Path(settings.DATA_DIR))
                self.stdout.write(
                    self.style.SUCCESS(
                        f"{archive} is whole: made {manifest.created_at} from {manifest.engine}, "
                        f"{len(manifest.files) - 1} stored files, every checksum matches."
                    )
                )
                return
            manifest = service.restore_backup(
                archive, key, storage=default_storage, scratch=Path(settings.DATA_DIR)
            )
        except BackupError as error:
            raise CommandError(str(error)) from None
        # An archive from an older Careloop is brought up to this version's schema.
        call_command("migrate", interactive=False, verbosity=0)
        self.stdout.write(
            self.style.SUCCESS(
                f"Restored {archive} (made {manifest.created_at}): the {manifest.engine} "
                f"database and {len(manifest.files) - 1} stored files. Start the web server "
                "and the job consumer again."
            )
        )
