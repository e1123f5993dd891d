"""Background jobs for referrals, run by Huey's consumer (`careloop run_huey`)."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from careloop.practices.jobs import each_practice_scope, job_in_scope_of

from . import actions
from .models import ClarificationRequest

MAIL_RETRIES = {"retries": 3, "retry_delay": 60}


@db_task(**MAIL_RETRIES)
@job_in_scope_of(ClarificationRequest)
def email_clarification(request_id: int, *, reminder: bool) -> None:
    actions._email_clarification(request_id, reminder=reminder)


@db_periodic_task(crontab(minute="0"))
def send_clarification_reminders() -> None:
    """Hourly: remind doctors who have not answered after two business days (each
    request once, however often this runs)."""
    for _practice in each_practice_scope():
        actions.send_clarification_reminders()
