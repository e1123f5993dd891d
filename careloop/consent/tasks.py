"""Background jobs for consent, run by Huey's consumer (`careloop run_huey`)."""

from django.core.mail import send_mail
from django.urls import reverse
from huey.contrib.djhuey import db_task

from careloop.practices.jobs import job_in_scope_of

from . import actions
from .models import ConsentRequest

MAIL_RETRIES = {"retries": 3, "retry_delay": 60}


@db_task(**MAIL_RETRIES)
@job_in_scope_of(ConsentRequest)
def email_consent_request(request_id: int, site: str) -> None:
    """E-mail the client a link to their consent form. The e-mail holds only the link;
    the form itself says what is shared. `site` is the address staff use."""
    request = ConsentRequest.objects.select_related("client__practice").get(pk=request_id)
    client = request.client
    if request.consent_id is not None or not client.email:
        return  # signed already (on the tablet), or no address any more
    token = actions.link_token(request)
    link = site.rstrip("/") + reverse("consent:sign", args=[token])
    send_mail(
        f"Your consent form from {client.practice.name}",
        f"Hello {client.preferred_name or client.given_name},\n\n"
        f"{client.practice.name} asks you to read and sign a consent form about "
        f"what we may share with your doctor:\n{link}\n\n"
        f"The link works once, for {actions.LINK_DAYS} days.\n",
        None,
        [client.email],
    )
