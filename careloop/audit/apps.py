from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "careloop.audit"
    verbose_name = "Audit log"
