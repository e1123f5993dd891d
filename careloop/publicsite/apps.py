from django.apps import AppConfig


class PublicSiteConfig(AppConfig):
    name = "careloop.publicsite"
    verbose_name = "Practice public website"

    def ready(self) -> None:
        from . import handlers  # models are loaded only once apps are ready

        handlers.connect()
