from datetime import UTC, datetime

from django.contrib.auth.decorators import login_not_required
from django.core import signing
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.csrf import csrf_exempt

from careloop.audit.actions import PUBLIC_FORM, via_request
from careloop.lib.bodylimit import DEFAULT_MAX_REQUEST_BYTES, guard_body
from careloop.lib.business_days import add_business_days
from careloop.lib.formguard import Refusals, cross_site, fresh_token
from careloop.lib.uploads import MAX_UPLOAD_BYTES
from careloop.practices.models import Practice
from careloop.practices.scoping import in_scope_of
from careloop.referrals.intake import take_in
from careloop.web.public_cache import public_page, use_form_token

from . import site_views
from .forms import PublicReferralForm
from .intake import incoming_from_form
from .links import site_reverse

SUBMISSIONS_PER_HOUR = 5
_THANKS_SALT = "careloop.public-referral-thanks"


def _practice_of_slug(request, slug):
    return Practice.objects.filter(slug=slug).values_list("pk", flat=True).first()


# The site's home page (site_views.py) keeps the name this module always gave it.
practice_home = site_views.home


def _practice_or_404(request, slug):
    return get_object_or_404(Practice, slug=slug)


_REFUSALS = Refusals(
    template="publicsite/refer_refused.html",
    practice_of=_practice_or_404,
    rate_key="refer",
    per_hour=SUBMISSIONS_PER_HOUR,
    too_large_reason=f"The letter is too large to send: it can be up to "
    f"{MAX_UPLOAD_BYTES // (1024 * 1024)} MB. Scan it at a lower resolution or save it as a "
    "PDF, and send the form again.",
    too_many_reason="Too many referrals have been sent from your network in the last hour. "
    "Please try again later, or phone us.",
    automated_reason="This form could not be accepted because it looked automated (it was sent "
    "too quickly, from another site, or a hidden field was filled in). Please reload the page "
    "and send it again, or phone us.",
    already_sent_reason="This form has already been sent once. To send another referral, "
    "reload the page and fill it in again.",
)


def _fresh_form_token() -> str:
    return fresh_token(PublicReferralForm.guard_salt)


@login_not_required
# No CSRF cookie (public pages set no cookies): the form's signed, single-use token and
# the cross-site check stand in for it. See careloop/lib/formguard.py.
@csrf_exempt
@guard_body(
    max_bytes=DEFAULT_MAX_REQUEST_BYTES, too_large=_REFUSALS.too_large, before=_REFUSALS.before
)
@public_page(form_token=_fresh_form_token)
@in_scope_of(_practice_of_slug)
def refer(request, slug):
    practice = get_object_or_404(Practice, slug=slug)
    form = PublicReferralForm(request.POST or None, request.FILES or None, practice=practice)
    status = 200
    if request.method == "POST":
        if cross_site(request) or form.looks_automated:
            return _REFUSALS.automated(request, practice)
        if form.is_valid():
            if not form.claim_form_token():
                return _REFUSALS.already_sent(request, practice)
            referral = take_in(
                practice,
                incoming_from_form(practice, form.cleaned_data, form.letter_kind),
                by=None,
                via=via_request(request, PUBLIC_FORM),
            ).referral
            token = signing.dumps(
                {"ref": referral.reference, "at": referral.received_at.timestamp()},
                salt=_THANKS_SALT,
            )
            form.release_letter()
            return redirect(f"{site_reverse(request, slug, 'refer_thanks')}?t={token}")
        status = 400
        form.keep_letter()
    else:
        use_form_token(request, form.form_token)
    return render(
        request, "publicsite/refer.html", {"practice": practice, "form": form}, status=status
    )


@login_not_required
@in_scope_of(_practice_of_slug)
def refer_thanks(request, slug):
    """The doctor's confirmation: the reference and when we will contact the client.
    It names no patient, so a forwarded or shared link discloses nothing."""
    practice = get_object_or_404(Practice, slug=slug)
    try:
        data = signing.loads(request.GET.get("t", ""), salt=_THANKS_SALT, max_age=60 * 60 * 24)
    except signing.BadSignature:
        return redirect(site_reverse(request, slug, "refer"))
    received_day = datetime.fromtimestamp(data["at"], tz=UTC).astimezone(practice.zoneinfo).date()
    return render(
        request,
        "publicsite/refer_thanks.html",
        {
            "practice": practice,
            "reference": data["ref"],
            "contact_by_day": add_business_days(
                received_day, practice.contact_within_days, practice.state
            ),
            "contact_days": practice.contact_within_days,
        },
    )
