"""What the worker keeps beside the task queue: heartbeats, every failed attempt, schedule.

The queue itself is ``django_tasks_db``'s ``DBTaskResult`` table (Django's tasks
framework with a database backend). These models add what it lacks: a way to tell a
crashed worker from a slow one, a record of every attempt's error (the queue row keeps
only the last), and a shared clock for scheduled jobs so several workers don't each
enqueue them.
"""

from django.db import models


class WorkerHeartbeat(models.Model):
    """A running worker process; ``last_seen`` is refreshed while it is alive."""

    worker_id = models.CharField(max_length=64, primary_key=True)
    hostname = models.CharField(max_length=255, blank=True)
    pid = models.PositiveIntegerField(null=True)
    started_at = models.DateTimeField()
    last_seen = models.DateTimeField(db_index=True)

    class Meta:
        ordering = ["-last_seen"]

    def __str__(self) -> str:
        return f"{self.worker_id} ({self.hostname} pid {self.pid})"


class TaskAttemptError(models.Model):
    """One failed attempt of a queued task, kept even when a later attempt succeeds."""

    task_id = models.UUIDField(db_index=True)
    task_path = models.TextField()
    attempt = models.PositiveIntegerField()
    at = models.DateTimeField()
    worker_id = models.CharField(max_length=64, blank=True)
    exception_class_path = models.TextField()
    message = models.TextField()
    traceback = models.TextField(blank=True)
    # True when the task will be tried again; False when this attempt was the last.
    will_retry = models.BooleanField()

    class Meta:
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"{self.task_path} attempt {self.attempt}: {self.message[:80]}"


class ScheduledJob(models.Model):
    """When a scheduled task was last enqueued, shared by all workers."""

    name = models.CharField(max_length=100, primary_key=True)
    last_enqueued_at = models.DateTimeField(null=True)

    def __str__(self) -> str:
        return self.name
