"""Queue transforms when data changes: from the write path's signal, the API and the CLI.

Queued tasks are rows in the same database as the records, written inside the write's
transaction, so a stored batch always has its transforms queued (no lost trigger), and
a rolled-back batch queues nothing. Bursts of writes are coalesced: while a task for the
same transform and data set is still waiting, its date range is widened instead of
queueing another.
"""

import logging
from datetime import UTC, datetime

from django.tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from .running import current_depth, transforms_for
from .tasks import run_transform_task

logger = logging.getLogger(__name__)

# How deep a chain of transforms may go (raw → rate → summary is 2); a configuration
# that loops (A feeds B feeds A) stops here instead of running for ever.
MAX_DEPTH = 8


def _iso(value: datetime) -> str:
    return value.astimezone(UTC).isoformat()


def queue(transform, data_set, earliest: datetime, latest: datetime, *, depth: int = 0) -> str:
    """Queue one transform run for ``data_set`` over earliest..latest; returns the task id."""
    path = run_transform_task.module_path
    waiting = DBTaskResult.objects.filter(
        task_path=path,
        status=TaskResultStatus.READY,
        args_kwargs__args__0=transform.pk,
        args_kwargs__args__1=data_set.pk,
    ).first()
    if waiting is not None:
        args = list(waiting.args_kwargs["args"])
        args[2] = min(args[2], _iso(earliest))
        args[3] = max(args[3], _iso(latest))
        args[4] = min(args[4], depth)
        # Only while still READY: a worker may have claimed it since we looked.
        widened = DBTaskResult.objects.filter(pk=waiting.pk, status=TaskResultStatus.READY).update(
            args_kwargs={"args": args, "kwargs": {}}
        )
        if widened:
            return str(waiting.pk)
    result = run_transform_task.enqueue(
        transform.pk, data_set.pk, _iso(earliest), _iso(latest), depth
    )
    return str(result.id)


def queue_for(data_set, earliest: datetime, latest: datetime, *, depth: int = 0) -> list[str]:
    """Queue every transform that reads ``data_set``. Returns the task ids."""
    if depth > MAX_DEPTH:
        logger.warning(
            "not queueing transforms of %s: chain deeper than %d (a loop?)", data_set, MAX_DEPTH
        )
        return []
    return [queue(t, data_set, earliest, latest, depth=depth) for t in transforms_for(data_set)]


def on_records_changed(sender, *, data_set, earliest, latest, source, **kwargs) -> None:
    """The datastore's ``records_changed`` receiver: queue the data set's transforms."""
    depth = current_depth.get() + 1 if source == "transform" else 0
    queue_for(data_set, earliest, latest, depth=depth)
