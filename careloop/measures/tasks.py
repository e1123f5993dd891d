"""Background jobs for outcome measures, run by Huey's consumer (`careloop run_huey`)."""

from django.core.mail import send_mail
from django.urls import reverse
from huey.contrib.djhuey import db_task

from careloop.lib import tokens
from careloop.practices.jobs import job_in_scope_of

from . import actions
from .models import MeasureInvitation, RiskAlert

MAIL_RETRIES = {"retries": 3, "retry_delay": 60}


@db_task(**MAIL_RETRIES)
@job_in_scope_of(RiskAlert)
def notify_risk_alert(alert_id: int) -> None:
    """A safety alert reaches the people who must act; sent once, so a retry after a
    partial failure never e-mails twice."""
    actions.notify_risk_alert(alert_id)


@db_task(**MAIL_RETRIES)
@job_in_scope_of(MeasureInvitation)
def email_invitation(invitation_id: int, site: str) -> None:
    """E-mail the client a link to the questionnaire. The e-mail carries the link only:
    no clinical information leaves by e-mail. `site` is the address staff use (from
    their request), so the link opens where they sent it from."""
    invitation = MeasureInvitation.objects.select_related("client__practice").get(pk=invitation_id)
    client = invitation.client
    if invitation.completed_at is not None or not client.email:
        return
    token = tokens.make(str(invitation.uuid), salt=actions._SALT)
    link = site.rstrip("/") + reverse("measures:public", args=[token])
    send_mail(
        f"A short questionnaire from {client.practice.name}",
        f"Hello {client.preferred_name or client.given_name},\n\n"
        f"{client.practice.name} asks you to fill in a short questionnaire before "
        f"your next session. It takes about 5 minutes:\n{link}\n\n"
        f"The link works once, for {actions.INVITATION_DAYS} days.\n",
        None,
        [client.email],
    )
