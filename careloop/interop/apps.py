from django.apps import AppConfig


class InteropConfig(AppConfig):
    name = "careloop.interop"
    verbose_name = "Messages from other systems"

    def ready(self) -> None:
        from . import handlers  # models are loaded only once apps are ready

        handlers.connect()
