"""`careloop refresh_insights [SLUG...]`: rebuild the insight summaries now, rather than
at the hourly job's next run (after an upgrade that changes what they hold)."""

from django.core.management.base import BaseCommand, CommandError

from careloop.insights import facts
from careloop.practices.jobs import each_practice_scope


class Command(BaseCommand):
    help = "Rebuild the insight summary rows of every practice, or of the practices named."

    def add_arguments(self, parser):
        parser.add_argument("slugs", nargs="*", help="Practices' slugs (all by default).")

    def handle(self, *args, **options):
        wanted = set(options["slugs"])
        done = set()
        for practice in each_practice_scope():
            if wanted and practice.slug not in wanted:
                continue
            written = facts.refresh(practice)
            done.add(practice.slug)
            self.stdout.write(f"{practice.slug}: {written} referrals counted")
        missing = wanted - done
        if missing:
            raise CommandError(f"No practice with the slug {', '.join(sorted(missing))}.")
