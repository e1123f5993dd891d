"""Background jobs for records, run by Huey's consumer (`careloop run_huey`)."""

from django.core.mail import send_mail
from django.urls import reverse
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from careloop.audit.actions import JOB
from careloop.lib.joblock import job_lock
from careloop.practices.jobs import each_practice_scope, job_in_scope_of
from careloop.practices.models import User
from careloop.practices.roles import Role

from . import actions, queries
from .models import AccessReport


@db_task()
@job_in_scope_of(AccessReport)
def produce_access_report(report_id: int) -> None:
    try:
        actions.produce_access_report(report_id, via=JOB)
    except Exception:
        actions.mark_access_report_failed(report_id)
        raise


def tell_owners_of_records_past_retention(site: str = "") -> int:
    """E-mail each practice's owners how many records are past their retention period,
    with a link to review them. The count only: no names, nothing of anyone's health.
    Idempotent (it only reads and tells). Returns the number of e-mails sent."""
    from django.conf import settings

    site = site or settings.SITE_URL
    sent = 0
    for practice in each_practice_scope():
        count = len(queries.past_retention(practice))
        if not count:
            continue
        owners = list(
            User.objects.filter(practice=practice, role=Role.OWNER, is_active=True)
            .exclude(email="")
            .values_list("email", flat=True)
        )
        if not owners:
            continue
        link = site.rstrip("/") + reverse("records:retention")
        send_mail(
            f"{practice.name}: {count} record(s) past their retention period",
            f"{count} client record(s) at {practice.name} are past the retention period "
            "the practice has set. Nothing has been deleted: Careloop never disposes of a "
            f"record by itself. Review them and decide:\n{link}\n",
            None,
            owners,
        )
        sent += 1
    return sent


@db_periodic_task(crontab(day="1", hour="7", minute="0"))
@job_lock("records-retention-review", seconds=60 * 60)
def monthly_retention_review() -> None:
    tell_owners_of_records_past_retention()
