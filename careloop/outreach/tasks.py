"""Background jobs for outreach, run by Huey's consumer (`careloop run_huey`)."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from careloop.practices.jobs import each_practice_scope

from . import actions


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
