from django.apps import AppConfig


class ConfigurationConfig(AppConfig):
    """The configuration file: its JSON Schema, ``import-config`` and ``export-config``."""

    name = "performance_platform.configuration"
    label = "configuration"
    verbose_name = "Configuration files"
