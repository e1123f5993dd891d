from django.apps import AppConfig


class LettersConfig(AppConfig):
    name = "careloop.letters"
    verbose_name = "Letters to referring doctors"

    def ready(self) -> None:
        from . import handlers  # models are loaded only once apps are ready

        handlers.connect()
