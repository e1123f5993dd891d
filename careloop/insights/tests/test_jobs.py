from datetime import UTC, datetime

from huey.contrib.djhuey import HUEY


def due_at(hour: int, minute: int) -> set[str]:
    moment = datetime(2026, 11, 20, hour, minute, tzinfo=UTC).replace(tzinfo=None)
    return {task.name for task in HUEY.read_periodic(moment)}


def test_the_summaries_refresh_hourly_and_the_report_job_runs_each_morning():
    assert "refresh_summaries" in due_at(3, 23)
    assert "refresh_summaries" not in due_at(3, 24)
    assert "send_monthly_reports" in due_at(7, 0)
    assert "send_monthly_reports" not in due_at(8, 0)
