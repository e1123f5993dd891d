from django.apps import AppConfig


class LettersConfig(AppConfig):
    name = "careloop.letters"
    verbose_name = "Letters to referring doctors"
