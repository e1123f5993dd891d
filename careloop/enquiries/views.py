from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.html import format_html
from django.views.decorators.csrf import csrf_exempt

from careloop.audit.actions import PUBLIC_FORM, via_request
from careloop.lib.bodylimit import guard_body
from careloop.lib.formguard import Refusals, cross_site, fresh_token
from careloop.practices.models import Practice
from careloop.practices.permissions import may_handle_enquiries
from careloop.practices.scoping import get_scoped_or_404, in_scope_of
from careloop.publicsite.site_views import render_site_page
from careloop.web.lists import PracticeListView
from careloop.web.public_cache import public_page, use_form_token
from careloop.web.records import acting, audit_view, practice_member_required

from . import actions
from .filters import EnquiryFilter
from .forms import ConvertForm, EnquiryForm, split_name
from .models import Enquiry, EnquiryStatus

SUBMISSIONS_PER_HOUR = 5
# An enquiry is a few lines of text: anything much bigger is not a person typing.
MAX_ENQUIRY_BYTES = 64 * 1024


# --- The website's contact form -----------------------------------------------------


def _practice_of_slug(request, slug):
    return Practice.objects.filter(slug=slug).values_list("pk", flat=True).first()


def _practice_or_404(request, slug):
    return get_object_or_404(Practice, slug=slug)


_REFUSALS = Refusals(
    template="enquiries/contact_refused.html",
    practice_of=_practice_or_404,
    rate_key="enquiry",
    per_hour=SUBMISSIONS_PER_HOUR,
    too_large_reason="Your message is too long to send. Please shorten it, or phone us.",
    too_many_reason="Too many enquiries have been sent from your network in the last hour. "
    "Please try again later, or phone us.",
    automated_reason="Your enquiry could not be accepted because it looked automated (it was "
    "sent too quickly, from another site, or a hidden field was filled in). Please reload the "
    "page and send it again, or phone us.",
    already_sent_reason="This form has already been sent once. To send another enquiry, "
    "reload the page and fill it in again.",
)


def _fresh_form_token() -> str:
    return fresh_token(EnquiryForm.guard_salt)


@login_not_required
# No CSRF cookie (public pages set no cookies): the form's signed, single-use token and
# the cross-site check stand in for it. See careloop/lib/formguard.py.
@csrf_exempt
@guard_body(max_bytes=MAX_ENQUIRY_BYTES, too_large=_REFUSALS.too_large, before=_REFUSALS.before)
@public_page(form_token=_fresh_form_token)
@in_scope_of(_practice_of_slug)
def contact(request, slug):
    practice = get_object_or_404(Practice, slug=slug)
    form = EnquiryForm(request.POST or None, practice=practice)
    status = 200
    if request.method == "POST":
        if cross_site(request) or form.looks_automated:
            return _REFUSALS.automated(request, practice)
        if form.is_valid():
            if not form.claim_form_token():
                return _REFUSALS.already_sent(request, practice)
            actions.receive(
                practice, form.details(), by=None, via=via_request(request, PUBLIC_FORM)
            )
            return redirect("enquiry_form:thanks", slug=slug)
        status = 400
    else:
        use_form_token(request, form.form_token)
    return render_site_page(
        request,
        practice,
        "enquiries/contact.html",
        title=f"Contact us · {practice.name}",
        description=f"Contact {practice.name}: ask about an appointment, a clinician or the "
        "kind of help you are after. We reply by phone or e-mail.",
        page_name="contact",
        status=status,
        form=form,
    )


@login_not_required
@public_page()
@in_scope_of(_practice_of_slug)
def contact_thanks(request, slug):
    """The same for everyone: it names no one, so it is safe to cache and to share."""
    practice = get_object_or_404(Practice, slug=slug)
    return render_site_page(
        request,
        practice,
        "enquiries/contact_thanks.html",
        title=f"Thank you · {practice.name}",
        description=f"Your enquiry reached {practice.name}.",
        page_name="contact",
    )


# --- Staff ---------------------------------------------------------------------------


def _may_handle(request) -> None:
    if not may_handle_enquiries(request.user):
        raise PermissionDenied("Enquiries are answered by the front desk and the owners.")


class EnquiryListView(PracticeListView):
    model = Enquiry
    filterset_class = EnquiryFilter
    list_title = "Enquiries"
    rows_template_name = "enquiries/enquiry_rows.html"
    ordering = ["-created_at"]

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and request.practice is not None:
            _may_handle(request)
        return super().dispatch(request, *args, **kwargs)

    def decorate(self, queryset):
        return queryset.select_related("preferred_clinician", "preferred_niche", "client")


def _enquiry(request, enquiry):
    _may_handle(request)
    return get_scoped_or_404(
        Enquiry.objects.select_related(
            "preferred_clinician", "preferred_niche", "client", "handled_by"
        ),
        request.practice,
        enquiry,
    )


def _detail(request, enquiry, form, status=200):
    audit_view(request, enquiry, client=enquiry.client)
    return render(
        request,
        "enquiries/enquiry_detail.html",
        {"enquiry": enquiry, "form": form, "is_new": enquiry.status == EnquiryStatus.NEW},
        status=status,
    )


@practice_member_required
def enquiry_detail(request, enquiry):
    enquiry = _enquiry(request, enquiry)
    given, family = split_name(enquiry.name)
    form = ConvertForm(
        initial={
            "given_name": given,
            "family_name": family,
            "phone": enquiry.phone,
            "email": enquiry.email,
        }
    )
    return _detail(request, enquiry, form)


_OUTCOME_WORDS = {
    "matched": "{client} was already on file (same Medicare card and date of birth): the "
    "enquiry is now linked to their record.",
    "new": "{client} is now a client.",
    "possible_duplicate": "{client} is now a client. Someone with the same name and date of "
    "birth is already on file: check on the client's page whether they are the same person.",
}


@practice_member_required
def enquiry_convert(request, enquiry):
    # Found first: another practice's enquiry is a 404 whatever the method.
    enquiry = _enquiry(request, enquiry)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    form = ConvertForm(request.POST)
    if not form.is_valid():
        return _detail(request, enquiry, form, status=400)
    try:
        match = actions.convert_to_client(enquiry, form.patient(), **acting(request))
    except actions.AlreadyHandled as error:
        messages.error(request, str(error))
        return redirect(enquiry.get_absolute_url())
    link = format_html('<a href="{}">{}</a>', match.client.get_absolute_url(), match.client)
    message = _OUTCOME_WORDS[match.outcome].replace("{client}", "{}")
    if match.outcome == "possible_duplicate":
        messages.warning(request, format_html(message, link))
    else:
        messages.success(request, format_html(message, link))
    return redirect(enquiry.get_absolute_url())


@practice_member_required
def enquiry_close(request, enquiry):
    enquiry = _enquiry(request, enquiry)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    try:
        actions.close(enquiry, **acting(request))
    except actions.AlreadyHandled as error:
        messages.error(request, str(error))
    else:
        messages.success(request, "Enquiry closed.")
    return redirect(reverse("enquiries:list"))
