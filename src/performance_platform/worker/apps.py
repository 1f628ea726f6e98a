from django.apps import AppConfig


class WorkerConfig(AppConfig):
    """The background worker: runs queued tasks and the schedule, retries, recovers."""

    name = "performance_platform.worker"
    label = "worker"
    verbose_name = "Background worker"
