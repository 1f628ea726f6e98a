"""The worker's collector tasks: find the collectors that are due, and run one."""

import logging

from django.db.models import Q
from django.tasks import task
from django.utils import timezone

from .errors import AlreadyRunning, ConfigProblem
from .models import Collector, CollectorRun
from .running import run_collector

logger = logging.getLogger("performance_platform.collectors")


def due(now) -> list[int]:
    """Ids of the enabled collectors whose next run has come (broken ones wait for a
    person), and that no one is running."""
    return list(
        Collector.objects.filter(enabled=True)
        .filter(Q(next_run_at__lte=now) | Q(next_run_at__isnull=True, state=Collector.State.NEW))
        .exclude(state=Collector.State.BROKEN)
        .filter(Q(lease_until__isnull=True) | Q(lease_until__lt=now))
        .order_by("next_run_at")
        .values_list("pk", flat=True)
    )


@task()
def run_due_collectors() -> dict:
    """Queue a run of each collector that is due (``WORKER_SCHEDULE`` runs this)."""
    ids = due(timezone.now())
    for pk in ids:
        run_collector_task.enqueue(pk)
    return {"queued": ids}


@task()
def run_collector_task(collector_id: int) -> dict:
    """Run one collector on its schedule. A collector someone else is running is skipped:
    its lease says so, and the next check finds it due again if it is."""
    collector = (
        Collector.objects.filter(pk=collector_id).select_related("data_set__data_type").first()
    )
    if collector is None or not collector.enabled:
        return {"skipped": "the collector is gone or turned off"}
    try:
        outcome = run_collector(collector, trigger=CollectorRun.Trigger.SCHEDULE)
    except AlreadyRunning as exc:
        return {"skipped": exc.message}
    except ConfigProblem as exc:
        return {"skipped": exc.message}
    return {
        "collector": collector.name,
        "status": outcome.run.status,
        "records": outcome.run.records,
    }
