from django.apps import AppConfig


class ConsentConfig(AppConfig):
    name = "careloop.consent"
    verbose_name = "Consent and disclosures"

    def ready(self) -> None:
        from . import handlers  # models are loaded only once apps are ready

        handlers.connect()
