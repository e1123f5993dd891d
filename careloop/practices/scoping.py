"""Every domain record belongs to one practice, and every query says which.

Models inherit PracticeOwned. Their manager is django-scopes' ScopedManager: a query
made outside `scope(practice=...)` raises ScopeError instead of returning every
practice's rows. Staff requests run inside their practice's scope
(PracticeMiddleware); public links, the public site and the HL7 gateway enter the
scope of the practice they resolve; commands and jobs enter each practice's scope
or say `scopes_disabled()` where they truly span practices. Views fetch through
`get_scoped_or_404`, so an object of another practice is indistinguishable from one
that does not exist. Saving a row whose foreign keys point into another practice is
refused (PracticeOwned.save).
"""

import functools
import uuid
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, ClassVar, Self, TypeVar

from django.core.exceptions import ValidationError
from django.db import models
from django.http import Http404
from django_scopes import ScopedManager, get_scope, scope, scopes_disabled

from careloop.lib.search import SearchKeyed, SearchKeysManager

if TYPE_CHECKING:
    from .models import Practice

_M = TypeVar("_M", bound=models.Model)

__all__ = [
    "CrossPracticeReference",
    "PracticeOwned",
    "PracticeScopedQuerySet",
    "SearchKeyedPracticeOwned",
    "get_scoped_or_404",
    "in_scope_of",
    "practice_scope",
    "scoped_or_none",
    "scopes_disabled",
]


class PracticeScopedQuerySet(models.QuerySet):
    def for_practice(self, practice: "Practice | int | None") -> Self:
        return self.filter(practice=practice)


# Named at module level: django-stubs types a manager made by from_queryset only there.
_PracticeManagerBase = models.Manager.from_queryset(PracticeScopedQuerySet)


class _PracticeManager(_PracticeManagerBase):
    if TYPE_CHECKING:
        # Added by django-scopes' ScopedManager, which subclasses this manager.
        def with_scope(self, **scope: Any) -> Self: ...
        def with_scopes_disabled(self) -> Self: ...

    def for_practice(
        self: "_PracticeManager[_M]", practice: "Practice | int | None"
    ) -> "models.QuerySet[_M]":
        """Naming the practice is the explicit way to query outside a request. Inside
        an active scope the two filters combine, so another practice's rows stay out."""
        if practice is None:
            return self.with_scopes_disabled().none()
        current = get_scope()
        if current.get("_enabled", True) and "practice" in current:
            queryset = self.get_queryset()
            if _pk(current["practice"]) == _pk(practice):
                # The scope already names this practice. A second, identical condition
                # changes no row but misleads SQLite's planner when it has no
                # statistics: it counts the condition twice and picks the practice's
                # own index over a better one (the inbox read all 80,000 referrals).
                return queryset
            return queryset.filter(practice=practice)
        return self.with_scope(practice=practice).get_queryset()


def _pk(practice: Any) -> Any:
    return getattr(practice, "pk", practice)


@contextmanager
def practice_scope(practice) -> Iterator[None]:
    """The scope of one practice. django-scopes reads `practice=None` as "every
    practice", so None is refused here rather than silently widening the scope."""
    if practice is None:
        raise ValueError("practice_scope needs a practice, not None")
    with scope(practice=practice):
        yield


def in_scope_of(practice_of: Callable) -> Callable:
    """For views reached without an account (signed links, the public site, the HL7
    gateway), and for jobs that take ids. `practice_of(*args, **kwargs)`, given the
    view's or job's own arguments, finds the practice (or its id) that the link, slug,
    token or id names, with scopes disabled for that lookup alone; the view or job then
    runs inside that practice's scope. A link that names no practice (forged, expired,
    used) gets a scope that matches no rows, so the view answers "expired" rather than
    reading anyone's records."""

    def decorator(view):
        @functools.wraps(view)
        def wrapper(request, *args, **kwargs):
            with scopes_disabled():
                practice = practice_of(request, *args, **kwargs)
            with scope(practice=[]) if practice is None else practice_scope(practice):
                return view(request, *args, **kwargs)

        return wrapper

    return decorator


def job_in_scope_of(model) -> Callable:
    """For a background job whose first argument is the id of a `model` row: the job
    runs inside that row's practice's scope (a job runs in the consumer, with no
    request and so no scope of its own). A row gone by then gets an empty scope."""

    def decorator(job):
        @functools.wraps(job)
        def wrapper(object_id, *args, **kwargs):
            with scopes_disabled():
                practice_id = (
                    model.objects.filter(pk=object_id).values_list("practice_id", flat=True).first()
                )
            with scope(practice=[]) if practice_id is None else scope(practice=practice_id):
                return job(object_id, *args, **kwargs)

        return wrapper

    return decorator


class CrossPracticeReference(ValidationError):
    """A row of one practice pointing at another practice's record: a bug, or a forged
    form, never something to store."""


@functools.cache
def _practice_references(model) -> tuple:
    """The foreign keys of `model` whose targets belong to a practice themselves (any
    model with a `practice` foreign key: practice-owned records and users)."""
    found = []
    for field in model._meta.concrete_fields:
        if not field.many_to_one or field.name == "practice":
            continue
        target = field.related_model._meta
        practice_field = next((f for f in target.concrete_fields if f.name == "practice"), None)
        if practice_field is not None and practice_field.many_to_one:
            found.append(field)
    return tuple(found)


class PracticeOwned(models.Model):
    # Integer keys never leave the database; URLs, forms and APIs use this.
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    practice = models.ForeignKey("practices.Practice", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    # ScopedManager subclasses _PracticeManager at run time. django-stubs cannot name that
    # class, so it cannot type the reverse relations (client.referrals and the like) of
    # models that practice-owned models point to; those model classes carry a targeted
    # ignore of django-manager-missing, and their reverse relations are plain managers.
    objects: ClassVar["_PracticeManager[Self]"] = ScopedManager(
        _manager_class=_PracticeManager, practice="practice"
    )

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.check_references_stay_in_practice(kwargs.get("update_fields"))
        super().save(*args, **kwargs)

    def check_references_stay_in_practice(self, update_fields: Iterable[str] | None = None) -> None:
        """Refuses a foreign key into another practice. Related objects already loaded
        are compared in memory; only a key set by id alone costs a query."""
        changed = None if update_fields is None else set(update_fields)
        for field in _practice_references(type(self)):
            if changed is not None and not {field.name, field.attname, "practice"} & changed:
                continue
            target_id = getattr(self, field.attname)
            if target_id is None:
                continue
            target = field.get_cached_value(self, None) if field.is_cached(self) else None
            if target is not None and target.pk == target_id:
                target_practice = target.practice_id
            else:
                target_practice = (
                    field.related_model._base_manager.filter(pk=target_id)
                    .values_list("practice_id", flat=True)
                    .first()
                )
            if target_practice != self.practice_id:
                raise CrossPracticeReference(
                    f"This {self._meta.verbose_name} belongs to one practice and its "
                    f"{field.verbose_name} to another; records of two practices are never "
                    "linked."
                )


class _SearchKeysPracticeManager(SearchKeysManager[Any], _PracticeManager):
    pass


class SearchKeyedPracticeOwned(SearchKeyed, PracticeOwned):
    """A practice's record found by name in the pickers (lib/search.py): save() and
    bulk writes through `objects` keep its search keys."""

    objects: ClassVar["_PracticeManager[Self]"] = ScopedManager(
        _manager_class=_SearchKeysPracticeManager, practice="practice"
    )

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
