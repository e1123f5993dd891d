from django.apps import AppConfig


class ClientsConfig(AppConfig):
    name = "careloop.clients"

    def ready(self) -> None:
        from careloop.web import pickers

        from .search import picker_source

        pickers.register(picker_source())
