from django.apps import AppConfig


class PublicSiteConfig(AppConfig):
    name = "careloop.publicsite"
    verbose_name = "Practice public website"
