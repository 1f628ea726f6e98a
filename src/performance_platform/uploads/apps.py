from django.apps import AppConfig


class UploadsConfig(AppConfig):
    name = "performance_platform.uploads"
    label = "uploads"
    verbose_name = "Spreadsheet uploads"
