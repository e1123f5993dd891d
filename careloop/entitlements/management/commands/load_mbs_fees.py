from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from careloop.entitlements.schedule import ScheduleError, load_fees


class Command(BaseCommand):
    help = (
        "Load the Better Access MBS fees from a CSV file. The whole file is checked "
        "first; one bad row refuses it and nothing changes."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="CSV file (see careloop/entitlements/data/).")

    def handle(self, *args, file, **options):
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"{file}: no such file.")
        try:
            count = load_fees(path)
        except ScheduleError as error:
            raise CommandError(f"{path.name}: {error}. Nothing was changed.") from None
        self.stdout.write(self.style.SUCCESS(f"Loaded {count} row(s) from {path.name}."))
