from django.apps import AppConfig


class InteropConfig(AppConfig):
    name = "careloop.interop"
    verbose_name = "Messages from other systems"
