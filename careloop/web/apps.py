from django.apps import AppConfig
from django.db.models.signals import post_migrate


class WebConfig(AppConfig):
    name = "careloop.web"
    verbose_name = "Staff pages"

    def ready(self) -> None:
        from careloop.lib import lookups

        from . import textsearch

        lookups.register()

        # After every migrate (and a test's flush), the list search indexes are in place:
        # on SQLite a migration that rebuilds a table drops the triggers that keep them.
        post_migrate.connect(textsearch.install_all, sender=self, dispatch_uid="textsearch")
