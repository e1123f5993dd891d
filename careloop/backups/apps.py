from django.apps import AppConfig


class BackupsConfig(AppConfig):
    """`careloop backup` and `careloop restore`: one encrypted archive of the database and
    every stored file, and the nightly job that makes one. No other app imports it."""

    name = "careloop.backups"
    verbose_name = "Backups"

    def ready(self) -> None:
        from . import checks  # noqa: F401  (registers the deployment checks)
