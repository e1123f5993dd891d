from datetime import UTC, datetime

import pytest
from django.db import connection
from huey.contrib.djhuey import HUEY

from careloop import testing
from careloop.practices import tasks, upkeep  # noqa: F401 - tasks registers the periodic job


@pytest.mark.django_db
def test_it_gives_sqlite_the_statistics_its_planner_needs(alice_practice):
    if connection.vendor != "sqlite":
        assert upkeep.refresh_statistics() is False  # autovacuum's work on PostgreSQL
        return
    for _ in range(3):
        testing.make_session(alice_practice)
    assert upkeep.refresh_statistics() is True
    with connection.cursor() as cursor:
        cursor.execute("SELECT idx FROM sqlite_stat1 WHERE tbl = 'therapy_therapysession'")
        indexes = {row[0] for row in cursor.fetchall()}
    assert {"session_recent", "session_by_client"} <= indexes


def test_the_statistics_are_refreshed_every_night():
    moment = datetime(2026, 11, 20, 16, 15, tzinfo=UTC).replace(tzinfo=None)
    assert "nightly_statistics" in {task.name for task in HUEY.read_periodic(moment)}
