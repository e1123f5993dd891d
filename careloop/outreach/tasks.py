"""Background jobs for outreach: sending outreach e-mails, and retrying those the mail
server did not take. Jobs take ids and re-enter the practice's scope."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task, lock_task

from careloop.practices.jobs import each_practice_scope, job_in_scope_of

from . import messages
from .models import OutreachMessage


@db_task()
@job_in_scope_of(OutreachMessage)
def send_outreach_message(message_id: int) -> None:
    messages.send_message(message_id)


@db_periodic_task(crontab(minute="*/5"))
@lock_task("outreach-retry-unsent")
def retry_unsent_outreach() -> None:
    for practice in each_practice_scope():
        messages.retry_unsent(practice)
