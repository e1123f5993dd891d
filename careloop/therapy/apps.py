from django.apps import AppConfig


class TherapyConfig(AppConfig):
    name = "careloop.therapy"
    verbose_name = "Therapy sessions"
