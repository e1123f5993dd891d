from django.apps import AppConfig


class OutreachConfig(AppConfig):
    name = "careloop.outreach"
    verbose_name = "Doctor relationships and outreach"
