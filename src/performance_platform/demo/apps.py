from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The realistic demo that ``make run`` loads (``load-demo``)."""

    name = "performance_platform.demo"
    label = "demo"
    verbose_name = "Demo"
