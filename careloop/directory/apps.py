from django.apps import AppConfig


class DirectoryConfig(AppConfig):
    name = "careloop.directory"
    verbose_name = "Doctors and medical practices"

    def ready(self) -> None:
        from careloop.web import pickers

        from .search import picker_sources

        for source in picker_sources():
            pickers.register(source)
