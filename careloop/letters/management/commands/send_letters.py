from django.core.management.base import BaseCommand

from careloop.letters.tasks import draft_and_send_due


class Command(BaseCommand):
    help = (
        "Draft the end-of-course reports that have fallen due, then send queued letters "
        "(first tries and retries). The job consumer (`careloop run_huey`) already does "
        "this every minute; this command is for running it by hand or from cron instead. "
        "Idempotent and safe to run from several machines."
    )

    def handle(self, *args, **options):
        drafted, sent = draft_and_send_due()
        self.stdout.write(f"{drafted} report(s) drafted, {sent} letter(s) sent.")
