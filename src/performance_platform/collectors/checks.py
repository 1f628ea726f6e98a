"""A dashboard's availability checks: what the hub's "Availability checks" page changes.

Saving a start page address makes (or changes) three things in one transaction, audited:
the dashboard's ``monitoring`` data set (in the group its KPIs read), an ``availability``
collector that checks the address on the worker's schedule, and an ``availability`` module
on the dashboard if it has none, so the public page shows the uptime. Stopping the checks
turns the collector off and stops the data set counting as out of date; the records and
the module stay.

The collector is the only thing that makes requests, and only to the address a person
entered here (or an admin in the Django admin).
"""

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from performance_platform.accounts import audit
from performance_platform.dashboards.models import Dashboard, Module
from performance_platform.dashboards.standard import make_module
from performance_platform.datastore.models import (
    DataGroup,
    DataSet,
    DataType,
    Record,
    default_name,
)

from .models import Collector

PROVIDER = "availability"
DATA_TYPE = "monitoring"
#: How often a check may run, in seconds, with its words (the first is the default).
EVERY_CHOICES = [(300, "Every 5 minutes"), (900, "Every 15 minutes"), (3600, "Every hour")]
#: A data set with no check for this long is out of date (a few missed checks are not).
MAX_AGE = 3 * 3600

#: The fields of a check the page shows.
CHECK_FIELDS = ("up", "status", "avgresponse", "reason")
_COUNT = {"type": "integer", "minimum": 0}
#: What a check's record must hold (the provider writes these; nothing else should).
SCHEMA = {
    "type": "object",
    "required": ["_timestamp", "check", "uptime", "downtime", "up"],
    "properties": {
        "check": {"type": "string", "minLength": 1, "maxLength": 200},
        "uptime": _COUNT,
        "downtime": _COUNT,
        "unmonitored": _COUNT,
        "up": {"type": "boolean"},
        "tries": _COUNT,
        "status": {"type": "integer", "minimum": 100, "maximum": 599},
        "avgresponse": {"type": "number", "minimum": 0},
        "reason": {"type": "string", "maxLength": 300},
    },
}

#: The module added to a dashboard that has none: a month of daily uptime.
MODULE_SPEC = {
    "slug": "availability",
    "type": "availability",
    "title": "Service availability",
    "description": "How often the service's start page was up, and how fast it answered.",
    "info": ["Checked by the Performance Platform every few minutes."],
    "data_type": DATA_TYPE,
    "query": {"period": "day", "duration": 30},
    "options": {},
}


def _group_of(dashboard: Dashboard, *, make: bool) -> DataGroup | None:
    # The rule of the hub's standard modules: the dashboard's KPI group, or one named
    # after it.
    if dashboard.kpi_group_id:
        return dashboard.kpi_group
    if make:
        return DataGroup.objects.get_or_create(name=dashboard.slug)[0]
    return DataGroup.objects.filter(name=dashboard.slug).first()


def collector_of(dashboard: Dashboard) -> Collector | None:
    """The dashboard's availability collector, if it has one."""
    group = _group_of(dashboard, make=False)
    if group is None:
        return None
    return (
        Collector.objects.filter(
            provider=PROVIDER, data_set__data_group=group, data_set__data_type__name=DATA_TYPE
        )
        .select_related("data_set__data_group", "data_set__data_type")
        .order_by("pk")
        .first()
    )


def last_checks(collector: Collector, limit: int = 5) -> list[dict]:
    """The newest ``limit`` checks in ``collector``'s data set, newest first: when
    (``at``), ``up``, ``status``, ``avgresponse`` (ms) and ``reason``."""
    rows = Record.objects.filter(data_set=collector.data_set).order_by("-timestamp", "-pk")
    return [
        {"at": row.timestamp, **{k: row.data.get(k) for k in CHECK_FIELDS}} for row in rows[:limit]
    ]


def _unique_name(dashboard: Dashboard) -> str:
    base = f"{dashboard.slug[:86].rstrip('-')}-availability"
    name, number = base, 1
    while Collector.objects.filter(name=name).exists():
        number += 1
        name = f"{base[: 100 - len(str(number)) - 1]}-{number}"
    return name


def _data_set(dashboard: Dashboard, *, request) -> DataSet:
    group = _group_of(dashboard, make=True)
    data_type, _ = DataType.objects.get_or_create(name=DATA_TYPE)
    data_set = DataSet.objects.filter(data_group=group, data_type=data_type).first()
    if data_set is None:
        data_set = DataSet(
            name=default_name(group.name, data_type.name),
            data_group=group,
            data_type=data_type,
            published=True,
            schema=SCHEMA,
            max_age_expected=MAX_AGE,
            # Daily totals need no split: the module reads the whole day's sums.
            dimensions=[],
        )
        data_set.full_clean()
        data_set.save()
        audit.record(
            "data_set.create",
            target=data_set,
            organisation_id=dashboard.organisation_id,
            detail={"for": f"{dashboard.slug}/availability checks"},
            request=request,
        )
    return data_set


def start_checks(dashboard: Dashboard, url: str, every: int, *, request) -> Collector:
    """Check ``url`` every ``every`` seconds for ``dashboard`` (checked by the form),
    making its data set, collector and module as needed. The first check is due now."""
    now = timezone.now()
    with transaction.atomic():
        # One change at a time per dashboard: two saves at once (a double click without
        # JavaScript) must not both make a data set, a collector and a module.
        Dashboard.objects.select_for_update().filter(pk=dashboard.pk).first()
        data_set = _data_set(dashboard, request=request)
        if data_set.max_age_expected is None:
            DataSet.objects.filter(pk=data_set.pk).update(max_age_expected=MAX_AGE)
        collector = (
            Collector.objects.select_for_update()
            .filter(provider=PROVIDER, data_set=data_set)
            .order_by("pk")
            .first()
        )
        if collector is None:
            collector = Collector(
                name=_unique_name(dashboard), data_set=data_set, provider=PROVIDER
            )
            action, before = "collector.create", {}
        else:
            action = "collector.change"
            before = {
                "endpoint": collector.endpoint,
                "every_seconds": collector.every_seconds,
                "enabled": collector.enabled,
            }
        if collector.endpoint != url:
            # A new address starts afresh: the old one's failures say nothing about it.
            collector.state = Collector.State.NEW
            collector.failures = 0
            collector.last_error = ""
            collector.broken_since = None
        collector.endpoint = url
        collector.every_seconds = every
        collector.enabled = True
        collector.query = {"check": dashboard.slug}
        collector.next_run_at = now
        collector.full_clean()
        collector.save()
        after = {"endpoint": url, "every_seconds": every, "enabled": True}
        audit.record(
            action,
            target=collector,
            organisation_id=dashboard.organisation_id,
            detail={
                "dashboard": dashboard.slug,
                "changed": {k: [before.get(k), v] for k, v in after.items() if before.get(k) != v},
            },
            request=request,
        )
        if not dashboard.modules.filter(type="availability").exists():
            _add_module(dashboard, data_set.data_group, request=request)
    return collector


def _add_module(dashboard: Dashboard, group: DataGroup, *, request) -> Module:
    spec = dict(MODULE_SPEC)
    if dashboard.modules.filter(slug=spec["slug"]).exists():
        spec["slug"] = "availability-checks"
    last = Module.objects.filter(dashboard=dashboard, parent__isnull=True).aggregate(
        last=Max("order")
    )["last"]
    module = make_module(dashboard, group, spec, order=0 if last is None else last + 1)
    audit.record(
        "module.add",
        target=module,
        organisation_id=dashboard.organisation_id,
        detail={"type": module.type, "for": "availability checks"},
        request=request,
    )
    return module


def stop_checks(dashboard: Dashboard, *, request) -> bool:
    """Turn the dashboard's checks off (False if there were none running). Its records
    and module stay; the data set no longer counts as out of date."""
    collector = collector_of(dashboard)
    if collector is None or not collector.enabled:
        return False
    with transaction.atomic():
        Collector.objects.filter(pk=collector.pk).update(enabled=False, next_run_at=None)
        DataSet.objects.filter(pk=collector.data_set_id).update(max_age_expected=None)
        audit.record(
            "collector.change",
            target=collector,
            organisation_id=dashboard.organisation_id,
            detail={"dashboard": dashboard.slug, "changed": {"enabled": [True, False]}},
            request=request,
        )
    return True
