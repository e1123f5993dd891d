from django.apps import AppConfig


class MeasuresConfig(AppConfig):
    name = "careloop.measures"
    verbose_name = "Outcome measures"

    def ready(self) -> None:
        from . import handlers  # models are loaded only once apps are ready

        handlers.connect()
