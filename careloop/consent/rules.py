"""Whether a disclosure is covered by consent, decided at the moment of sending."""

from django.db import transaction
from django.utils import timezone

from .models import ACCESS, Consent, Disclosure, Scope


class DisclosureRefused(PermissionError):
    """No consent covers it; the message says what consent is missing."""


def covering_consent(client, doctor, scope: str, *, on=None) -> Consent | None:
    """The consent that lets `scope` go to `doctor` today, or None."""
    on = on or client.practice.today()
    candidates = (
        Consent.objects.filter(client=client, withdrawn_at__isnull=True, obtained_on__lte=on)
        .select_related("doctor", "referral__referring_doctor")
        .order_by("-obtained_on")
    )
    for consent in candidates:
        if consent.expires_on is not None and consent.expires_on < on:
            continue
        if scope in consent.scopes and consent.recipient == doctor:
            return consent
    return None


def check_disclosure(client, doctor, scope: str) -> Consent:
    consent = covering_consent(client, doctor, scope)
    if consent is None:
        raise DisclosureRefused(
            f"Not sent: {client.full_name} has no current consent to share "
            f"“{Scope(scope).label.lower()}” with {doctor}. Record the client's consent "
            f"(naming {doctor} or the referral) before sending."
        )
    return consent


def disclose(client, doctor, scope: str, *, description: str, channel: str, by=None):
    """Check consent now and log the disclosure, in one transaction; the caller sends
    only after this returns, and calls it again for every retry it makes."""
    with transaction.atomic():
        consent = check_disclosure(client, doctor, scope)
        return record_disclosure(
            consent, doctor, scope, description=description, channel=channel, by=by
        )


def record_disclosure(consent, doctor, scope: str, *, description: str, channel: str, by=None):
    """Log a disclosure that has happened under `consent`, checked just before it left.
    The outbox checks consent, sends outside any transaction, then logs what went: a
    letter that left is logged even if consent was withdrawn while it was on the wire."""
    client = consent.client
    return Disclosure.objects.create(
        practice=client.practice,
        client=client,
        doctor=doctor,
        scope=scope,
        description=description[:300],
        consent=consent,
        channel=channel,
        by=by if by is not None and getattr(by, "is_authenticated", False) else None,
        at=timezone.now(),
    )


def record_access_disclosure(client, *, description: str, channel: str, by=None) -> Disclosure:
    """Log the client's own records given to them at their request (Australian Privacy
    Principle 12): a disclosure that needs no consent and names no doctor."""
    return Disclosure.objects.create(
        practice=client.practice,
        client=client,
        doctor=None,
        consent=None,
        scope=ACCESS,
        description=description[:300],
        channel=channel[:20],
        by=by if by is not None and getattr(by, "is_authenticated", False) else None,
        at=timezone.now(),
    )
