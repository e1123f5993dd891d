"""Background jobs for letters, run by Huey's consumer (`careloop run_huey`).

Each job takes ids and reloads what it needs: a job may run on another machine, after
the request that enqueued it is long gone. Enqueue from an action with
`transaction.on_commit(lambda: send_delivery(pk))`, so that a job never runs before
the rows it reads are committed.
"""

from django.core.mail import send_mail
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from careloop.clients.models import Client
from careloop.lib.joblock import job_lock
from careloop.lib.text import single_line
from careloop.practices.jobs import each_practice_scope, job_in_scope_of
from careloop.referrals.models import Referral

from . import actions, outbox
from .models import Delivery, Letter

# E-mail that cannot reach the mail server now is tried again a little later.
MAIL_RETRIES = {"retries": 3, "retry_delay": 60}


@db_task()
@job_in_scope_of(Delivery)
def send_delivery(delivery_id: int) -> None:
    """Send one queued letter now. It needs no retry of its own: a failure puts the
    delivery back in the outbox with a delay, and `run_outbox` tries it again."""
    outbox.process_due(only=[delivery_id])


def draft_and_send_due() -> tuple[int, int]:
    """Draft the end-of-course reports that have fallen due in every practice, then send
    queued letters (first tries and retries). Idempotent. Returns (drafted, sent)."""
    drafted = sent = 0
    for practice in each_practice_scope():
        drafted += len(actions.create_due_drafts(practice))
        sent += outbox.process_due()
    return drafted, sent


@db_periodic_task(crontab(minute="*"))
@job_lock("letters-run-outbox", seconds=10 * 60)  # outbox.LEASE
def run_outbox() -> None:
    # The lock keeps a slow run (many PDFs) from overlapping the next minute's, also
    # when several consumers share one Redis queue. It lapses with the outbox's lease: a
    # consumer killed mid-run must not stop the outbox on every machine.
    draft_and_send_due()


@db_task()
@job_in_scope_of(Client)
def draft_due_reports(client_id: int) -> None:
    """After an attended session: draft the end-of-course report if it ended a course."""
    actions.draft_due_reports_for(client_id)


@db_task()
@job_in_scope_of(Referral)
def draft_discharge_summary(referral_id: int, reason: str = "") -> None:
    actions.draft_discharge_summary(referral_id, reason)


@db_task(**MAIL_RETRIES)
@job_in_scope_of(Letter)
def tell_clinician_of_feedback(letter_id: int) -> None:
    """The doctor answered the feedback form: the clinician hears that there is feedback,
    and signs in to read it (no answers leave by e-mail)."""
    letter = Letter.objects.select_related("doctor", "client", "signed_by", "author").get(
        pk=letter_id
    )
    clinician = letter.signed_by or letter.author
    if clinician and clinician.email:
        send_mail(
            single_line(f"Feedback from {letter.doctor} on your {letter.kind_info.title.lower()}"),
            f"{letter.doctor} answered the feedback form for your letter about "
            f"{letter.client.given_name} {letter.client.family_name[:1]}. "
            f"Sign in to Careloop to read it.",
            None,
            [single_line(clinician.email)],
        )
