"""Background jobs for outreach, run by Huey's consumer (`careloop run_huey`): sending
outreach e-mails, retrying those the mail server did not take, and raising the routine's
tasks. Jobs take ids and re-enter the practice's scope."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from careloop.lib.joblock import job_lock
from careloop.practices.jobs import each_practice_scope, job_in_scope_of

from . import actions, messages
from .models import OutreachMessage


@db_task()
@job_in_scope_of(OutreachMessage)
def send_outreach_message(message_id: int) -> None:
    messages.send_message(message_id)


@db_periodic_task(crontab(minute="*/5"))
@job_lock("outreach-retry-unsent", seconds=10 * 60)
def retry_unsent_outreach() -> None:
    for practice in each_practice_scope():
        messages.retry_unsent(practice)


def raise_due_tasks_everywhere() -> int:
    """Every practice's cadence tasks that have fallen due, once each. Idempotent."""
    created = 0
    for practice in each_practice_scope():
        created += len(actions.raise_due_tasks(practice))
    return created


@db_periodic_task(crontab(minute="15", hour="5"))
def raise_due_tasks() -> None:
    """Daily, early: the day's outreach tasks are there before anyone signs in."""
    raise_due_tasks_everywhere()
