"""Background jobs for insights, run by Huey's consumer (`careloop run_huey`)."""

import logging

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from careloop.clients.models import Client
from careloop.lib.joblock import job_lock
from careloop.practices.jobs import each_practice_scope, job_in_scope_of
from careloop.referrals.models import Referral

from . import facts, report

log = logging.getLogger(__name__)


@db_task()
@job_in_scope_of(Referral)
def refresh_referral(referral_id: int) -> None:
    referral = Referral.objects.filter(pk=referral_id).select_related("practice").first()
    if referral is not None:
        facts.refresh(referral.practice, [referral_id])


@db_task()
@job_in_scope_of(Client)
def refresh_client(client_id: int) -> None:
    client = Client.objects.filter(pk=client_id).select_related("practice").first()
    if client is not None:
        facts.refresh(client.practice, client.referrals.values_list("pk", flat=True))


@db_task()
@job_in_scope_of(Client)
def refresh_scores(client_id: int) -> None:
    client = Client.objects.filter(pk=client_id).select_related("practice").first()
    if client is not None:
        facts.refresh_scores(client.practice, [client_id])


def refresh_all() -> int:
    """Every practice's summaries; one practice failing (logged) leaves the others' done."""
    written = 0
    for practice in each_practice_scope():
        try:
            written += facts.refresh(practice)
        except Exception:
            log.exception("Insight summaries of %s could not be refreshed", practice.slug)
    return written


@db_periodic_task(crontab(minute="23"))
@job_lock("insights-refresh", seconds=60 * 60)
def refresh_summaries() -> None:
    """Hourly: every practice's summary rows, so deadlines that passed with nobody
    touching a referral still show, and referrals typed in are counted."""
    refresh_all()


@db_periodic_task(crontab(minute="0", hour="7"))
@job_lock("insights-monthly-report", seconds=60 * 60)
def send_monthly_reports() -> None:
    """Daily at 07:00; on a practice's first business day of the month it e-mails the
    monthly report to its owners (once: a sent report is remembered)."""
    for practice in each_practice_scope():
        report.send_if_due(practice)
