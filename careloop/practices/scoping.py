"""Every domain record belongs to one practice, and every query says which.

Models inherit PracticeOwned; views fetch through `get_scoped_or_404`, so an
object of another practice is indistinguishable from one that does not exist.
"""

import uuid
from typing import TYPE_CHECKING, Self

from django.core.exceptions import ValidationError
from django.db import models
from django.http import Http404

if TYPE_CHECKING:
    from .models import Practice


class PracticeScopedQuerySet(models.QuerySet):
    def for_practice(self, practice: "Practice | None") -> Self:
        return self.filter(practice=practice)


class PracticeOwned(models.Model):
    # Integer keys never leave the database; URLs, forms and APIs use this.
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    practice = models.ForeignKey("practices.Practice", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = PracticeScopedQuerySet.as_manager()

    class Meta:
        abstract = True


def get_scoped_or_404(queryset, practice, public_id):
    """The object with this public id in this practice, or 404 (never 403: a 403
    would confirm to a curious user that the id exists elsewhere)."""
    if practice is None:
        raise Http404
    try:
        return queryset.filter(practice=practice).get(uuid=public_id)
    except (queryset.model.DoesNotExist, ValueError, ValidationError) as exc:
        raise Http404 from exc


def scoped_or_none(queryset, practice, public_id):
    """Like get_scoped_or_404, for optional ids in a query string."""
    if not public_id:
        return None
    try:
        return get_scoped_or_404(queryset, practice, public_id)
    except Http404:
        return None
