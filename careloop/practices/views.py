import base64

import segno
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST
from django_otp import devices_for_user, user_has_device
from django_otp import login as otp_login
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from careloop.practices.scoping import get_scoped_or_404
from careloop.web.public_cache import invalidate_public_site
from careloop.web.records import acting, practice_member_required, unpack

from . import actions
from .forms import MemberForm, PracticeSettingsForm, SignInCodeForm, TokenForm
from .models import User


def owner_required(view):
    @practice_member_required
    def wrapped(request, *args, **kwargs):
        if not request.user.is_owner:
            raise PermissionDenied("Only the practice owner can do this.")
        return view(request, *args, **kwargs)

    wrapped.__name__ = view.__name__
    return wrapped


def _safe_next(request, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


@login_required
def two_factor_verify(request):
    if request.user.is_verified() or not user_has_device(request.user, confirmed=True):
        return redirect(_safe_next(request, reverse("dashboard")))
    form = SignInCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        # Each kind of code goes only to its own device, so a backup code is not
        # counted as a wrong app code (which would slow the next sign-in). A backup
        # code is accepted once: the static device deletes it as it matches.
        kind = TOTPDevice if form.cleaned_data["token"].isdigit() else StaticDevice
        devices = [
            device
            for device in devices_for_user(request.user, confirmed=True)
            if isinstance(device, kind)
        ]
        # django-otp doubles the wait after each wrong code; a code refused because of
        # that wait says so rather than look wrong. Checked before trying, so the
        # first wrong code is called wrong, not "too many".
        throttled = any(not device.verify_is_allowed()[0] for device in devices)
        for device in devices:
            if device.verify_token(form.cleaned_data["token"]):
                otp_login(request, device)
                return redirect(_safe_next(request, reverse("dashboard")))
        form.add_error(
            "token",
            "Too many wrong codes: wait a minute, then enter the current code."
            if throttled
            else "That code is not right or has expired. Codes change every "
            "30 seconds; try the current one. A backup code works only once.",
        )
    return render(
        request,
        "registration/two_factor_verify.html",
        {"form": form, "next": _safe_next(request, "")},
        status=400 if form.errors else 200,
    )


@login_required
def two_factor_setup(request):
    user = request.user
    has_confirmed = user_has_device(user, confirmed=True)
    if has_confirmed and not user.is_verified():
        return redirect("two_factor_verify")
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    form = TokenForm(request.POST or None)
    if request.method == "POST" and device and form.is_valid():
        codes = actions.confirm_totp(device, form.cleaned_data["token"], **acting(request))
        if codes is not None:
            otp_login(request, device)
            messages.success(
                request,
                "Two-factor sign-in is on. You will be asked for a code each time you sign in.",
            )
            request.session[_BACKUP_CODES_KEY] = codes
            return redirect("two_factor_backup_codes")
        form.add_error(
            "token",
            "That code does not match. Check the time on your phone is "
            "right and enter the current code.",
        )
    if device is None:
        device = actions.start_totp_setup(user)
    qr = segno.make(device.config_url, error="m")
    return render(
        request,
        "registration/two_factor_setup.html",
        {
            "form": form,
            "qr_data_uri": qr.svg_data_uri(scale=5, dark="#1a1a2e"),
            "secret": typed_key(device.bin_key),
            "required": bool(request.practice and request.practice.require_two_factor),
            "replacing": has_confirmed,
        },
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def two_factor_disable(request):
    if request.practice and request.practice.require_two_factor:
        messages.error(
            request, "Your practice requires two-factor sign-in, so it cannot be turned off."
        )
        return redirect("account")
    actions.remove_totp(request.user, **acting(request))
    messages.success(request, "Two-factor sign-in is off.")
    return redirect("account")


_BACKUP_CODES_KEY = "careloop.backup-codes"


def typed_key(key: bytes) -> str:
    """The secret as authenticator apps take it typed in: Base32 (they refuse hex),
    without padding, in groups of four."""
    text = base64.b32encode(key).decode("ascii").rstrip("=")
    return " ".join(text[i : i + 4] for i in range(0, len(text), 4))


@login_required
def two_factor_backup_codes(request):
    """New backup codes, shown once: GET shows the codes just issued (then forgets
    them); POST replaces them, for someone who used or lost theirs."""
    if not user_has_device(request.user, confirmed=True) or not request.user.is_verified():
        return redirect("account")
    if request.method == "POST":
        request.session[_BACKUP_CODES_KEY] = actions.issue_backup_codes(
            request.user, **acting(request)
        )
        return redirect("two_factor_backup_codes")
    codes = request.session.pop(_BACKUP_CODES_KEY, None)
    if not codes:
        return redirect("account")
    return render(request, "registration/backup_codes.html", {"codes": codes})


@login_required
def account(request):
    return render(
        request,
        "registration/account.html",
        {
            "has_two_factor": user_has_device(request.user, confirmed=True),
        },
    )


@owner_required
def practice_settings(request):
    practice = request.practice
    form = PracticeSettingsForm(request.POST or None, request.FILES or None, instance=practice)

    if request.method == "POST" and form.is_valid():
        actions.save_practice_settings(
            form.save(commit=False), changed_fields=form.changed_data, **acting(request)
        )
        form.save_m2m()
        # The website shows the practice's name, contact details and niches.
        invalidate_public_site(practice)
        messages.success(request, "Practice settings saved.")
        return redirect("practices:settings")
    members = practice.members.select_related("clinician_profile").order_by(
        "-is_active", "full_name"
    )
    verified_ids = set(
        TOTPDevice.objects.filter(user__practice=practice, confirmed=True).values_list(
            "user_id", flat=True
        )
    )
    return render(
        request,
        "practices/settings.html",
        {
            "form": form,
            "members": members,
            "verified_ids": verified_ids,
        },
        status=400 if form.errors else 200,
    )


def _save_member(form, request):
    user, changed, _ = unpack(form)
    saved = actions.save_member(
        user,
        profile={name: form.cleaned_data.get(name) for name in actions.PROFILE_FIELDS},
        changed_fields=changed,
        practice=request.practice,
        domain=request.get_host(),
        **acting(request),
    )
    # The website's forms list the clinicians taking new clients.
    invalidate_public_site(request.practice)
    return saved


@owner_required
def member_create(request):
    form = MemberForm(request.POST or None, practice=request.practice)
    if request.method == "POST" and form.is_valid():
        user = _save_member(form, request)
        messages.success(
            request, f"{user} added. They have been e-mailed a link to choose a password."
        )
        return redirect("practices:settings")
    return render(
        request,
        "web/record_form.html",
        {
            "form": form,
            "title": "Add a team member",
            "cancel_url": reverse("practices:settings"),
        },
        status=400 if form.errors else 200,
    )


@owner_required
def member_edit(request, member):
    member = get_scoped_or_404(
        User.objects.select_related("clinician_profile"), request.practice, member
    )
    form = MemberForm(request.POST or None, instance=member, practice=request.practice)
    if request.method == "POST" and form.is_valid():
        _save_member(form, request)
        messages.success(request, f"{member} saved.")
        return redirect("practices:settings")
    return render(
        request,
        "web/record_form.html",
        {
            "form": form,
            "title": f"Edit {member}",
            "cancel_url": reverse("practices:settings"),
        },
        status=400 if form.errors else 200,
    )
