from django.apps import AppConfig


class OutreachConfig(AppConfig):
    name = "careloop.outreach"
    verbose_name = "Doctor relationships and outreach"

    def ready(self) -> None:
        from . import handlers  # models are loaded only once apps are ready

        handlers.connect()
