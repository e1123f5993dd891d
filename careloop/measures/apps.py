from django.apps import AppConfig


class MeasuresConfig(AppConfig):
    name = "careloop.measures"
    verbose_name = "Outcome measures"
