from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.text import slugify

from careloop.lib.identifiers import IdentifierError, check_abn, check_state
from careloop.practices.models import AUSTRALIAN_TIME_ZONES, Practice, Role, User


class Command(BaseCommand):
    help = (
        "Create a practice and its owner, and print a one-time link where the owner "
        "chooses a password. The owner then adds the team under Practice."
    )

    def add_arguments(self, parser):
        parser.add_argument("name", help="The practice's name, e.g. 'Bayside Psychology'.")
        parser.add_argument("--owner-email", required=True)
        parser.add_argument("--owner-name", required=True)
        parser.add_argument("--slug", help="Short name for the public site's address.")
        parser.add_argument("--state", default="NSW")
        parser.add_argument(
            "--time-zone",
            default="Australia/Sydney",
            choices=[zone for zone, _ in AUSTRALIAN_TIME_ZONES],
        )
        parser.add_argument("--abn", default="")

    def handle(self, *args, name, owner_email, owner_name, slug, state, time_zone, abn, **options):
        slug = slug or slugify(name)
        try:
            state = check_state(state)
            abn = check_abn(abn) if abn else ""
        except IdentifierError as error:
            raise CommandError(str(error)) from None
        if Practice.objects.filter(slug=slug).exists():
            raise CommandError(f"A practice with the slug {slug!r} already exists.")
        if User.objects.filter(email__iexact=owner_email).exists():
            raise CommandError(f"{owner_email} already has an account.")
        owner = User(email=owner_email.lower(), full_name=owner_name, role=Role.OWNER)
        try:
            owner.full_clean(exclude=["password", "practice"])
        except ValidationError as error:
            raise CommandError(
                "; ".join(f"{k}: {' '.join(v)}" for k, v in error.message_dict.items())
            ) from None
        with transaction.atomic():
            practice = Practice.objects.create(
                name=name, slug=slug, state=state, time_zone=time_zone, abn=abn
            )
            owner.practice = practice
            owner.set_unusable_password()
            owner.save()
        link = settings.SITE_URL + reverse(
            "password_reset_confirm",
            kwargs={
                "uidb64": urlsafe_base64_encode(force_bytes(owner.pk)),
                "token": default_token_generator.make_token(owner),
            },
        )
        self.stdout.write(self.style.SUCCESS(f"Created {practice.name} ({practice.slug})."))
        self.stdout.write(f"{owner_name} chooses a password here (works once, for 3 days):\n{link}")
