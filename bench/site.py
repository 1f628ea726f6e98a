"""Site benchmark: a 12-module dashboard (cold and warm) and the services index over HTTP.

For each database, one fresh database gets:

* the read benchmark's data: ``bench-read/transactions-by-channel`` holding ``--records``
  records (default 1,000,000) from :func:`bench.data.transactions_by_channel` over 2023
  and 2024, plus 20 noise data sets of 5,000 records, loaded the same way
  (``python -m bench.readload load``: the platform's own write pipeline, rollups on);
* through ``performance-platform import-config`` (the configuration file format): 20
  organisations (12 departments, 8 agencies), one published dashboard
  (``/performance/bench-site-transactions``) with 12 modules reading that data set (time
  series by week, day and month, grouped series stacked, as lines and as 100% shares, a
  bar chart with a number, a KPI, a table with a limit, a column chart, a completion
  rate and a completion table), and 799 more published service dashboards, each with a
  ``kpi_group`` and its own ``transactions-by-channel`` data set (empty: it is only named
  as the summaries' source): 800 services in all, spread over the 20 organisations;
* 4,000 KPI summaries (5 KPIs for each of the 800 services) shaped like
  :func:`performance_platform.kpis.summaries.summarise`'s output, written straight into
  ``performance-platform/kpi-summaries`` with ``validation.prepare_records`` and
  ``storage.store_records`` (``python -m bench.site summaries``), as the ``kpi_summary``
  transforms would have written them.

On PostgreSQL the tables are then ``VACUUM ANALYZE``d, as in the read benchmark.

Then ``performance-platform serve`` runs with ``REDIS_URL`` pointing at one Redis
database (``--redis-url``, shared by the workers, FLUSHED before every cold request) and
each page is timed client-side (wall time from connecting to the last byte), in rounds
so that changes in machine load affect every figure alike:

1. **cold dashboard**: ``FLUSHDB``, then ``GET /performance/bench-site-transactions``
   (every module's query runs and the page is rendered); median of ``--repeats``;
2. **warm dashboard**: the same page again, answered from the page cache; the cold
   request of each round is its warm-up; median of 2 × ``--repeats``;
3. **services index**: ``GET /performance/services`` (default sort) and
   ``/performance/services?filter=a&sortby=digital_takeup&sortorder=asc``; the page is
   not kept in the server's cache, so every request builds it; median of 2 × ``--repeats``.

Each figure is reported beside a same-process **raw** baseline run with the driver
(``sqlite3`` / ``psycopg``), execute + fetchall, after one unmeasured run: for the
dashboard, the 12 modules' equivalent hand-written SQL aggregates on ``datastore_record``
run one after another (values from the record JSON, time from the real columns, as in
the read benchmark; median of at most 5 runs, as each takes seconds at 1M records); for
the services index, ``SELECT data FROM datastore_record WHERE data_set_id = ?`` of the
4,000 summaries (JSON as text, as Django fetches it; median of 2 × ``--repeats``). The
dashboard's ``.json`` twin is then checked against the raw SQL (every module has data;
three modules' figures equal the SQL's).

When a target is missed, the page is profiled in-process (``python -m bench.site
profile``: Django's test client on the bench database, cache in local memory, cleared
before each cold request) and the SQL statements, their time and a cProfile summary are
printed and saved.
"""

import argparse
import cProfile
import io
import json
import pstats
import random
import re
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta

from . import common, read, register

GROUP, DATA_TYPE, NAME = read.GROUP, read.DATA_TYPE, read.NAME
SUMMARIES_GROUP, SUMMARIES_TYPE = "performance-platform", "kpi-summaries"
SUMMARIES_NAME = "performance_platform_kpi_summaries"
SLUG = "bench-site-transactions"
DASHBOARD_PATH = f"/performance/{SLUG}"
SERVICES = 800  # published service dashboards, the big one included
KPI_ORDER = (
    "transactions_per_year",
    "cost_per_transaction",
    "digital_takeup",
    "user_satisfaction",
    "completion_rate",
)
# The 12 raw statements read every record several times over (seconds a run at 1M
# records) and vary little: their median is taken over at most this many runs.
RAW_DASHBOARD_RUNS = 5
TARGETS_MS = {"cold": 300.0, "warm": 20.0, "services": 100.0, "services_cold": None}
PAGES = {
    "cold": ("1. dashboard, cold (cache flushed)", DASHBOARD_PATH),
    "warm": ("2. dashboard, warm", DASHBOARD_PATH),
    "services": ("3. services index", "/performance/services"),
    "services_filtered": (
        "3b. services index, filtered and sorted",
        "/performance/services?filter=a&sortby=digital_takeup&sortorder=asc",
    ),
    # The index as first rendered after a change to what it shows (its page is cached
    # under a fingerprint of the summaries, dashboards and organisations): for information.
    "services_cold": ("3c. services index, cold (cache flushed)", "/performance/services"),
}

_ts, _json = read._ts, read._json


def _range(start: str, end: str) -> dict:
    return {"start_at": f"{start}T00:00:00Z", "end_at": f"{end}T00:00:00Z"}


def _sum_by(columns: str, start: str, end: str):
    """Hand-written ``SUM(count)`` grouped by ``columns`` (real columns or JSON fields)."""

    def sql(k: str) -> str:
        cols = [c if c.endswith("_start") else _json(k, c) for c in columns.split(",") if c]
        select = ", ".join([*cols, f"SUM({_json(k, 'count', True)})"])
        group = f" GROUP BY {', '.join(str(i + 1) for i in range(len(cols)))}" if cols else ""
        return (
            f"SELECT {select} FROM datastore_record WHERE data_set_id = {{ph}} "
            f"AND timestamp >= {{ph}} AND timestamp < {{ph}}{group}"
        )

    return sql, lambda k, ds: [ds, _ts(k, start), _ts(k, end)]


def _latest(limit: int, **filters):
    def sql(k: str) -> str:
        where = "".join(f" AND {_json(k, f)} = {{ph}}" for f in filters)
        return (
            f"SELECT data FROM datastore_record WHERE data_set_id = {{ph}}{where} "
            f"ORDER BY timestamp DESC LIMIT {limit}"
        )

    return sql, lambda k, ds: [ds, *filters.values()]


def _module(slug, type_, title, query, options, raw, description=""):
    sql, params = raw
    entry = {
        "slug": slug,
        "type": type_,
        "title": title,
        "data_source": {"data_group": GROUP, "data_type": DATA_TYPE},
        "query": query,
        "options": options,
    }
    if description:
        entry["description"] = description
    return {"config": entry, "sql": sql, "params": params}


_COUNT = {"type": "integer", "magnitude": True}
_WEEKLY_2024 = ("2024-01-01", "2024-12-30")
_TWO_YEARS = ("2023-01-01", "2025-01-01")

# The dashboard's 12 modules (import-config entries) and, for each, the hand-written SQL
# doing the same aggregate ({ph} is the driver's placeholder) and its parameters.
MODULES = [
    _module(
        "weekly-transactions",
        "single_timeseries",
        "Transactions per week",
        {"period": "week", "collect": ["count:sum"], **_range(*_WEEKLY_2024)},
        {
            "value-attribute": "count:sum",
            "format": _COUNT,
            "axis-period": "week",
            "axes": {"x": {"label": "Week"}, "y": [{"label": "Transactions"}]},
        },
        _sum_by("week_start", *_WEEKLY_2024),
        "Completed transactions each week in 2024, all services and channels.",
    ),
    _module(
        "channels-stacked",
        "grouped_timeseries",
        "Transactions by channel",
        {
            "period": "week",
            "group_by": "channel",
            "collect": ["count:sum"],
            **_range(*_WEEKLY_2024),
        },
        {
            "value-attribute": "count:sum",
            "category": "channel",
            "axis-period": "week",
            "use_stack": True,
        },
        _sum_by("week_start,channel", *_WEEKLY_2024),
    ),
    _module(
        "channels-monthly",
        "grouped_timeseries",
        "Transactions by channel, monthly",
        {"period": "month", "group_by": "channel", "collect": ["count:sum"], **_range(*_TWO_YEARS)},
        {
            "value-attribute": "count:sum",
            "category": "channel",
            "axis-period": "month",
            "show-line-labels": True,
        },
        _sum_by("month_start,channel", *_TWO_YEARS),
    ),
    _module(
        "service-share",
        "grouped_timeseries",
        "Share of transactions by service",
        {
            "period": "quarter",
            "group_by": "service",
            "collect": ["count:sum"],
            **_range(*_TWO_YEARS),
        },
        {
            "value-attribute": "count:sum",
            "category": "service",
            "axis-period": "quarter",
            "one-hundred-percent": True,
        },
        _sum_by("quarter_start,service", *_TWO_YEARS),
    ),
    _module(
        "monthly-volumes",
        "bar_chart_with_number",
        "Transactions per month",
        {"period": "month", "collect": ["count:sum"], **_range("2024-07-01", "2025-01-01")},
        {"value-attribute": "count:sum", "format": _COUNT, "axis-period": "month"},
        _sum_by("month_start", "2024-07-01", "2025-01-01"),
    ),
    _module(
        "latest-vehicle-tax-digital",
        "kpi",
        "Vehicle tax online, latest hour",
        {
            "filter_by": ["service:vehicle-tax", "channel:digital"],
            "sort_by": "_timestamp:descending",
            "limit": 2,
        },
        {"value-attribute": "count", "format": "integer", "date-period": "hour"},
        _latest(2, service="vehicle-tax", channel="digital"),
    ),
    _module(
        "latest-passport-records",
        "table",
        "Latest passport renewal records",
        {
            "filter_by": "service:passport-renewal",
            "sort_by": "_timestamp:descending",
            "limit": 20,
        },
        {
            "sort-by": "_timestamp",
            "sort-order": "descending",
            "axes": {
                "x": {"label": "Hour", "key": "_timestamp", "format": "time"},
                "y": [
                    {"label": "Channel", "key": "channel"},
                    {"label": "Transactions", "key": "count", "format": "integer"},
                ],
            },
        },
        _latest(20, service="passport-renewal"),
    ),
    _module(
        "by-service",
        "column",
        "Transactions by service, 2024",
        {"group_by": "service", "collect": ["count:sum"], **_range("2024-01-01", "2025-01-01")},
        {
            "value-attribute": "count:sum",
            "pin-to": "service",
            "max-bars": 8,
            "format": _COUNT,
            "axes": {"x": {"label": "Service"}, "y": [{"label": "Transactions"}]},
        },
        _sum_by("service", "2024-01-01", "2025-01-01"),
    ),
    _module(
        "digital-share",
        "completion_rate",
        "Digital share of transactions",
        {
            "period": "week",
            "group_by": "channel",
            "collect": ["count:sum"],
            **_range("2024-07-01", "2024-12-30"),
        },
        {
            "value-attribute": "count:sum",
            "matching-attribute": "channel",
            "numerator-matcher": "^digital$",
            "denominator-matcher": ".",
            "axis-period": "week",
        },
        _sum_by("week_start,channel", "2024-07-01", "2024-12-30"),
    ),
    _module(
        "daily-transactions",
        "single_timeseries",
        "Transactions per day",
        {"period": "day", "collect": ["count:sum"], **_range("2024-10-01", "2025-01-01")},
        {"value-attribute": "count:sum", "format": _COUNT, "axis-period": "day"},
        _sum_by("day_start", "2024-10-01", "2025-01-01"),
    ),
    _module(
        "digital-by-service",
        "completion_table",
        "Digital share by service, December 2024",
        {
            "period": "week",
            "group_by": ["service", "channel"],
            "collect": ["count:sum"],
            **_range("2024-12-02", "2024-12-30"),
        },
        {
            "category": "service",
            "matching-attribute": "channel",
            "numerator-matcher": "^digital$",
            "denominator-matcher": ".",
            "value-attribute": "count:sum",
            "axes": {"x": {"label": "Service"}},
        },
        _sum_by("week_start,service,channel", "2024-12-02", "2024-12-30"),
    ),
    _module(
        "records-per-month",
        "single_timeseries",
        "Records received per month",
        {"period": "month", **_range(*_TWO_YEARS)},
        {"value-attribute": "_count", "format": "integer", "axis-period": "month"},
        (
            lambda k: (
                "SELECT month_start, COUNT(*) FROM datastore_record WHERE data_set_id = {ph} "
                "AND timestamp >= {ph} AND timestamp < {ph} GROUP BY 1"
            ),
            lambda k, ds: [ds, _ts(k, _TWO_YEARS[0]), _ts(k, _TWO_YEARS[1])],
        ),
    ),
]
assert len(MODULES) == 12

# --- organisations and services -----------------------------------------------------------

DEPARTMENTS = [
    ("department-for-transport", "Department for Transport", "DfT"),
    ("hm-revenue-customs", "HM Revenue & Customs", "HMRC"),
    ("home-office", "Home Office", "HO"),
    ("department-for-work-pensions", "Department for Work and Pensions", "DWP"),
    ("ministry-of-justice", "Ministry of Justice", "MOJ"),
    ("department-for-education", "Department for Education", "DfE"),
    ("cabinet-office", "Cabinet Office", "CO"),
    ("department-of-health-social-care", "Department of Health and Social Care", "DHSC"),
    ("defra", "Department for Environment, Food & Rural Affairs", "Defra"),
    ("department-for-business-trade", "Department for Business and Trade", "DBT"),
    ("fcdo", "Foreign, Commonwealth & Development Office", "FCDO"),
    ("ministry-of-defence", "Ministry of Defence", "MOD"),
]
AGENCIES = [
    ("dvla", "Driver and Vehicle Licensing Agency", "DVLA", "department-for-transport"),
    ("dvsa", "Driver and Vehicle Standards Agency", "DVSA", "department-for-transport"),
    ("hm-passport-office", "HM Passport Office", "HMPO", "home-office"),
    ("legal-aid-agency", "Legal Aid Agency", "LAA", "ministry-of-justice"),
    ("hmcts", "HM Courts & Tribunals Service", "HMCTS", "ministry-of-justice"),
    ("companies-house", "Companies House", "", "department-for-business-trade"),
    ("student-loans-company", "Student Loans Company", "SLC", "department-for-education"),
    ("rural-payments-agency", "Rural Payments Agency", "RPA", "defra"),
]
VERBS = (
    "Apply for",
    "Renew",
    "Register",
    "Check",
    "Pay for",
    "Claim",
    "Report",
    "Update",
    "Book",
    "Cancel",
    "Replace",
    "Change",
    "Transfer",
    "Appeal",
    "View",
    "Get",
    "Manage",
    "Extend",
    "Request",
    "Find",
)
NOUNS = (
    "a driving licence",
    "a passport",
    "vehicle tax",
    "a fishing licence",
    "a patent",
    "a trade mark",
    "child benefit",
    "carer's allowance",
    "a student loan",
    "business rates",
    "a visa",
    "a blue badge",
    "a marriage certificate",
    "a birth certificate",
    "a pension",
    "jury service",
    "a court fine",
    "legal aid",
    "a prison visit",
    "an MOT",
    "a lasting power of attorney",
    "a farm payment",
    "an export licence",
    "a company",
    "a charity",
    "a tax return",
    "VAT",
    "council tax",
    "a parking permit",
    "a TV licence",
    "a firearms licence",
    "a work permit",
    "a grant",
    "a tachograph card",
    "a theory test",
    "a driving test",
    "a rural grant",
    "flood warnings",
    "a waste carrier licence",
    "an import licence",
)


def _slugify(text: str) -> str:
    out = "".join(c if c.isalnum() else "-" for c in text.lower().replace("'", ""))
    return "-".join(p for p in out.split("-") if p)


def organisations() -> list[dict]:
    out = [
        {"slug": s, "name": n, "abbreviation": a, "type": "department"} for s, n, a in DEPARTMENTS
    ]
    for slug, name, abbreviation, parent in AGENCIES:
        entry = {"slug": slug, "name": name, "type": "agency", "parent": parent}
        if abbreviation:
            entry["abbreviation"] = abbreviation
        out.append(entry)
    return out


def services() -> list[dict]:
    """The 799 generated services (the big dashboard is the 800th): slug, title, owner."""
    orgs = [o[0] for o in DEPARTMENTS] + [a[0] for a in AGENCIES]
    titles = [f"{verb} {noun}" for noun in NOUNS for verb in VERBS][: SERVICES - 1]
    out = []
    for index, title in enumerate(titles):
        slug = _slugify(title)
        out.append({"slug": slug, "title": title, "organisation": orgs[index % len(orgs)]})
    if len({s["slug"] for s in out}) != len(out):
        raise RuntimeError("service slugs clash")
    return out


def data_sets_config(service_list: list[dict]) -> dict:
    """The read benchmark's data sets, the summaries and each service's (empty) source."""
    noise = [f"bench-noise-{i:02d}" for i in range(1, read.NOISE_SETS + 1)]
    return {
        "data_sets": [
            {"data_group": GROUP, "data_type": DATA_TYPE, "raw_queries_allowed": True},
            *({"data_group": g, "data_type": DATA_TYPE} for g in noise),
            {
                "data_group": SUMMARIES_GROUP,
                "data_type": SUMMARIES_TYPE,
                "raw_queries_allowed": True,
            },
            *({"data_group": s["slug"], "data_type": DATA_TYPE} for s in service_list),
        ]
    }


def dashboards_config(service_list: list[dict]) -> dict:
    big = {
        "slug": SLUG,
        "title": "Transactions by channel (benchmark)",
        "dashboard_type": "high-volume-transaction",
        "organisation": "department-for-transport",
        "status": "published",
        "strapline": "Service dashboard",
        "description": "Two years of hourly transaction counts for eight services, by channel.",
        "customer_type": "Individuals",
        "business_model": "Fees and charges",
        "kpi_group": GROUP,
        "links": [
            {"title": "Start now", "url": "https://www.gov.uk/vehicle-tax", "type": "transaction"}
        ],
        "modules": [m["config"] for m in MODULES],
        "annotations": [
            {"date": "2024-04-01", "text": "New fees from April"},
            {"date": "2024-09-16", "text": "Paper forms withdrawn"},
        ],
    }
    dashboards = [big]
    for service in service_list:
        dashboards.append(
            {
                "slug": service["slug"],
                "title": service["title"],
                "dashboard_type": "transaction",
                "organisation": service["organisation"],
                "status": "published",
                "strapline": "Service dashboard",
                "kpi_group": service["slug"],
                "links": [
                    {
                        "title": service["title"],
                        "url": f"https://www.gov.uk/{service['slug']}",
                        "type": "transaction",
                    }
                ],
            }
        )
    return {"organisations": organisations(), "dashboards": dashboards}


# --- in-process helpers (``python -m bench.site <command>``) -------------------------------


def _summary_figures(rng: random.Random, kpi: str) -> tuple:
    """(value, previous value) for one KPI; now and then missing, as real services are."""
    if rng.random() < 0.04:
        return None, None
    if kpi == "transactions_per_year":
        value = int(10 ** rng.uniform(3, 7.7))
        return value, int(value * rng.uniform(0.8, 1.2))
    if kpi == "cost_per_transaction":
        value = round(10 ** rng.uniform(-0.5, 1.8), 2)
        return value, round(value * rng.uniform(0.85, 1.15), 2)
    value = round(rng.uniform(0.35, 0.99), 4)
    return value, round(min(1.0, value * rng.uniform(0.95, 1.05)), 4)


def write_summaries(spec: dict) -> dict:
    """Write 5 KPI summaries for each of spec["services"] ({slug, source}) into
    performance-platform/kpi-summaries, shaped as ``summaries.summarise`` makes them."""
    from django.utils import timezone

    from performance_platform.datastore import storage
    from performance_platform.datastore.models import DataSet, Record
    from performance_platform.datastore.validation import prepare_records
    from performance_platform.kpis import catalogue, change
    from performance_platform.kpis.computing import encode_id
    from performance_platform.lib import formatting

    data_set = DataSet.objects.get(name=SUMMARIES_NAME)
    now = timezone.now()
    rng = random.Random(20240601)
    end_week = datetime(2024, 12, 30, tzinfo=UTC)
    spans = {
        "transactions_per_year": ("year", end_week - timedelta(weeks=52), end_week),
        "cost_per_transaction": (
            "quarter",
            datetime(2024, 7, 1, tzinfo=UTC),
            datetime(2024, 10, 1, tzinfo=UTC),
        ),
        "digital_takeup": (
            "month",
            datetime(2024, 11, 1, tzinfo=UTC),
            datetime(2024, 12, 1, tzinfo=UTC),
        ),
        "user_satisfaction": (
            "month",
            datetime(2024, 11, 1, tzinfo=UTC),
            datetime(2024, 12, 1, tzinfo=UTC),
        ),
        "completion_rate": ("week", end_week - timedelta(weeks=1), end_week),
    }
    records = []
    for service in spec["services"]:
        for kpi in KPI_ORDER:
            unit = catalogue.get(kpi).unit
            period, start, end = spans[kpi]
            length = end - start
            value, previous = _summary_figures(rng, kpi)
            moved = change.change(value, previous)
            updated = now - timedelta(hours=rng.randrange(1, 24 * 30))
            records.append(
                {
                    "_id": encode_id(service["slug"], kpi),
                    "_timestamp": start.isoformat(),
                    "service": service["slug"],
                    "kpi": kpi,
                    "title": catalogue.get(kpi).title,
                    "unit": unit,
                    "value": value,
                    "display": change.display(value, unit),
                    "period": period,
                    "period_label": formatting.period_label(start, end, period),
                    "start_at": start.isoformat(),
                    "end_at": end.isoformat(),
                    "previous_value": previous,
                    "previous_start_at": (start - length).isoformat() if previous else None,
                    "previous_end_at": start.isoformat() if previous else None,
                    "change": moved.absolute,
                    "relative_change": moved.relative,
                    "direction": moved.direction,
                    "change_text": change.change_text(moved, unit, period),
                    "last_updated": updated.astimezone(UTC).isoformat(),
                    "stale": rng.random() < 0.05,
                    "sources": service["source"],
                    "source_data_set": f"{service['slug'].replace('-', '_')}_{kpi}",
                }
            )
    started = time.perf_counter()
    prepared, errors = prepare_records(records, schema=data_set.schema, auto_ids=None, now=now)
    if errors:
        raise RuntimeError(f"invalid summaries: {errors[:3]}")
    storage.store_records(data_set, prepared, now=now, source="bench-site")
    return {
        "records": len(records),
        "seconds": time.perf_counter() - started,
        "stored": Record.objects.filter(data_set=data_set).count(),
        "services": len(spec["services"]),
    }


def profile(spec: dict) -> dict:
    """Time and profile GETs of spec["pages"] ({key: [path, cold]}) with Django's test client.

    The cache is local memory (``REDIS_URL`` is unset) and cleared before each request of
    a cold page. Returns per page: median ms, SQL statements and time, a cProfile summary.
    """
    from django.core.cache import cache
    from django.db import connection
    from django.test import Client

    client = Client()
    repeats = spec.get("repeats", 5)
    out = {}
    for key, (path, cold) in spec["pages"].items():

        def once(path=path, cold=cold):
            if cold:
                cache.clear()
            response = client.get(path)
            if response.status_code != 200:
                raise RuntimeError(f"GET {path}: HTTP {response.status_code}")
            return response

        once()  # imports, templates, connections
        statements = []

        def capture(execute_, sql, params, many, context, statements=statements):
            t0 = time.perf_counter()
            try:
                return execute_(sql, params, many, context)
            finally:
                statements.append((time.perf_counter() - t0, sql))

        with connection.execute_wrapper(capture):
            once()
        times = []
        for _ in range(repeats):
            t0 = time.perf_counter()
            once()
            times.append(time.perf_counter() - t0)
        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(repeats):
            once()
        profiler.disable()
        text = io.StringIO()
        stats = pstats.Stats(profiler, stream=text)
        stats.sort_stats("cumulative").print_stats(45)
        stats.sort_stats("tottime").print_stats(15)
        slowest = sorted(statements, reverse=True)[:5]
        out[key] = {
            "path": path,
            "ms": statistics.median(times) * 1000,
            "sql_statements": len(statements),
            "sql_ms": sum(s for s, _ in statements) * 1000,
            "slowest_sql": [{"ms": s * 1000, "sql": sql[:300]} for s, sql in slowest],
            "profile": text.getvalue(),
        }
    return out


def _helper(db: common.Database, command: str, spec: dict) -> dict:
    """Run ``python -m bench.site <command>`` with ``spec`` against ``db``."""
    # ERROR: not the warnings about static files that only collectstatic would provide.
    env = {**read._platform_env(db), "LOG_LEVEL": "ERROR"}
    result = subprocess.run(
        [sys.executable, "-m", "bench.site", command],
        env=env,
        cwd=common.ROOT,
        input=json.dumps(spec).encode(),
        stdout=subprocess.PIPE,
    )
    if result.returncode != 0:
        raise RuntimeError(f"bench.site {command} failed (exit {result.returncode})")
    return json.loads(result.stdout)


# --- raw SQL --------------------------------------------------------------------------------


def _connect(db: common.Database):
    conn = db.connect()
    if db.kind == "postgres":
        from psycopg.types.string import TextLoader

        conn.adapters.register_loader("jsonb", TextLoader)  # JSON as text, as Django does
    return conn


def raw_dashboard(db: common.Database, data_set_id: int, repeats: int) -> dict:
    """Median ms of the 12 modules' statements run one after another; rows for the checks."""
    statements = [
        (
            m["config"]["slug"],
            m["sql"](db.kind).format(ph=db.placeholder),
            m["params"](db.kind, data_set_id),
        )
        for m in MODULES
    ]
    conn = _connect(db)
    try:
        cur = conn.cursor()
        rows = {}
        for slug, sql, params in statements:  # unmeasured first run
            cur.execute(sql, params)
            rows[slug] = cur.fetchall()
        totals, each = [], {slug: [] for slug, _, _ in statements}
        for _ in range(repeats):
            started = time.perf_counter()
            for slug, sql, params in statements:
                t0 = time.perf_counter()
                cur.execute(sql, params)
                cur.fetchall()
                each[slug].append(time.perf_counter() - t0)
            totals.append(time.perf_counter() - started)
    finally:
        conn.close()
    return {
        "ms": read._ms(totals),
        "each_ms": {slug: read._ms(t) for slug, t in each.items()},
        "rows": rows,
        "sql": {slug: sql for slug, sql, _ in statements},
    }


def raw_summaries(db: common.Database, data_set_id: int, repeats: int) -> dict:
    sql = "SELECT data FROM datastore_record WHERE data_set_id = %s".replace("%s", db.placeholder)
    conn = _connect(db)
    try:
        cur = conn.cursor()
        cur.execute(sql, [data_set_id])
        rows = cur.fetchall()
        times = []
        for _ in range(repeats):
            t0 = time.perf_counter()
            cur.execute(sql, [data_set_id])
            rows = cur.fetchall()
            times.append(time.perf_counter() - t0)
    finally:
        conn.close()
    return {"ms": read._ms(times), "rows": len(rows), "sql": sql}


# --- checks ---------------------------------------------------------------------------------


def check(body: bytes, raw_rows: dict) -> str | None:
    """None when the dashboard's .json has data in every module and three modules' figures
    equal the hand-written SQL's; else what is wrong."""
    modules = {m["slug"]: m for m in json.loads(body)["modules"]}
    problems = []
    for m in MODULES:
        slug = m["config"]["slug"]
        found = modules.get(slug)
        if found is None or found.get("error") or not found.get("data"):
            problems.append(f"{slug}: {found.get('error') if found else 'missing'} (no data)")
    if problems:
        return "; ".join(problems)
    weekly = [row["Transactions"] for row in modules["weekly-transactions"]["data"]]
    want = [int(s) for _, s in sorted(raw_rows["weekly-transactions"], key=lambda r: str(r[0]))]
    if weekly != want:
        problems.append(f"weekly-transactions: {len(weekly)} weeks differ from the SQL's")
    by_service = {row["Service"]: row["Transactions"] for row in modules["by-service"]["data"]}
    if by_service != {s: int(n) for s, n in raw_rows["by-service"]}:
        problems.append("by-service: totals differ from the SQL's")
    kpi = [
        row["Vehicle tax online, latest hour"]
        for row in modules["latest-vehicle-tax-digital"]["data"]
    ]
    if kpi != [json.loads(r[0])["count"] for r in raw_rows["latest-vehicle-tax-digital"]]:
        problems.append(f"latest-vehicle-tax-digital: {kpi} differs from the SQL's")
    return "; ".join(problems) or None


# --- the benchmark --------------------------------------------------------------------------


def _fetch(port: int, target: str) -> tuple[float, bytes]:
    seconds, status, body, _ = read._get(port, target)
    if status != 200:
        raise RuntimeError(f"GET {target}: HTTP {status}: {body[:300]!r}")
    return seconds, body


def _http(server: common.Server, cache: read.Cache, repeats: int) -> dict:
    """Medians per page; rounds interleave the pages (cold rounds first flush the cache)."""
    port = server.port
    dashboard, services_path = PAGES["cold"][1], PAGES["services"][1]
    filtered = PAGES["services_filtered"][1]
    for _ in range(2 * server.workers + 2):  # every worker: imports, templates, connections
        cache.flush()
        for target in (dashboard, dashboard, services_path, filtered):
            _fetch(port, target)
    times = {key: [] for key in PAGES}
    sizes = {}
    for round_ in range(2 * repeats):
        if round_ < repeats:
            cache.flush()
            seconds, body = _fetch(port, dashboard)
            times["cold"].append(seconds)
            sizes["cold"] = len(body)
        seconds, body2 = _fetch(port, dashboard)  # after the cold request: its warm-up
        times["warm"].append(seconds)
        sizes["warm"] = len(body2)
        if round_ < repeats:
            continue  # this round flushed the cache: the index is measured cold below
        for key, target in (("services", services_path), ("services_filtered", filtered)):
            seconds, body = _fetch(port, target)
            times[key].append(seconds)
            sizes[key] = len(body)
    for _ in range(repeats):
        cache.flush()
        seconds, body = _fetch(port, services_path)
        times["services_cold"].append(seconds)
        sizes["services_cold"] = len(body)
    # What a browser (which asks for gzip) is sent; the timings above are of plain bytes.
    gzipped = {}
    for key, (_, target) in PAGES.items():
        _, status, body, headers = read._get(port, target, {"Accept-Encoding": "gzip"})
        encoding = {k.lower(): v for k, v in headers.items()}.get("content-encoding")
        gzipped[key] = len(body) if status == 200 and encoding == "gzip" else None
    cache.flush()
    return {
        key: {
            "ms": read._ms(t),
            "ms_all": [round(x * 1000, 2) for x in t],
            "runs": len(t),
            "bytes": sizes[key],
            "gzip_bytes": gzipped[key],
        }
        for key, t in times.items()
    }


def measure(db: common.Database, args, cache: read.Cache, records: int) -> dict:
    service_list = services()
    common.import_config(db, data_sets_config(service_list))
    noise = [f"bench-noise-{i:02d}" for i in range(1, read.NOISE_SETS + 1)]
    print(
        f"   {db.label}: loading {records:,} records (+ {read.NOISE_SETS} × "
        f"{read.NOISE_RECORDS:,} noise)",
        flush=True,
    )
    load = read._readload(
        db,
        "load",
        {
            "main": NAME,
            "records": records,
            "batch": read.LOAD_BATCH,
            "noise": [f"{g}_{DATA_TYPE}".replace("-", "_") for g in noise],
            "noise_records": read.NOISE_RECORDS,
        },
    )
    print(
        f"   loaded {load['records']:,} records in {load['seconds']:.1f} s; "
        f"{load['rollup_rows']:,} rollup rows",
        flush=True,
    )
    if load["stored_records"] != records:
        raise RuntimeError(f"{load['stored_records']:,} records stored, not {records:,}")
    t0 = time.perf_counter()
    common.import_config(db, dashboards_config(service_list))
    config_seconds = time.perf_counter() - t0
    sources = [
        {"slug": s["slug"], "source": f"{s['slug']}_{DATA_TYPE}".replace("-", "_")}
        for s in service_list
    ]
    summaries = _helper(db, "summaries", {"services": [*sources, {"slug": GROUP, "source": NAME}]})
    print(
        f"   imported 20 organisations and {SERVICES} dashboards in {config_seconds:.1f} s; "
        f"wrote {summaries['records']:,} KPI summaries in {summaries['seconds']:.1f} s",
        flush=True,
    )
    if summaries["stored"] != SERVICES * len(KPI_ORDER):
        raise RuntimeError(f"{summaries['stored']} summaries stored, not {SERVICES * 5}")
    if db.kind == "postgres":
        conn = db.connect()
        try:
            conn.execute("VACUUM ANALYZE")
        finally:
            conn.close()
    data_set_id = db.data_set_id(NAME)
    summaries_id = db.data_set_id(SUMMARIES_NAME)
    load_average = common.load_average()
    raw_dash = raw_dashboard(db, data_set_id, min(args.repeats, RAW_DASHBOARD_RUNS))
    raw_index = raw_summaries(db, summaries_id, 2 * args.repeats)
    with common.Server(db, workers=args.workers, extra_env={"REDIS_URL": cache.url}) as server:
        pages = _http(server, cache, args.repeats)
        _, body = _fetch(server.port, f"{DASHBOARD_PATH}.json")
        _, index_json = _fetch(server.port, "/performance/services.json")
        cache.flush()
    problem = check(body, raw_dash["rows"])
    listed = len(json.loads(index_json)["services"])
    if listed != SERVICES:
        problem = (
            problem + "; " if problem else ""
        ) + f"services index lists {listed}, not {SERVICES}"
    out = {}
    for key, (title, path) in PAGES.items():
        target_key = key if key in TARGETS_MS else "services"
        raw = raw_index if key.startswith("services") else raw_dash
        limit = TARGETS_MS[target_key]
        out[key] = {
            "title": title,
            "path": path,
            **pages[key],
            "raw_ms": raw["ms"],
            "raw_over_page": raw["ms"] / pages[key]["ms"],
            "target": f"<{limit:.0f} ms" if limit is not None else "(info)",
            "passed": limit is None or pages[key]["ms"] < limit,
        }
    failed = [k for k, v in out.items() if not v["passed"]]
    profiled = {}
    if failed:
        profiled = _helper(
            db,
            "profile",
            {
                "pages": {k: [out[k]["path"], k == "cold"] for k in failed},
                "repeats": 5,
            },
        )
    return {
        "database": db.kind,
        "label": db.label,
        "load": {**load, "records_per_second": common.rate(load["records"], load["seconds"])},
        "summaries": summaries,
        "pages": out,
        "raw_dashboard": {k: v for k, v in raw_dash.items() if k != "rows"},
        "raw_services": raw_index,
        "check": problem or "every module has data; three modules equal the raw SQL",
        "profiles": profiled,
        "load_average": load_average,
        "passed": not failed and problem is None,
    }


def _print(result: dict) -> None:
    rows = []
    for p in result["pages"].values():
        rows.append(
            [
                p["title"],
                f"{p['ms']:.2f}",
                p["runs"],
                f"{p['bytes']:,}",
                f"{p['gzip_bytes']:,}" if p.get("gzip_bytes") else "-",
                f"{p['raw_ms']:.2f}",
                read._ratio(p["raw_over_page"]),
                p["target"],
                ("PASS" if p["passed"] else "FAIL") if p["target"] != "(info)" else "-",
            ]
        )
    print()
    print(
        f"{result['label']}: medians in ms (load average {result['load_average']} before "
        "the requests)"
    )
    print(
        common.table(
            ["page", "median", "runs", "bytes", "gzip", "raw", "raw/page", "target", "result"],
            rows,
        )
    )
    each = result["raw_dashboard"]["each_ms"]
    print(
        "raw: dashboard = the 12 modules' SQL in a row ("
        + ", ".join(f"{slug} {ms:.1f}" for slug, ms in each.items())
        + f"); services = SELECT data of {result['summaries']['stored']:,} summaries"
    )
    print(f"check: {result['check']}")
    for key, prof in result["profiles"].items():
        print(
            f"   {key} missed its target; in-process (test client, local-memory cache): "
            f"{prof['ms']:.1f} ms, {prof['sql_statements']} SQL statements taking "
            f"{prof['sql_ms']:.1f} ms; slowest:"
        )
        for s in prof["slowest_sql"]:
            print(f"      {s['ms']:7.2f} ms  {s['sql'][:150]}")
        print("      cProfile of 5 requests (cumulative, request plumbing left out):")
        for line in _profile_lines(prof["profile"])[:32]:
            print(f"         {line}")


_PATH_PREFIX = re.compile(r"/\S*/(?:site-packages|src)/")
# Frames every request passes through: left out of the printed profile (kept in the JSON).
_PLUMBING = (
    "bench/site.py",
    "django/test/",
    "django/core/handlers/",
    "django/utils/deprecation.py",
    "whitenoise/",
    "site/caching.py",
)


def _profile_lines(text: str) -> list[str]:
    """The cumulative section of a pstats text, paths shortened, plumbing frames dropped."""
    out = []
    for line in text.split("Ordered by: internal time")[0].splitlines():
        if not line.strip() or line.lstrip().startswith(("Ordered by", "List reduced")):
            continue
        if any(p in line for p in _PLUMBING):
            continue
        out.append(_PATH_PREFIX.sub("", line).rstrip()[:150])
    return out


@register("site", "dashboard page cold and warm, and the services index, over HTTP vs raw SQL")
def run(args) -> dict:
    records = args.read_records
    repeats, redis_url = args.repeats, args.redis_url
    db_args = argparse.Namespace(
        **{**vars(args), "postgres_db": getattr(args, "site_postgres_db", "pp_bench_site")}
    )
    cache = read.Cache(redis_url)
    load_before = common.load_average()
    print(
        f"== site: {records:,} records (the read benchmark's data) behind a 12-module "
        f"dashboard; {SERVICES} services with {len(KPI_ORDER)} KPI summaries each over "
        f"{len(DEPARTMENTS) + len(AGENCIES)} organisations; serve --workers {args.workers} "
        f"with the cache in {redis_url}; medians of {repeats} (cold) and {2 * repeats} "
        f"(warm, services); {common.cpu_count()} CPU core(s); load average {load_before}",
        flush=True,
    )
    results = []
    for kind in args.databases:
        with common.fresh_database(kind, db_args) as db:
            if db is None:
                results.append({"database": kind, "skipped": "server unreachable"})
                continue
            result = measure(db, db_args, cache, records)
            _print(result)
            results.append(result)
    print()
    for title, path in PAGES.values():
        print(f"{title}: GET {path}")
    print(
        "targets (issue): dashboard cold < 300 ms and warm < 20 ms, services index < 100 ms; "
        "raw/page = the raw baseline's time over the page's"
    )
    measured = [r for r in results if "skipped" not in r]
    result = {
        "benchmark": "site",
        "finished_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "records": records,
        "services": SERVICES,
        "kpi_summaries": SERVICES * len(KPI_ORDER),
        "modules": [m["config"] for m in MODULES],
        "serve_workers": args.workers,
        "repeats": {"cold": repeats, "warm": 2 * repeats, "services": 2 * repeats},
        "redis_url": redis_url,
        "cpu_cores": common.cpu_count(),
        "load_average_before_after": [load_before, common.load_average()],
        "results": results,
        "passed": bool(measured) and all(r["passed"] for r in measured),
    }
    path = common.write_results("site", result)
    print(f"results: {path.relative_to(common.ROOT)}")
    return result


COMMANDS = {"summaries": write_summaries, "profile": profile}


def main() -> int:
    if len(sys.argv) != 2 or sys.argv[1] not in COMMANDS:
        print(f"usage: python -m bench.site {{{'|'.join(COMMANDS)}}} < spec.json")
        return 2
    spec = json.load(sys.stdin)
    import django

    django.setup()
    out = COMMANDS[sys.argv[1]](spec)
    sys.stdout.write(json.dumps(out, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
