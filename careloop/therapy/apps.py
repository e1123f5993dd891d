from django.apps import AppConfig


class TherapyConfig(AppConfig):
    name = "careloop.therapy"
    verbose_name = "Therapy sessions"

    def ready(self) -> None:
        from . import handlers  # models are loaded only once apps are ready

        handlers.connect()
