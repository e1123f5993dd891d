"""Every index of a practice's records leads with the practice.

One practice's pages must not slow down as other practices grow: every query of a
staff page names the practice (django-scopes adds it), so an index that starts with the
practice keeps each practice's rows together and lets the database read only those. An
index that leads with anything else is listed below with the reason it may.

(Django's own one-column index on each foreign key is not a Meta index and is left out:
it serves joins and deletes from one parent row, which belongs to one practice.)
"""

from django.apps import apps
from django.db import models

from careloop.practices.models import Practice

ALLOWED = {
    # Background jobs that sweep every practice at once, outside any scope.
    ("referrals.ClarificationRequest", "clarification_reminders"): (
        "the reminder job finds unanswered requests across every practice"
    ),
    ("letters.Delivery", "delivery_due"): "the outbox finds due deliveries across every practice",
    # Uniqueness within one parent row: the parent belongs to one practice, and the
    # constraint is looked up by that parent alone.
    ("letters.Letter", "one_live_letter_per_referral_and_kind"): "one live letter per referral",
    ("letters.Delivery", "one_pending_delivery_per_channel"): "one pending delivery per letter",
    ("outreach.Activity", "one_activity_per_referral"): "one referral activity per referral",
    ("outreach.VisitStop", "one_stop_per_position"): "positions within one visit plan",
    ("outreach.VisitStop", "stop_once_per_plan"): "a medical practice once per visit plan",
    ("outreach.OutreachMessage", "outreach_sent_once"): "one message per batch and doctor",
}


def practice_models() -> list[type[models.Model]]:
    return [
        model
        for model in apps.get_models()
        if any(
            isinstance(field, models.ForeignKey)
            and field.name == "practice"
            and field.related_model is Practice
            for field in model._meta.get_fields()
        )
    ]


def leading_field(index: models.Index | models.UniqueConstraint) -> str | None:
    if index.fields:
        return index.fields[0].lstrip("-")
    expression = index.expressions[0] if index.expressions else None
    name = getattr(expression, "name", None)  # F("practice") in an expression index
    return name if isinstance(name, str) else None


def test_it_finds_the_practice_records():
    labels = {model._meta.label for model in practice_models()}
    assert {"clients.Client", "referrals.Referral", "therapy.TherapySession"} <= labels


def test_every_index_of_a_practice_record_leads_with_the_practice():
    wrong = []
    for model in practice_models():
        indexes = [
            *model._meta.indexes,
            *(c for c in model._meta.constraints if isinstance(c, models.UniqueConstraint)),
        ]
        for index in indexes:
            key = (model._meta.label, index.name)
            if leading_field(index) not in ("practice", "practice_id") and key not in ALLOWED:
                wrong.append(f"{model._meta.label}.{index.name}")
    assert not wrong, f"not led by the practice (lead with it, or allow it with a reason): {wrong}"


def test_each_allowed_exception_still_exists():
    existing = {
        (model._meta.label, index.name)
        for model in apps.get_models()
        for index in [*model._meta.indexes, *model._meta.constraints]
    }
    assert set(ALLOWED) <= existing, set(ALLOWED) - existing
