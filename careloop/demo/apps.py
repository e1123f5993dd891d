from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The demo practices' synthetic data and the `careloop demo` command. Installed only
    where the demo is allowed (never in production), and no other app imports it."""

    name = "careloop.demo"
    verbose_name = "Demo data"
