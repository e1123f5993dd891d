from django.apps import AppConfig


class DashboardConfig(AppConfig):
    """The first screen: it gathers every domain's figures, so it sits above them all."""

    name = "careloop.dashboard"
