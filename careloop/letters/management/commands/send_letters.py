from django.core.management.base import BaseCommand

from careloop.letters.outbox import process_due


class Command(BaseCommand):
    help = (
        "Send queued letters that are due (first tries and retries after a failure). "
        "Safe to run often and from several machines: each letter goes once."
    )

    def handle(self, *args, **options):
        self.stdout.write(f"{process_due()} letter(s) sent.")
