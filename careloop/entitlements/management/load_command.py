"""The shared body of the `load_mbs_*` commands: check the whole CSV, then load it."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from careloop.entitlements.schedule import ScheduleError


class LoadScheduleCommand(BaseCommand):
    what: str  # "items" or "fees", for the help text

    def load(self, path: Path) -> int:
        raise NotImplementedError

    def add_arguments(self, parser):
        parser.add_argument("file", help="CSV file (see careloop/entitlements/data/).")

    def handle(self, *args, file, **options):
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"{file}: no such file.")
        try:
            count = self.load(path)
        except ScheduleError as error:
            raise CommandError(f"{path.name}: {error}. Nothing was changed.") from None
        self.stdout.write(self.style.SUCCESS(f"Loaded {count} row(s) from {path.name}."))
