"""Keeping the database's query planner informed.

Every query of a practice's records names the practice, and most indexes start with it
(`web/tests/test_practice_indexes.py`). Without statistics SQLite cannot tell that the
practice matches a great many rows and a client or a referral a handful: asked for one
referral's sessions in date order, it may read the whole practice's sessions in date
order rather than the referral's few and sort them (a second at a million sessions).
`ANALYZE` records how selective each index is: about 4 seconds at a million sessions.
It reads every index in full: a sample (`analysis_limit`) reads the first rows of each,
which all share one practice and one month, and misleads the planner about both.

PostgreSQL's autovacuum keeps its own statistics current; the nightly job leaves it be.
"""

from django.db import connections


def refresh_statistics(alias: str = "default") -> bool:
    """Update SQLite's planner statistics; returns whether there was anything to do."""
    connection = connections[alias]
    if connection.vendor != "sqlite":
        return False
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA analysis_limit = 0")  # no sampling: see above
        cursor.execute("ANALYZE")
    return True
