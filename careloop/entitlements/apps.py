from django.apps import AppConfig


class EntitlementsConfig(AppConfig):
    name = "careloop.entitlements"
    verbose_name = "Medicare entitlements and item numbers"
