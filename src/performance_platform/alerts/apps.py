from django.apps import AppConfig


class AlertsConfig(AppConfig):
    """Stale-data alerts, weekly summaries, email preferences and the problems page."""

    name = "performance_platform.alerts"
    label = "alerts"
    verbose_name = "Alerts and summaries"
    default_auto_field = "django.db.models.BigAutoField"
