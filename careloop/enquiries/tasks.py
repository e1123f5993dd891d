"""Background jobs for enquiries, run by Huey's consumer (`careloop run_huey`)."""

from django.conf import settings
from django.core.mail import send_mail
from django.urls import reverse
from huey.contrib.djhuey import db_task

from careloop.lib.text import single_line
from careloop.practices.jobs import job_in_scope_of
from careloop.practices.models import Role, User

from .models import Enquiry

MAIL_RETRIES = {"retries": 3, "retry_delay": 60}


def recipients(practice) -> list[str]:
    """The practice's own address; without one, its owners'."""
    if practice.email:
        return [single_line(practice.email)]
    owners = User.objects.filter(practice=practice, role=Role.OWNER, is_active=True)
    return [single_line(email) for email in owners.values_list("email", flat=True) if email]


@db_task(**MAIL_RETRIES)
@job_in_scope_of(Enquiry)
def notify_practice(enquiry_id: int) -> None:
    """Tell the practice an enquiry arrived. The e-mail names no one and says nothing
    of what the person wrote (it may be about their health, and e-mail is not a safe
    place for that): staff sign in to read it."""
    enquiry = Enquiry.objects.select_related("practice").filter(pk=enquiry_id).first()
    if enquiry is None:
        return
    practice = enquiry.practice
    to = recipients(practice)
    if not to:
        return
    link = settings.SITE_URL + reverse("enquiries:detail", args=[enquiry.uuid])
    send_mail(
        single_line(f"A new enquiry from {practice.name}'s website"),
        f"Someone sent an enquiry through {practice.name}'s website on "
        f"{enquiry.created_at.astimezone(practice.zoneinfo):%d/%m/%Y at %H:%M}.\n\n"
        f"Sign in to Careloop to read it and reply:\n{link}\n",
        None,
        to,
    )
