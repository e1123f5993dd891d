from django.core.management.base import BaseCommand, CommandError

from careloop.interop.models import GatewayToken
from careloop.practices.models import Practice
from careloop.practices.scoping import practice_scope


class Command(BaseCommand):
    help = (
        "Issue a token for a messaging gateway to POST HL7 referrals to /interop/hl7/ "
        "for a practice. The token is printed once; only its hash is kept."
    )

    def add_arguments(self, parser):
        parser.add_argument("--practice", required=True, metavar="SLUG")
        parser.add_argument("--name", required=True, help="Which gateway, e.g. 'HealthLink'.")
        parser.add_argument(
            "--revoke",
            action="store_true",
            help="Revoke the practice's tokens with this name instead.",
        )

    def handle(self, *args, practice, name, revoke, **options):
        found = Practice.objects.filter(slug=practice).first()
        if found is None:
            raise CommandError(f"No practice has the slug {practice!r}.")
        with practice_scope(found):
            self._issue_or_revoke(found, name, revoke)

    def _issue_or_revoke(self, found, name, revoke):
        if revoke:
            from django.utils import timezone

            count = GatewayToken.objects.filter(
                practice=found, name=name, revoked_at__isnull=True
            ).update(revoked_at=timezone.now())
            self.stdout.write(f"Revoked {count} token(s) named {name!r}.")
            return
        _, token = GatewayToken.issue(found, name)
        self.stdout.write(
            f"Token for {name} at {found.name} (shown once):\n{token}\n\n"
            "The gateway sends it as: Authorization: Bearer <token>"
        )
