"""Query helpers for list pages."""

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
