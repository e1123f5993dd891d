from django.core.management.base import BaseCommand

from careloop.letters.outbox import process_due
from careloop.letters.services import create_due_drafts
from careloop.practices.models import Practice
from careloop.practices.scoping import practice_scope


class Command(BaseCommand):
    help = (
        "Draft the end-of-course reports that have fallen due, then send queued letters "
        "(first tries and retries). Idempotent and safe to run from several machines: "
        "schedule it every minute."
    )

    def handle(self, *args, **options):
        drafted = sent = 0
        # One practice at a time, inside its scope: a query that forgets to say its
        # practice raises instead of reaching another practice's letters.
        for practice in Practice.objects.all():
            with practice_scope(practice):
                drafted += len(create_due_drafts(practice))
                sent += process_due()
        self.stdout.write(f"{drafted} report(s) drafted, {sent} letter(s) sent.")
