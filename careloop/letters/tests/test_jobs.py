"""Letters leave through background jobs: enqueued on commit, retried every minute."""

from datetime import UTC, datetime

import pytest
from django.conf import settings
from django.core import mail
from django.utils.module_loading import autodiscover_modules
from huey.contrib.djhuey import HUEY
from huey.signals import SIGNAL_EXECUTING

from careloop.letters import actions as letter_actions
from careloop.letters import outbox, tasks
from careloop.letters.models import Delivery
from careloop.letters.tests.test_letters import SECTIONS, course  # noqa: F401 (fixture)


@pytest.fixture
def executed():
    """The names of the jobs Huey ran during the test."""
    names = []

    def record(signal, task, *args):
        names.append(task.name)

    HUEY.signal(SIGNAL_EXECUTING)(record)
    yield names
    HUEY.disconnect_signal(record, SIGNAL_EXECUTING)


def test_the_test_suite_runs_jobs_at_once_in_its_own_process():
    assert settings.HUEY["immediate"] is True
    assert HUEY.immediate


def test_a_queued_letter_is_sent_by_a_job_once_committed(
    course,  # noqa: F811
    settings,
    executed,
    django_capture_on_commit_callbacks,
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    [letter] = letter_actions.create_due_drafts(course["client"].practice)
    letter_actions.update_sections(letter, SECTIONS)
    letter_actions.sign(letter, by=course["clinician"])
    with django_capture_on_commit_callbacks() as callbacks:
        delivery = outbox.queue(letter, "email")
    # Nothing leaves inside the request's transaction...
    assert mail.outbox == [] and executed == []
    for callback in callbacks:
        callback()
    # ...the job sends it once the queue entry is committed.
    assert executed == ["send_delivery"]
    delivery.refresh_from_db()
    assert delivery.status == "sent"
    assert [m.to for m in mail.outbox] == [[course["doctor"].email]]


def test_the_outbox_job_drafts_due_reports_and_sends_waiting_letters(
    course,  # noqa: F811
    settings,
    executed,
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    tasks.run_outbox()
    [letter] = course["referral"].letters.all()
    assert (letter.kind, letter.status) == ("end_of_course", "draft")

    letter_actions.update_sections(letter, SECTIONS)
    letter_actions.sign(letter, by=course["clinician"])
    # Queued, but its own job never ran (the consumer was down): the minute's run sends it.
    delivery = outbox.queue(letter, "email")
    assert Delivery.objects.get().status == "queued"
    tasks.run_outbox()
    delivery.refresh_from_db()
    assert delivery.status == "sent" and len(mail.outbox) == 1
    tasks.run_outbox()
    assert len(mail.outbox) == 1  # idempotent: nothing is sent twice
    assert executed == ["run_outbox"] * 3


def test_periodic_jobs_are_declared_in_code():
    # What `careloop run_huey` does first: every app's tasks module registers its jobs.
    autodiscover_modules("tasks")

    def due_at(hour: int, minute: int) -> set[str]:
        moment = datetime(2026, 11, 20, hour, minute, tzinfo=UTC).replace(tzinfo=None)
        return {task.name for task in HUEY.read_periodic(moment)}

    assert due_at(9, 17) == {"run_outbox"}  # the outbox every minute
    # Reminders hourly; unsent outreach e-mails are retried every 5 minutes.
    assert due_at(10, 0) == {
        "run_outbox",
        "send_clarification_reminders",
        "retry_unsent_outreach",
    }
