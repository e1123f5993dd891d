from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from careloop.audit.actions import Via, record
from careloop.audit.models import AuditAction
from careloop.lib.geo import locate

from . import tasks
from .models import ClinicianProfile, Practice, User

BACKUP_CODE_COUNT = 10
TEAM_MEMBER = "team member"
TWO_FACTOR = "two-factor sign-in"


ADDRESS_FIELDS = ("street", "suburb", "state", "postcode")


def geocode_practice(practice: Practice, changed_fields: Sequence[str] = ()) -> bool:
    """Give the practice coordinates from the offline locality table when it has none,
    or when its address changed (the old ones would point at the old address). They
    are the origin of every outreach distance. True if they were set."""
    address_changed = bool(set(changed_fields) & set(ADDRESS_FIELDS))
    coordinates_given = bool({"latitude", "longitude"} & set(changed_fields))
    if coordinates_given:
        return False
    if not address_changed and practice.latitude is not None and practice.longitude is not None:
        return False
    found = locate(practice.suburb, practice.state, practice.postcode)
    if found is None:
        if address_changed:
            practice.latitude = practice.longitude = None
        return False
    practice.latitude, practice.longitude = (Decimal(f"{v:.6f}") for v in found)
    return True


def save_practice_settings(
    practice: Practice, *, changed_fields: Sequence[str], by: User | None, via: Via
) -> Practice:
    """Save the owner's settings form (the unsaved `practice`), placing the practice on
    the map from its suburb when it has no coordinates."""
    geocode_practice(practice, changed_fields)
    practice.save()
    return practice


PROFILE_FIELDS = ("profession", "ahpra_registration", "provider_number", "hpii", "niches")


def save_member(
    user: User,
    *,
    profile: dict[str, Any],
    changed_fields: Sequence[str] = (),
    practice: Practice,
    by: User | None,
    via: Via,
    domain: str,
) -> User:
    """Add or change a team member (the unsaved `user` from the owner's form) and their
    clinician profile: a profession makes them a clinician profile, none removes it."""
    with transaction.atomic():
        created = user.pk is None
        if created:
            user.practice = practice
            user.set_unusable_password()
        user.save()
        _save_profile(user, profile)
        # The owner's changes to who may open client records are audited like changes
        # to the records themselves.
        label = f"{user} ({user.get_role_display()})"
        if not created and "is_active" in changed_fields and not user.is_active:
            label += ": can no longer sign in"
        record(
            user,
            by=by,
            via=via,
            action=AuditAction.CREATE if created else AuditAction.UPDATE,
            object_type=TEAM_MEMBER,
            label=label,
            changed_fields=() if created else changed_fields,
        )
    if created:
        transaction.on_commit(lambda: tasks.send_welcome(user.pk, domain), robust=True)
    return user


def _save_profile(user: User, data: dict[str, Any]) -> ClinicianProfile | None:
    profession = data.get("profession")
    profile: ClinicianProfile | None = getattr(user, "clinician_profile", None)
    if not profession:
        if profile is not None:
            profile.delete()
        return None
    if profile is None:
        profile = ClinicianProfile(user=user)
    profile.profession = profession
    profile.ahpra_registration = data.get("ahpra_registration") or ""
    profile.provider_number = data.get("provider_number") or ""
    profile.hpii = data.get("hpii") or ""
    profile.save()
    profile.niches.set(data.get("niches") or [])
    return profile


def send_welcome(user: User, *, domain: str) -> None:
    """E-mail a new member a one-time link to choose their password.

    Django's PasswordResetForm skips accounts without a usable password, which is
    exactly what a new member has, so the message is built here with the same token.
    """
    context = {
        "user": user,
        "practice": user.practice,
        "uid": urlsafe_base64_encode(force_bytes(user.pk)),
        "token": default_token_generator.make_token(user),
        "protocol": "https" if settings.HTTPS else "http",
        "domain": domain,
    }
    subject = "".join(render_to_string("registration/welcome_subject.txt", context).splitlines())
    body = render_to_string("registration/welcome_email.txt", context)
    send_mail(subject, body, None, [user.email])


def _record_two_factor(user: User, what: str, *, by: User | None, via: Via) -> None:
    if user.practice_id is None:
        return  # a server administrator outside any practice: no practice log to write to
    record(
        user,
        by=by,
        via=via,
        action=AuditAction.UPDATE,
        object_type=TWO_FACTOR,
        label=f"{user}: {what}",
    )


def format_backup_code(token: str) -> str:
    """ "k4j2mq7z" → "k4j2-mq7z": easier to read off paper and type."""
    return f"{token[:4]}-{token[4:]}"


def normalise_backup_code(typed: str) -> str:
    return "".join(typed.split()).replace("-", "").lower()


def issue_backup_codes(user: User, *, by: User | None, via: Via, first: bool = False) -> list[str]:
    """Ten new one-time codes for signing in without the phone; earlier codes stop
    working. The codes are returned once, to show once."""
    with transaction.atomic():
        StaticDevice.objects.filter(user=user).delete()
        device = StaticDevice.objects.create(user=user, name="Backup codes", confirmed=True)
        tokens = [StaticToken.random_token() for _ in range(BACKUP_CODE_COUNT)]
        StaticToken.objects.bulk_create(StaticToken(device=device, token=t) for t in tokens)
        if not first:
            _record_two_factor(user, "backup codes replaced", by=by, via=via)
    return [format_backup_code(t) for t in tokens]


def start_totp_setup(user: User) -> TOTPDevice:
    """An unconfirmed authenticator for the user, replacing any earlier unconfirmed one."""
    TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    return TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=False)


def confirm_totp(device: TOTPDevice, token: str, *, by: User | None, via: Via) -> list[str] | None:
    """Turn on the authenticator if ``token`` is right. Returns the new backup codes
    (to show once), or None when the code is wrong."""
    if not device.verify_token(token):
        return None
    with transaction.atomic():
        replacing = (
            TOTPDevice.objects.filter(user=device.user, confirmed=True)
            .exclude(pk=device.pk)
            .delete()[0]
        )
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        _record_two_factor(
            device.user, "moved to a new phone" if replacing else "set up", by=by, via=via
        )
        return issue_backup_codes(device.user, by=by, via=via, first=True)


def remove_totp(user: User, *, by: User | None, via: Via) -> None:
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user).delete()
        StaticDevice.objects.filter(user=user).delete()
        _record_two_factor(user, "turned off", by=by, via=via)
