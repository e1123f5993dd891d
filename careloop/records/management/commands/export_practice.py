from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from careloop.practices.models import Practice
from careloop.records.export import export_practice


class Command(BaseCommand):
    help = (
        "Write all of one practice's data (JSON and CSV, with its stored files) to a zip "
        "that `careloop import_practice` loads into another Careloop. Passwords, two-factor "
        "secrets and gateway tokens are left out. See docs/practice-export.md."
    )

    def add_arguments(self, parser):
        parser.add_argument("slug", help="The practice's address name, as in its public site.")
        parser.add_argument("--output", help="The zip to write (default: <slug>-<date>.zip).")

    def handle(self, *args, slug, output=None, **options):
        practice = Practice.objects.filter(slug=slug).first()
        if practice is None:
            raise CommandError(f"No practice has the address name {slug!r}.")
        path = Path(output or f"{slug}-{timezone.now():%Y%m%d-%H%M}.zip")
        if path.exists():
            raise CommandError(f"{path} exists already; choose another --output.")
        try:
            manifest = export_practice(practice, path)
        except BaseException:
            path.unlink(missing_ok=True)
            raise
        rows = sum(m["rows"] for m in manifest["models"])
        files = sum(1 for name in manifest["checksums"] if name.startswith("media/"))
        self.stdout.write(f"Wrote {path}: {rows} rows, {files} files.")
        for name in manifest["missing_files"]:
            self.stderr.write(f"Missing from storage, not in the export: {name}")
