from django.apps import AppConfig


class PracticesConfig(AppConfig):
    name = "careloop.practices"
    verbose_name = "Practices and people"
