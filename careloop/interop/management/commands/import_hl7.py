import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from careloop.interop.hl7v2.importer import REJECTED, import_text
from careloop.interop.hl7v2.parser import decode
from careloop.practices.models import Practice
from careloop.practices.scoping import practice_scope, scopes_disabled


class Command(BaseCommand):
    help = (
        "Import HL7 v2 referral messages (REF^I12, v2.3.1 or v2.4) from files or folders. "
        "Each message is acknowledged: the ACKs are written beside each file as FILE.ack. "
        "A message is stored whole or not at all; re-importing it stores nothing new."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "paths",
            nargs="+",
            metavar="PATH",
            help="Files, or folders whose files are imported in name order.",
        )
        parser.add_argument(
            "--practice",
            metavar="SLUG",
            help="The receiving practice. Without it, each message's MSH-6 "
            "must match a practice's HL7 facility ids.",
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Check and show what would be stored; store and write nothing.",
        )
        parser.add_argument(
            "--json", action="store_true", help="Print one JSON object per message."
        )
        parser.add_argument(
            "--strict", action="store_true", help="Exit with status 1 if any message is rejected."
        )

    def handle(self, *args, paths, practice, dry_run, json: bool, strict, **options):
        receiving = None
        if practice:
            receiving = Practice.objects.filter(slug=practice).first()
            if receiving is None:
                raise CommandError(f"No practice has the slug {practice!r}.")
        files = self._files(paths)
        counts = {"accepted": 0, "duplicate": 0, "rejected": 0, "acknowledged": 0}
        for path in files:
            try:
                text = decode(path.read_bytes())
            except OSError as error:
                raise CommandError(f"Cannot read {path}: {error.strerror}") from None
            # Without --practice each message's MSH-6 picks its practice, so no one
            # scope fits the file; the importer names its practice in every query.
            with practice_scope(receiving) if receiving else scopes_disabled():
                results = import_text(text, practice=receiving, dry_run=dry_run, via="file")
            acks = []
            for result in results:
                counts[result.status] += 1
                if result.ack:
                    acks.append(result.ack)
                self._report(path, result, as_json=json)
            if acks and not dry_run:
                Path(f"{path}.ack").write_text("\n".join(acks), encoding="utf-8")
        if not json:
            verb = "would be" if dry_run else "were"
            self.stdout.write(
                f"{len(files)} file(s): {counts['accepted']} {verb} accepted, "
                f"{counts['duplicate']} already received, {counts['rejected']} rejected."
            )
        if strict and counts[REJECTED]:
            raise SystemExit(1)

    def _files(self, paths) -> list[Path]:
        files = []
        for name in paths:
            path = Path(name)
            if path.is_dir():
                files += sorted(
                    p
                    for p in path.iterdir()
                    if p.is_file() and not p.name.startswith(".") and p.suffix.lower() != ".ack"
                )
            elif path.is_file():
                files.append(path)
            else:
                raise CommandError(f"{name}: no such file or folder.")
        return files

    def _report(self, path, result, *, as_json):
        if as_json:
            self.stdout.write(json.dumps({"file": str(path), **result.as_json()}))
            return
        parsed = result.parsed
        who = f"{parsed.patient.display} from {parsed.referrer.display}" if parsed else ""
        line = f"{path.name} {result.control_id or '(no id)'}: {result.status.upper()}"
        if result.status == "accepted":
            line += f" ({'dry run' if result.dry_run else 'ref ' + result.referral.reference})"
        self.stdout.write(f"{line} {who}".rstrip())
        for error in result.errors:
            self.stdout.write(f"    error: {error}")
        for warning in result.warnings:
            self.stdout.write(f"    warning: {warning}")
