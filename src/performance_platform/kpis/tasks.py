"""Background tasks: run a transform, check freshness. Run by ``performance-platform worker``."""

import logging

from django.db import close_old_connections, connection
from django.tasks import task
from django.utils import timezone

from performance_platform.datastore.models import DataSet, stale_data_sets

from .models import Transform
from .reading import parse_range_value
from .running import current_depth, input_data_set, run_transform
from .staleness import root_sources
from .summaries import refresh_staleness

logger = logging.getLogger(__name__)


@task()
def run_transform_task(transform_id: int, data_set_id: int, earliest: str, latest: str, depth=0):
    """Run one transform for the data set that changed (or its second input).

    Returns a summary for the task's result. Errors are recorded on the transform (so
    the admin shows them beside it) and raised again, so the worker retries or keeps
    the task as failed.
    """
    transform = (
        Transform.objects.select_related("input_group", "input_type", "output_group", "output_type")
        .filter(pk=transform_id)
        .first()
    )
    changed = DataSet.objects.select_related("data_group", "data_type").filter(pk=data_set_id)
    changed = changed.first()
    if transform is None or changed is None or not transform.enabled:
        return {"skipped": "the transform or data set no longer exists or is disabled"}
    source = input_data_set(transform, changed)
    if source is None:
        return {"skipped": f"{changed.data_group.name} has no {transform.input_type.name}"}
    start, end = parse_range_value(earliest), parse_range_value(latest)
    token = current_depth.set(int(depth))
    try:
        result = run_transform(transform, source, start, end)
    except Exception as exc:
        # Drop a connection the failure broke, but never inside a caller's transaction.
        if not connection.in_atomic_block:
            close_old_connections()
        Transform.objects.filter(pk=transform.pk).update(
            last_error=f"{type(exc).__name__}: {exc}"[:5000], last_error_at=timezone.now()
        )
        raise
    finally:
        current_depth.reset(token)
    Transform.objects.filter(pk=transform.pk).update(last_success_at=timezone.now(), last_error="")
    if not (result.written or result.deleted) and transform.type != "kpi_summary":
        # A write that changed no derived figure ends the chain here, so no summary is
        # recomputed; yet its data is fresh again. Put that into the stored summaries.
        refresh_staleness(sources=[s.name for s in root_sources(source)])
    return {
        "transform": str(transform),
        "data_set": source.name,
        "read_rows": result.read_rows,
        "computed": result.computed,
        "written": result.written,
    }


@task()
def check_freshness():
    """Scheduled: refresh the stale flags of KPI summaries and log stale data sets."""
    now = timezone.now()
    stale = [data_set.name for data_set, _ in stale_data_sets(now)]
    if stale:
        logger.warning("%d stale data set(s): %s", len(stale), ", ".join(stale[:50]))
    return {"stale_data_sets": stale, "summaries_updated": refresh_staleness(now=now)}
