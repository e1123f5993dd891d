from django.core.management.base import BaseCommand

from careloop.practices.models import Practice
from careloop.practices.scoping import practice_scope
from careloop.referrals.actions import send_clarification_reminders


class Command(BaseCommand):
    help = (
        "Remind referring doctors who have not answered a clarification request after 2 "
        "business days. Safe to run as often as you like (each request gets one "
        "reminder); schedule it hourly, e.g. from cron."
    )

    def handle(self, *args, **options):
        reminded = 0
        for practice in Practice.objects.all():
            with practice_scope(practice):
                reminded += len(send_clarification_reminders())
        self.stdout.write(f"{reminded} reminder(s) sent.")
