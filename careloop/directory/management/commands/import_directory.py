import json as jsonlib
import sys
import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from careloop.audit.actions import COMMAND
from careloop.directory.actions import import_directory
from careloop.directory.importing import UnreadableFile, read_directory_file
from careloop.practices.models import Practice
from careloop.practices.scoping import practice_scope


class ProgressLine:
    """A one-line progress bar on stderr, redrawn in place; silent when stderr is not
    a terminal (a log file gets no carriage returns)."""

    def __init__(self, stream, width: int = 30):
        self.stream = stream
        self.width = width
        self.live = hasattr(stream, "isatty") and stream.isatty()
        self.drawn = False

    def __call__(self, stage: str, done: int, total: int) -> None:
        if not self.live or not total:
            return
        filled = round(self.width * done / total)
        bar = "#" * filled + "-" * (self.width - filled)
        self.stream.write(f"\r[{bar}] {done:>6}/{total} {stage:<20}")
        self.stream.flush()
        self.drawn = True

    def note(self, text: str) -> None:
        if self.live:
            self.stream.write(f"\r{text:<70}")
            self.stream.flush()
            self.drawn = True

    def end(self) -> None:
        if self.drawn:
            self.stream.write("\n")
            self.stream.flush()


class Command(BaseCommand):
    help = (
        "Import doctors and medical practices into a practice's directory from a CSV file "
        "(columns in docs/directory-import.md) or a FHIR R4 Bundle (JSON or XML) of "
        "Practitioner, PractitionerRole, Organization and Location. Every row is checked "
        "first; with any problem nothing is imported. Importing the same file again "
        "updates the records it made rather than adding them twice."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", metavar="FILE")
        parser.add_argument(
            "--practice",
            metavar="SLUG",
            help="The practice whose directory it is; needed when there is more than one.",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Check and count; write nothing."
        )
        parser.add_argument("--json", action="store_true", help="Print the result as JSON.")
        parser.add_argument(
            "--drop-bad-identifiers",
            action="store_const",
            const=True,
            default=None,
            help="Import a record whose provider number, HPI-I or HPI-O fails its check "
            "without that identifier (and warn), instead of stopping the import. FHIR "
            "bundles do this unless --strict-identifiers is given.",
        )
        parser.add_argument(
            "--strict-identifiers",
            action="store_const",
            const=False,
            dest="drop_bad_identifiers",
            help="Stop the import at any identifier that fails its check, FHIR included.",
        )

    def handle(self, *args, file, practice, dry_run, json: bool, drop_bad_identifiers, **options):
        target = self._practice(practice)
        path = Path(file)
        try:
            data = path.read_bytes()
        except OSError as error:
            raise CommandError(f"Cannot read {file}: {error.strerror}") from None
        bar = ProgressLine(sys.stderr)
        started = time.monotonic()
        bar.note(f"Checking {path.name}…")
        try:
            parsed = read_directory_file(data, drop_bad_identifiers=drop_bad_identifiers)
        except UnreadableFile as error:
            bar.end()
            if json:
                self.stdout.write(jsonlib.dumps({"imported": False, "error": str(error)}))
                raise SystemExit(1) from None
            raise CommandError(f"{path.name}: {error} Nothing was imported.") from None
        with practice_scope(target):
            result = import_directory(
                parsed,
                practice=target,
                by=None,
                via=COMMAND,
                dry_run=dry_run,
                file_name=path.name,
                progress=bar,
            )
        bar.end()
        seconds = time.monotonic() - started
        if json:
            self.stdout.write(jsonlib.dumps({**result.as_json(), "seconds": round(seconds, 2)}))
        else:
            for problem in result.problems:
                self.stdout.write(f"problem: {problem}")
            for warning in result.warnings:
                self.stdout.write(f"warning: {warning}")
            prefix = "Dry run. " if dry_run and result.ok else ""
            self.stdout.write(
                f"{path.name} ({result.file_kind}, {result.rows} rows, {seconds:.1f} s): "
                f"{prefix}{result.summary}"
            )
        if not result.ok:
            raise SystemExit(1)

    def _practice(self, slug: str | None) -> Practice:
        if slug:
            found = Practice.objects.filter(slug=slug).first()
            if found is None:
                raise CommandError(f"No practice has the slug {slug!r}.")
            return found
        practices = list(Practice.objects.all()[:2])
        if len(practices) != 1:
            raise CommandError("Name the practice with --practice SLUG.")
        return practices[0]
