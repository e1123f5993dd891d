import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from careloop.demo import build as demo
from careloop.practices import upkeep
from careloop.practices.models import Practice
from careloop.practices.scoping import scopes_disabled


class Command(BaseCommand):
    help = (
        "Create the two demo practices (Harbour Psychology and Northside Mind Clinic) with "
        "synthetic history. Refuses to run against a production configuration."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--scale",
            type=int,
            default=1,
            help="Multiply the volume (1 = a few hundred clients per practice). Above "
            f"{demo.PRACTICE_SCALE_MAX}, the two practices are copied into more (PostgreSQL only): "
            "1700 makes 20 practices and about ten million sessions.",
        )
        parser.add_argument(
            "--seed", type=int, default=20261128, help="Random seed, for repeatable data."
        )
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="Do nothing (but print the logins) if the demo already exists.",
        )

    def handle(self, *args, **options):
        # The demo builds two practices side by side, naming each in every row.
        with scopes_disabled():
            self._handle(**options)

    def _handle(self, *, scale, seed, if_empty, **options):
        if not settings.DEMO_ALLOWED:
            raise CommandError(
                "Refusing to load demo data: CARELOOP_ENVIRONMENT is production. "
                "Demo data must never mix with real client records."
            )
        if scale < 1 or scale > 2000:
            raise CommandError("--scale must be between 1 and 2000.")
        if demo.demo_exists():
            last = demo.network_slug(scale)
            if last and not Practice.objects.filter(slug=last).exists():
                raise CommandError(
                    f"The demo at this scale is incomplete (no practice {last}): its build "
                    "stopped part-way. Drop the database and build it again (make bench: "
                    "--rebuild)."
                )
            if not if_empty:
                raise CommandError(
                    "The demo practices already exist. Delete the data folder "
                    f"({settings.DATA_DIR}) to start again."
                )
            self.stdout.write("Demo practices already loaded; keeping their data.")
        else:
            started = time.perf_counter()
            try:
                counts = demo.create_demo(
                    scale=scale, seed=seed, progress=self._progress if scale > 1 else None
                )
            except ValueError as refused:
                raise CommandError(str(refused)) from refused
            analyzing = time.perf_counter()
            self._analyze()
            if scale > 1:
                self._progress(f"Planner statistics in {time.perf_counter() - analyzing:.1f} s")
            elapsed = time.perf_counter() - started
            summary = ", ".join(
                f"{value:,} {key.replace('_', ' ')}" for key, value in counts.items()
            )
            self.stdout.write(self.style.SUCCESS(f"Demo created in {elapsed:.1f} s: {summary}."))
        self.print_logins()

    def _progress(self, what: str) -> None:
        """A large demo takes minutes: say what each step took, as it ends (flushed: a
        pipe, such as `make bench`'s, would otherwise hear it all at the end)."""
        self.stdout.write(f"  {what}")
        self.stdout.flush()

    @staticmethod
    def _analyze():
        """The planner's statistics, as the nightly job would make them (SQLite). On
        PostgreSQL, index-only scans also need the visibility map: after millions of
        rows written at once, update both now rather than when autovacuum comes round
        (outside a transaction only: tests run inside one)."""
        upkeep.refresh_statistics()
        if connection.vendor == "postgresql" and not connection.in_atomic_block:
            with connection.cursor() as cursor:
                cursor.execute("VACUUM ANALYZE")

    def print_logins(self):
        self.stdout.write(f"\nDemo logins (password: {demo.DEMO_PASSWORD})")
        for practice, role, email in demo.demo_logins():
            self.stdout.write(f"  {email:<26} {role:<16} {practice}")
