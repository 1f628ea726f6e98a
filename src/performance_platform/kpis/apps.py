from django.apps import AppConfig


class KpisConfig(AppConfig):
    """The four KPIs: transforms that derive them, their change over time and freshness."""

    name = "performance_platform.kpis"
    label = "kpis"
    verbose_name = "KPIs and transforms"

    def ready(self) -> None:
        from performance_platform.datastore.signals import records_changed

        from . import dispatch

        records_changed.connect(dispatch.on_records_changed, dispatch_uid="kpis-transforms")
