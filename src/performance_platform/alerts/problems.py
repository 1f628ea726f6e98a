"""What the platform admin's problems page lists: every stale data set, every failing or
broken collector and every failing worker task, each with how long it has been failing."""

from django.db.models import Min
from django.tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from performance_platform.collectors.models import Collector, CollectorRun
from performance_platform.datastore.models import stale_data_sets
from performance_platform.worker.models import TaskAttemptError

from . import words
from .models import Alert
from .stale import dashboards_using

#: The most rows of each kind the page shows (a thousand failed tasks help nobody more).
LIMIT = 200


def stale_rows(now) -> list[dict]:
    """Stale data sets (the one rule), with their dashboards and the last alert sent."""
    rows = []
    found = stale_data_sets(now)
    # Longest out of date first; never written (no figure at all) before everything.
    found.sort(
        key=lambda item: -(item[1].seconds_out_of_date or 0) if item[1].last_updated else -(2**62)
    )
    for data_set, fresh in found[:LIMIT]:
        last = Alert.objects.filter(data_set=data_set).order_by("-sent_at", "-pk").first()
        rows.append(
            {
                "data_set": data_set,
                "dashboards": dashboards_using(data_set),
                "last_updated": words.when(fresh.last_updated),
                "failing_for": (
                    words.how_long(fresh.seconds_out_of_date)
                    if fresh.seconds_out_of_date is not None
                    else "never had data"
                ),
                "last_alert": last,
                "last_alert_at": words.when(last.sent_at) if last else "",
            }
        )
    return rows


def collector_rows(now) -> list[dict]:
    """Collectors that are failing or broken, longest failing first."""
    rows = []
    found = Collector.objects.filter(
        state__in=[Collector.State.FAILING, Collector.State.BROKEN]
    ).select_related("data_set")
    for collector in found[:LIMIT]:
        since = collector.broken_since
        if since is None:
            failed = CollectorRun.objects.filter(
                collector=collector, status=CollectorRun.Status.FAILED
            )
            if collector.last_success_at is not None:
                failed = failed.filter(started_at__gt=collector.last_success_at)
            since = failed.aggregate(first=Min("started_at"))["first"] or collector.last_run_at
        rows.append(
            {
                "collector": collector,
                "since": since,
                "since_text": words.when(since),
                "failing_for": words.how_long((now - since).total_seconds()) if since else "",
                "error": collector.last_error[:500],
            }
        )
    return sorted(rows, key=lambda row: (row["since"] is None, row["since"] or now))


def task_rows(now) -> list[dict]:
    """Worker tasks that failed for good, and those failing and waiting for a retry."""
    failed = DBTaskResult.objects.filter(status=TaskResultStatus.FAILED)
    retrying = DBTaskResult.objects.filter(
        status=TaskResultStatus.READY,
        id__in=TaskAttemptError.objects.values("task_id"),
    )
    rows = []
    for result in (failed | retrying).order_by("-enqueued_at")[:LIMIT]:
        errors = TaskAttemptError.objects.filter(task_id=result.id)
        first = errors.aggregate(first=Min("at"))["first"]
        latest = errors.order_by("-at").first()
        since = first or result.finished_at or result.enqueued_at
        message = latest.message if latest else (result.exception_class_path or "")
        rows.append(
            {
                "task": result.task_path.rsplit(".", 1)[-1].replace("_", " "),
                "task_path": result.task_path,
                "id": result.id,
                "state": "Failed" if result.status == TaskResultStatus.FAILED else "Retrying",
                "attempts": errors.count(),
                "since": since,
                "since_text": words.when(since),
                "failing_for": words.how_long((now - since).total_seconds()) if since else "",
                "error": message[:500],
            }
        )
    return sorted(rows, key=lambda row: row["since"] or now)
