from django.apps import AppConfig


class SiteConfig(AppConfig):
    """Public pages under ``/performance``: templates, styles and number formatting tags."""

    name = "performance_platform.site"
    label = "site"
    verbose_name = "Public site"
