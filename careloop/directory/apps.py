from django.apps import AppConfig


class DirectoryConfig(AppConfig):
    name = "careloop.directory"
    verbose_name = "Doctors and medical practices"
