from django.apps import AppConfig


class RecordsConfig(AppConfig):
    name = "careloop.records"
    verbose_name = "Records: access, export and retention"
