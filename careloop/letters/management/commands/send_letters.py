from django.core.management.base import BaseCommand

from careloop.letters.outbox import process_due
from careloop.letters.services import create_due_drafts
from careloop.practices.models import Practice


class Command(BaseCommand):
    help = (
        "Draft the end-of-course reports that have fallen due, then send queued letters "
        "(first tries and retries). Idempotent and safe to run from several machines: "
        "schedule it every minute."
    )

    def handle(self, *args, **options):
        drafted = sum(len(create_due_drafts(practice)) for practice in Practice.objects.all())
        sent = process_due()
        self.stdout.write(f"{drafted} report(s) drafted, {sent} letter(s) sent.")
