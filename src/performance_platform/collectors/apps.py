from django.apps import AppConfig


class CollectorsConfig(AppConfig):
    name = "performance_platform.collectors"
    label = "collectors"
    verbose_name = "Collectors"
