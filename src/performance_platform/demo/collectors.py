"""The demo's collectors: Vehicle tax's visits and realtime visitors, from the demo Matomo.

``load-demo`` imports them through the configuration file's format (so their token is
saved encrypted, as any collector's), then gives them a short history: the runs of the
last fortnight and the visits those runs would have fetched, computed from the same
figures the demo Matomo serves (``demo/matomo.py``). Those history runs say so in their
message. Each collector is due at once, so the worker that ``make run`` starts runs it
for real against the demo Matomo (``demo-provider``) a minute after the server starts.
"""

from datetime import UTC, date, datetime, time, timedelta

from django.conf import settings

from performance_platform.collectors.models import Collector, CollectorRun
from performance_platform.collectors.providers.base import Row
from performance_platform.collectors.records import to_record
from performance_platform.datastore import storage
from performance_platform.datastore.models import DataSet, Record, default_name
from performance_platform.datastore.validation import prepare_records

from .matomo import DEMO_TOKEN, visits

#: The service whose dashboard shows the demo's collectors (the demo manager's).
SERVICE = "vehicle-tax"
#: Its Matomo site in the demo Matomo.
SITE = 1
VISITS = "vehicle-tax-visits"
REALTIME = "vehicle-tax-realtime"
#: The visit figures the visits collector keeps (whole numbers in Matomo's answer).
METRICS = ["nb_visits", "nb_uniq_visitors", "nb_actions", "avg_time_on_site"]
#: Days of visits the demo's history holds.
HISTORY_DAYS = 28
#: What a history run says, so nobody takes it for a request that was sent.
HISTORY_NOTE = "Demo history: made by load-demo, not fetched."


def data_sets_config() -> list[dict]:
    """The data set the visits collector owns (the demo's other data sets keep theirs)."""
    return [
        {
            "data_group": SERVICE,
            "data_type": "visits",
            "published": True,
            "raw_queries_allowed": True,
            "max_age_expected": 2 * 86_400,
        }
    ]


def collectors_config() -> list[dict]:
    """The demo's collectors in the import-config format, pointing at the demo Matomo."""
    endpoint = settings.DEMO_PROVIDER_URL
    credentials = {"token_auth": DEMO_TOKEN}
    return [
        {
            "name": VISITS,
            "data_set": default_name(SERVICE, "visits"),
            "provider": "matomo",
            "endpoint": endpoint,
            "frequency": "daily",
            "query": {"site_id": SITE, "method": "VisitsSummary.get", "metrics": METRICS},
            "credentials": credentials,
        },
        {
            "name": REALTIME,
            "data_set": default_name(SERVICE, "realtime"),
            "provider": "matomo-realtime",
            "endpoint": endpoint,
            "query": {"site_id": SITE, "last_minutes": 5},
            "mapping": {"for_url": f"/{SERVICE}"},
            "credentials": credentials,
        },
    ]


def visit_records(now: datetime) -> list[dict]:
    """The visits collector's records for the history's days, as a run would make them."""
    today = now.date()
    out = []
    for days_ago in range(HISTORY_DAYS - 1, -1, -1):
        day = today - timedelta(days=days_ago)
        figures = visits(SITE, day, day, now)
        metrics = {key: figures[key] for key in METRICS if key in figures}
        row = Row(datetime.combine(day, time(0), tzinfo=UTC), {}, metrics)
        out.append(to_record(row, data_type="visits", time_span="day", mapping={}))
    return out


def load_history(now: datetime) -> dict[str, int]:
    """Give the demo's collectors their history (replacing an older load's) and the
    visits it fetched; each collector is then due now. Returns records written."""
    visits_set = DataSet.objects.get(name=default_name(SERVICE, "visits"))
    records = visit_records(now)
    prepared, errors = prepare_records(records, schema=visits_set.schema, auto_ids=[], now=now)
    if errors:
        raise ValueError(f"demo visits are invalid: {errors[:3]}")
    storage.store_records(visits_set, prepared, now=now, source="demo")
    keep = {r.record_id for r in prepared}
    stale = [
        record_id
        for record_id in Record.objects.filter(data_set=visits_set).values_list(
            "record_id", flat=True
        )
        if record_id not in keep
    ]
    if stale:
        storage.delete_records(visits_set, stale, now=now, source="demo")

    daily = Collector.objects.get(name=VISITS)
    runs = []
    for days_ago in range(14, 0, -1):
        started = datetime.combine(now.date() - timedelta(days=days_ago), time(6), tzinfo=UTC)
        runs.append(_run(daily, started, records=2, day=started.date()))
    # One bad morning, as real ones have: Matomo was down and every retry failed.
    runs[4].status = CollectorRun.Status.FAILED
    runs[4].records = 0
    runs[4].retries = 4
    runs[4].message = f"{HISTORY_NOTE} Matomo answered 503 Service Unavailable 5 times."
    live = Collector.objects.get(name=REALTIME)
    for step in range(10, 0, -1):
        runs.append(_run(live, now - timedelta(minutes=2 * step), records=1))
    CollectorRun.objects.filter(collector__in=[daily, live]).delete()
    CollectorRun.objects.bulk_create(runs)
    for collector in (daily, live):
        last = max(r.started_at for r in runs if r.collector is collector)
        Collector.objects.filter(pk=collector.pk).update(
            state=Collector.State.WORKING,
            last_run_at=last,
            last_success_at=last,
            next_run_at=now,
            failures=0,
            last_error="",
            broken_since=None,
        )
    return {visits_set.name: len(prepared)}


def _run(collector: Collector, started: datetime, *, records: int, day: date | None = None):
    return CollectorRun(
        collector=collector,
        trigger=CollectorRun.Trigger.SCHEDULE,
        status=CollectorRun.Status.SUCCEEDED,
        started_at=started,
        finished_at=started + timedelta(seconds=2),
        start_date=day - timedelta(days=1) if day else None,
        end_date=day,
        periods=2 if day else 0,
        records=records,
        message=HISTORY_NOTE,
    )
