"""Background jobs for practices and people, run by Huey's consumer (`careloop run_huey`)."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from . import actions, upkeep
from .models import User

MAIL_RETRIES = {"retries": 3, "retry_delay": 60}


@db_task(**MAIL_RETRIES)
def send_welcome(user_id: int, domain: str) -> None:
    """E-mail a new member the link to choose a password. `domain` is the host the owner
    added them from, so the link opens where the practice signs in."""
    user = User.objects.select_related("practice").get(pk=user_id)
    if not user.is_active or user.has_usable_password():
        return  # switched off, or already chose a password, before the job ran
    actions.send_welcome(user, domain=domain)


# 16:15 UTC: a quarter past two or three in the morning on the east coast, before the
# backup. As the data grows, the planner keeps seeing which indexes narrow a query most.
@db_periodic_task(crontab(hour="16", minute="15"))
def nightly_statistics() -> None:
    upkeep.refresh_statistics()
