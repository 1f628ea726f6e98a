from django.apps import AppConfig


class AlertsConfig(AppConfig):
    """Stale-data alerts, weekly summaries, email preferences and the problems page."""

    name = "performance_platform.alerts"
    label = "alerts"
    verbose_name = "Alerts and summaries"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Connects the receiver of collectors' "broken" signal.
        from . import broken_collectors  # noqa: F401
