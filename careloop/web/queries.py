"""Query helpers for list pages.

The per-row subqueries take an unscoped queryset (`Model._base_manager`): they are
tied to the outer row, which is the practice's, so they need no practice condition of
their own, and one would hurt. SQLite without statistics (a database nobody ran
ANALYZE on) then picks the index on the practice over the one on the link, and reads
every session of the practice for each client of the page.
"""

from django.db.models import Count, IntegerField, Max, OuterRef, Subquery
from django.db.models.functions import Coalesce


def count_of(queryset, link: str):
    """A per-row count as a correlated subquery.

    Unlike Count() over a join, which makes the database aggregate every row before
    LIMIT picks a page, this is evaluated only for the rows the page shows.
    """
    counted = (
        queryset.filter(**{link: OuterRef("pk")})
        .order_by()
        .values(link)
        .annotate(n=Count("pk"))
        .values("n")[:1]
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


def latest_of(queryset, link: str, field: str):
    """The latest `field` of the related rows, as a correlated subquery."""
    latest = (
        queryset.filter(**{link: OuterRef("pk")})
        .order_by()
        .values(link)
        .annotate(latest=Max(field))
        .values("latest")[:1]
    )
    return Subquery(latest)
