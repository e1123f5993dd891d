from django.apps import AppConfig


class ReferralsConfig(AppConfig):
    name = "careloop.referrals"

    def ready(self) -> None:
        from . import handlers  # models are loaded only once apps are ready

        handlers.connect()
