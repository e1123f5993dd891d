from django.apps import AppConfig


class PracticesConfig(AppConfig):
    name = "careloop.practices"
    verbose_name = "Practices and people"

    def ready(self) -> None:
        from . import checks  # noqa: F401 - registers the deploy checks
