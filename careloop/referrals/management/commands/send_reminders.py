from django.core.management.base import BaseCommand

from careloop.practices.models import Practice
from careloop.practices.scoping import practice_scope
from careloop.referrals.actions import send_clarification_reminders


class Command(BaseCommand):
    help = (
        "Remind referring doctors who have not answered a clarification request after 2 "
        "business days. The job consumer (`careloop run_huey`) already does this hourly; "
        "this command is for running it by hand or from cron instead. Safe to run as "
        "often as you like: each request gets one reminder."
    )

    def handle(self, *args, **options):
        reminded = 0
        for practice in Practice.objects.all():
            with practice_scope(practice):
                reminded += len(send_clarification_reminders())
        self.stdout.write(f"{reminded} reminder(s) sent.")
