"""Worker state in Django admin: failed attempts and live workers (read-only)."""

from django.contrib import admin

from .models import ScheduledJob, TaskAttemptError, WorkerHeartbeat


class ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(TaskAttemptError)
class TaskAttemptErrorAdmin(ReadOnly):
    list_display = ["at", "task_path", "attempt", "will_retry", "message"]
    list_filter = ["will_retry", "task_path"]
    search_fields = ["message", "task_id"]


@admin.register(WorkerHeartbeat)
class WorkerHeartbeatAdmin(ReadOnly):
    list_display = ["worker_id", "hostname", "pid", "started_at", "last_seen"]


@admin.register(ScheduledJob)
class ScheduledJobAdmin(ReadOnly):
    list_display = ["name", "last_enqueued_at"]
