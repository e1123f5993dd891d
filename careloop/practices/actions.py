from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django_otp.plugins.otp_totp.models import TOTPDevice

from . import tasks
from .models import Practice, User

if TYPE_CHECKING:
    from django.http import HttpRequest

    from .forms import MemberForm


def save_member(form: MemberForm, *, practice: Practice, request: HttpRequest) -> User:
    with transaction.atomic():
        user: User = form.save(commit=False)
        created = user.pk is None
        if created:
            user.practice = practice
            user.set_unusable_password()
        user.save()
        form.save_profile(user)
    if created:
        domain = request.get_host()
        transaction.on_commit(lambda: tasks.send_welcome(user.pk, domain), robust=True)
    return user


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


def start_totp_setup(user: User) -> TOTPDevice:
    """An unconfirmed authenticator for the user, replacing any earlier unconfirmed one."""
    TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    return TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=False)


def confirm_totp(device: TOTPDevice, token: str) -> bool:
    if not device.verify_token(token):
        return False
    with transaction.atomic():
        TOTPDevice.objects.filter(user=device.user, confirmed=True).exclude(pk=device.pk).delete()
        device.confirmed = True
        device.save(update_fields=["confirmed"])
    return True


def remove_totp(user: User) -> None:
    TOTPDevice.objects.filter(user=user).delete()
