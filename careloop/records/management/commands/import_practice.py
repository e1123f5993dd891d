from django.core.management.base import BaseCommand, CommandError

from careloop.records.importer import ImportRefused, import_practice


class Command(BaseCommand):
    help = (
        "Load a practice exported with `careloop export_practice` into this installation, "
        "all or nothing. Members sign in after setting a password with 'Forgot your "
        "password?'."
    )

    def add_arguments(self, parser):
        parser.add_argument("zip", help="The export file.")
        parser.add_argument("--slug", help="A new address name, if the old one is taken here.")

    def handle(self, *args, zip, slug=None, **options):
        try:
            practice = import_practice(zip, slug=slug)
        except ImportRefused as exc:
            raise CommandError(f"{exc} Nothing was imported.") from exc
        except FileNotFoundError as exc:
            raise CommandError(f"No such file: {zip}") from exc
        self.stdout.write(
            f"Imported {practice.name} as '{practice.slug}'. Its members set a password with "
            "'Forgot your password?' on the sign-in page."
        )
