from django.apps import AppConfig


class InsightsConfig(AppConfig):
    name = "careloop.insights"
    verbose_name = "Insights"

    def ready(self) -> None:
        from . import handlers  # models are loaded only once apps are ready

        handlers.connect()
