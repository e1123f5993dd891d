from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "careloop.web"
    verbose_name = "Staff pages"
