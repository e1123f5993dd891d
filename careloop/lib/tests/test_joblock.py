"""A periodic job's lock lets one run at a time, and lapses: a consumer killed in the
middle of a run (its lock never released) stops the job for a while, not for good."""

from datetime import timedelta

import pytest
import time_machine
from django.core.cache import cache
from django.utils import timezone

from careloop.lib.joblock import job_lock, key

runs: list[str] = []


@job_lock("test-job", seconds=600)
def job(label: str) -> str:
    runs.append(label)
    return label


def test_it_runs_and_lets_the_next_run_in():
    runs.clear()
    assert job("first") == "first"
    assert job("second") == "second"
    assert runs == ["first", "second"]


def test_a_run_is_skipped_while_another_holds_the_lock():
    runs.clear()

    @job_lock("test-job", seconds=600)
    def inner() -> None:
        runs.append("inner")
        assert job("overlapping") is None  # another worker's run meanwhile

    inner()
    assert runs == ["inner"]
    assert job("after") == "after"


def test_it_releases_the_lock_when_the_job_fails():
    @job_lock("failing-job", seconds=600)
    def failing() -> None:
        raise RuntimeError("mail server down")

    for _ in range(2):  # the second run is not skipped: it runs, and fails again
        with pytest.raises(RuntimeError):
            failing()
    assert cache.get(key("failing-job")) is None


def test_a_lock_left_by_a_killed_consumer_lapses():
    runs.clear()
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        cache.add(key("test-job"), "a consumer that was killed", timeout=600)
        assert job("blocked") is None
        traveller.shift(timedelta(seconds=601))
        assert job("after the lapse") == "after the lapse"
    assert runs == ["after the lapse"]
