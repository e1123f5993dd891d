"""Helpers for background jobs, which run in the consumer with no request and so no
practice scope of their own."""

from collections.abc import Iterator

from .models import Practice
from .scoping import job_in_scope_of, practice_scope

__all__ = ["each_practice_scope", "job_in_scope_of"]


def each_practice_scope() -> Iterator[Practice]:
    """For periodic jobs: every practice in turn, inside its own scope."""
    for practice in Practice.objects.all():
        with practice_scope(practice):
            yield practice
