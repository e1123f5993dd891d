from django.conf import settings
from django.contrib.auth.forms import PasswordResetForm
from django.db import transaction
from django_otp.plugins.otp_totp.models import TOTPDevice

from .models import User


def save_member(form, *, practice, request) -> User:
    with transaction.atomic():
        user = form.save(commit=False)
        created = user.pk is None
        if created:
            user.practice = practice
            user.set_unusable_password()
        user.save()
        form.save_profile(user)
    if created:
        transaction.on_commit(lambda: send_welcome(user, request))
    return user


def send_welcome(user: User, request) -> None:
    """A new member chooses their own password through the reset link."""
    form = PasswordResetForm({"email": user.email})
    if form.is_valid():
        form.save(
            request=request,
            use_https=settings.HTTPS,
            subject_template_name="registration/welcome_subject.txt",
            email_template_name="registration/welcome_email.txt",
            extra_email_context={"practice": user.practice},
        )


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
