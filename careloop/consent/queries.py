"""Consent as a query: for list pages that must not ask row by row."""

from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from .models import Consent


def current_consent_exists(today=None) -> Exists:
    """For a Referral queryset: whether a current consent (not withdrawn, in force
    today) names the referral or its referring doctor, i.e. whether the practice may
    write to that doctor at all. Which scopes it allows is checked when a letter goes."""
    today = today or timezone.localdate()
    # Unscoped: tied to the outer referral's client, which is the practice's; a practice
    # condition would steer SQLite without statistics to read all its consents per row.
    return Exists(
        Consent._base_manager.filter(
            client=OuterRef("client"),
            withdrawn_at__isnull=True,
            obtained_on__lte=today,
        )
        .filter(Q(expires_on__isnull=True) | Q(expires_on__gte=today))
        .filter(Q(referral=OuterRef("pk")) | Q(doctor=OuterRef("referring_doctor")))
    )
