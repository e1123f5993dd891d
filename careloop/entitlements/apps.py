from django.apps import AppConfig


class EntitlementsConfig(AppConfig):
    name = "careloop.entitlements"
    verbose_name = "Medicare entitlements and item numbers"

    def ready(self) -> None:
        from . import handlers  # models are loaded only once apps are ready

        handlers.connect()
