"""Reads for retention: each client's first and last contact, and the records past
their retention period. The rule itself is retention.py."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

from django.db.models import DateTimeField, Max, Min, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce, Greatest, Least

from careloop.clients.models import Client
from careloop.letters.models import Letter
from careloop.practices.models import Practice
from careloop.referrals.models import Referral
from careloop.therapy.models import SessionStatus, TherapySession

from . import retention
from .models import RetentionSettings


def rule_for(practice: Practice) -> retention.RetentionRule:
    settings = RetentionSettings.objects.for_practice(practice).first()
    return settings.rule if settings else retention.DEFAULT_RULE


def _bound(model, field: str, aggregate, extra: Q | None = None) -> Subquery:
    return Subquery(
        model.objects.filter(extra or Q(), client=OuterRef("pk"))
        .order_by()
        .values("client")
        .annotate(bound=aggregate(field))
        .values("bound"),
        output_field=DateTimeField(),
    )


def with_contacts(queryset: QuerySet[Client]) -> QuerySet[Client]:
    """Clients annotated with `first_contact_at` and `last_contact_at`: the earliest and
    latest of their record's creation, a referral received, a session (booked, held or
    missed: not cancelled) and a letter about them. A booked session in the future keeps
    the record current."""
    held = ~Q(status=SessionStatus.CANCELLED)
    return queryset.annotate(
        last_contact_at=Coalesce(
            _greatest(
                _bound(TherapySession, "starts_at", Max, held),
                _bound(Referral, "received_at", Max),
                _bound(Letter, "created_at", Max),
            ),
            "created_at",
        ),
        first_contact_at=Coalesce(
            _least(
                _bound(TherapySession, "starts_at", Min, held),
                _bound(Referral, "received_at", Min),
            ),
            "created_at",
        ),
    )


def _greatest(*values):
    # Greatest() is NULL if any argument is, on SQLite; each missing kind of contact
    # counts as long ago, so a client without letters still has a last contact.
    epoch = datetime(1900, 1, 1, tzinfo=UTC)
    return Greatest(*(Coalesce(v, Value(epoch)) for v in values))


def _least(*values):
    far = datetime(9999, 1, 1, tzinfo=UTC)
    return Least(*(Coalesce(v, Value(far)) for v in values))


@dataclass(frozen=True)
class Due:
    client: Client
    first_contact: date
    last_contact: date
    ends: date


def _local(practice: Practice, moment: datetime) -> date:
    return moment.astimezone(practice.zoneinfo).date()


def retention_of(practice: Practice, client: Client, rule=None) -> Due:
    """`client` must come from with_contacts()."""
    rule = rule or rule_for(practice)
    first_at: datetime = getattr(client, "first_contact_at")  # noqa: B009 (annotated)
    last_at: datetime = getattr(client, "last_contact_at")  # noqa: B009
    first = min(_local(practice, first_at), _local(practice, client.created_at))
    last = max(_local(practice, last_at), first)
    ends = retention.retention_ends(
        last_contact=last, first_contact=first, date_of_birth=client.date_of_birth, rule=rule
    )
    return Due(client=client, first_contact=first, last_contact=last, ends=ends)


def past_retention(practice: Practice, today: date | None = None) -> list[Due]:
    """The practice's clients whose retention period has ended, longest ended first."""
    today = today or practice.today()
    rule = rule_for(practice)
    clients = with_contacts(Client.objects.for_practice(practice)).order_by("pk")
    due = []
    for client in clients:
        item = retention_of(practice, client, rule)
        if retention.is_past_retention(item.ends, today):
            due.append(item)
    return sorted(due, key=lambda d: (d.ends, str(d.client.uuid)))
