from django.apps import AppConfig


class ConsentConfig(AppConfig):
    name = "careloop.consent"
    verbose_name = "Consent and disclosures"
