from django.apps import AppConfig


class PracticesConfig(AppConfig):
    name = "careloop.practices"
    verbose_name = "Practices and people"

    def ready(self) -> None:
        from careloop.web import pickers

        from . import checks  # noqa: F401  (registers the deployment checks)
        from .search import picker_sources

        for source in picker_sources():
            pickers.register(source)
