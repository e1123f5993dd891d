from django.apps import AppConfig


class EnquiriesConfig(AppConfig):
    name = "careloop.enquiries"
    verbose_name = "Enquiries from prospective clients"

    def ready(self) -> None:
        from . import handlers

        handlers.connect()
