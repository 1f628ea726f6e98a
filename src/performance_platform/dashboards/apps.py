from django.apps import AppConfig


class DashboardsConfig(AppConfig):
    """Organisations, dashboards, their modules and annotations, and publishing states."""

    name = "performance_platform.dashboards"
    label = "dashboards"
    verbose_name = "Dashboards"
