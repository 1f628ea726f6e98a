"""The KPI engine: latest value, previous value, change in words and numbers, freshness.

``kpi_summary`` transforms write one record per service and KPI into a shared data set
(``performance-platform/kpi-summaries`` by default), so the services index reads a few
hundred small records instead of querying every service's data. Staleness changes with
the clock, not only with writes, so it is judged again when summaries are read
(:func:`service_kpis`) and refreshed in the stored records by the scheduled freshness
check (:func:`refresh_staleness`).
"""

import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.db.models import Q
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from performance_platform.datastore.models import DataSet
from performance_platform.datastore.periods import week_start
from performance_platform.lib import formatting

from .transforms import (
    DEFAULT_SUMMARY_OUTPUT,
    VALUE_KEYS,
    TransformError,
    encode_id,
    option,
    read,
)

KPIS = {
    # kpi: (unit, value attribute in the input data set, extra fields kept)
    "digital_takeup": ("percent", "rate", ("numerator", "denominator")),
    "completion_rate": ("percent", "rate", ("numerator", "denominator")),
    "user_satisfaction": (
        "percent",
        "score",
        ("num_responses", "rating_1", "rating_2", "rating_3", "rating_4", "rating_5"),
    ),
    "cost_per_transaction": ("currency", "cost_per_transaction", ("total_cost", "transactions")),
    "transactions_per_year": ("count", "count", ()),
}
TITLES = {
    "transactions_per_year": "Transactions per year",
    "cost_per_transaction": "Cost per transaction",
    "user_satisfaction": "User satisfaction",
    "completion_rate": "Completion rate",
    "digital_takeup": "Digital take-up",
}
PERIOD_WORDS = {"day", "week", "month", "quarter", "year"}
# A summary with no data yet: every figure present, and null.
EMPTY = {
    "value": None,
    "start_at": None,
    "end_at": None,
    "period": None,
    "previous_value": None,
    "previous_start_at": None,
    "previous_end_at": None,
}
# Relative changes smaller than this are "no change": floating-point noise, not news.
NO_CHANGE_TOLERANCE = 1e-9


@dataclass(frozen=True)
class Change:
    """The change from a previous value to a current one, in numbers and in words."""

    absolute: float | None
    relative: float | None
    # "up", "down" or "no change"; None when there is nothing to compare with.
    direction: str | None


def change(current, previous) -> Change:
    """Compare two figures. The relative change is None when the previous figure is 0."""
    if not _is_number(current) or not _is_number(previous):
        return Change(None, None, None)
    absolute = current - previous
    scale = max(abs(current), abs(previous), 1e-300)
    if abs(absolute) <= NO_CHANGE_TOLERANCE * scale:
        return Change(0, 0.0 if previous else None, "no change")
    relative = absolute / previous if previous else None
    return Change(absolute, relative, "up" if absolute > 0 else "down")


def _is_number(value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def display(value, unit: str) -> str:
    """A KPI value as shown: percentages, pounds (pence under £10), or 4.96m."""
    if value is None:
        return formatting.MISSING
    if unit == "percent":
        return formatting.format_percent(value)
    if unit == "currency":
        return formatting.format_currency(value)
    return formatting.format_number(value, magnitude=True)


def change_text(moved: Change, unit: str, previous_period: str | None = None) -> str:
    """The change in words and numbers, e.g. "up 1.4 percentage points"."""
    if moved.direction is None:
        return "no previous figure to compare with"
    if moved.direction == "no change":
        text = "no change"
    elif unit == "percent":
        points = abs(moved.absolute) * 100
        if points < 0.05:
            text = f"{moved.direction} less than 0.1 percentage points"
        else:
            shown = f"{points:.1f}".removesuffix(".0")
            text = f"{moved.direction} {shown} percentage point{'' if shown == '1' else 's'}"
    else:
        amount = display(abs(moved.absolute), unit)
        text = f"{moved.direction} {amount}"
        if moved.relative is not None:
            text += f" ({formatting.format_percent(moved.relative, show_signs=True)})"
    return f"{text} on the previous {previous_period}" if previous_period else text


def period_name(start: datetime, end: datetime) -> str:
    """Name the period a [start, end) span covers: day, week, month, quarter or year."""
    days = (end - start).days
    if days == 1:
        return "day"
    if days == 7:
        return "week"
    if 28 <= days <= 31:
        return "month"
    if 89 <= days <= 92:
        return "quarter"
    if 365 <= days <= 366:
        return "year"
    return f"{days} days"


def _dt(text) -> datetime | None:
    if not isinstance(text, str):
        return None
    parsed = parse_datetime(text)
    return parsed.astimezone(UTC) if parsed else None


# --- where a KPI's data comes from -------------------------------------------------------


def root_sources(data_set: DataSet, _seen=None) -> list[DataSet]:
    """The raw data sets a (possibly derived) data set is computed from.

    Walks back along transforms whose output is this data set. A data set no transform
    writes is its own root. Freshness is judged on roots: a derived data set is only as
    fresh as what it is derived from.
    """
    from .models import Transform

    seen = _seen if _seen is not None else set()
    if data_set.pk in seen:
        return []
    seen.add(data_set.pk)
    group = data_set.data_group_id
    upstream = Transform.objects.filter(enabled=True, output_type=data_set.data_type_id).filter(
        Q(output_group=group)
        | Q(output_group__isnull=True, input_group=group)
        | Q(output_group__isnull=True, input_group__isnull=True)
    )
    roots: list[DataSet] = []
    for transform in upstream:
        # Follow a transform only where this group has its main input: a type-wide
        # total-cost transform does not make a per-transaction service depend on volumes.
        main = (
            DataSet.objects.filter(data_group=group, data_type=transform.input_type_id)
            .select_related("data_group", "data_type")
            .first()
        )
        if main is None:
            continue
        sources = [main]
        if transform.also_reads_id:
            sources += list(
                DataSet.objects.filter(
                    data_group=group, data_type=transform.also_reads_id
                ).select_related("data_group", "data_type")
            )
        for source in sources:
            roots.extend(r for r in root_sources(source, seen) if r not in roots)
    return roots or [data_set]


def freshness_of(sources: list[DataSet], now: datetime) -> dict:
    """Combined freshness: stale if any source is; last updated = the least recent write."""
    stale = False
    last = None
    for source in sources:
        fresh = source.freshness(now)
        stale = stale or fresh.stale
        if fresh.last_updated is None:
            last = None if fresh.max_age_expected is not None else last
            continue
        last = fresh.last_updated if last is None else min(last, fresh.last_updated)
    return {"last_updated": last.astimezone(UTC).isoformat() if last else None, "stale": stale}


# --- summary records ------------------------------------------------------------------


def _latest_two(data_set: DataSet, now) -> list[dict]:
    return read(data_set, {"sort_by": "_timestamp:descending", "limit": "2"}, now=now)


def _period_summary(kpi: str, data_set: DataSet, value_key: str, extras, now) -> dict:
    rows = _latest_two(data_set, now)
    if not rows:
        return dict(EMPTY)
    current = rows[0]
    previous = rows[1] if len(rows) > 1 else None
    # Only the period just before counts as "previous": a gap is not a comparison.
    if previous is not None and previous.get("_end_at") != current.get("_start_at"):
        previous = None
    start = _dt(current.get("_start_at")) or _dt(current.get("_timestamp"))
    end = _dt(current.get("_end_at"))
    out = {
        "value": _value(current.get(value_key), kpi),
        "_timestamp": current.get("_timestamp"),
        "start_at": start.isoformat() if start else None,
        "end_at": end.isoformat() if end else None,
        "period": period_name(start, end) if start and end else None,
        "previous_value": _value(previous.get(value_key), kpi) if previous else None,
        "previous_start_at": previous.get("_start_at") if previous else None,
        "previous_end_at": previous.get("_end_at") if previous else None,
    }
    for key in extras:
        if key in current:
            out[key] = current[key]
    return out


def _value(value, kpi):
    if value is None:
        return None
    if not _is_number(value):
        raise TransformError(f"{kpi}: the latest value {value!r:.60} is not a number")
    return value


def _yearly_summary(data_set: DataSet, value_field: str, weeks: int, now) -> dict:
    latest = read(data_set, {"sort_by": "_timestamp:descending", "limit": "1"}, now=now)
    if not latest:
        return dict(EMPTY)
    last_week = week_start(_dt(latest[0]["_timestamp"]))
    try:
        end = last_week + timedelta(weeks=1)
        start = end - timedelta(weeks=weeks)
        previous_start = start - timedelta(weeks=weeks)
    except OverflowError:  # data at the calendar's edge: retrying cannot help
        raise TransformError(
            f"the {weeks} weeks to the latest record ({latest[0]['_timestamp']}) and the "
            f"{weeks} before them reach beyond the years 1 to 9999"
        )
    params = {
        "period": "week",
        "collect": [f"{value_field}:sum"],
        "flatten": "true",
        "start_at": previous_start.isoformat(),
        "end_at": end.isoformat(),
    }
    from .transforms import read_periods

    rows = read_periods(data_set, params, previous_start, end, now=now)
    totals = {"current": [0, 0], "previous": [0, 0]}
    for row in rows:
        which = "current" if _dt(row["_start_at"]) >= start else "previous"
        value = row.get(f"{value_field}:sum")
        if row.get("_count") and value is not None:
            totals[which][0] += value
            totals[which][1] += 1
    return {
        "value": totals["current"][0] if totals["current"][1] else None,
        "_timestamp": start.isoformat(),
        "start_at": start.isoformat(),
        "end_at": end.isoformat(),
        "period": "year" if weeks == 52 else f"{weeks} weeks",
        "weeks_with_data": totals["current"][1],
        "previous_value": totals["previous"][0] if totals["previous"][1] else None,
        "previous_start_at": previous_start.isoformat() if totals["previous"][1] else None,
        "previous_end_at": start.isoformat() if totals["previous"][1] else None,
    }


def summarise(kpi: str, data_set: DataSet, options: dict, *, now) -> dict:
    """One KPI's figures for one service, read from ``data_set`` (see :data:`KPIS`)."""
    unit, default_key, extras = KPIS[kpi]
    value_key = option(options, "value_attribute", default_key)
    if kpi == "transactions_per_year":
        body = _yearly_summary(data_set, value_key, option(options, "weeks", 52), now)
    else:
        body = _period_summary(kpi, data_set, value_key, extras, now)
    moved = change(body.get("value"), body.get("previous_value"))
    sources = root_sources(data_set)
    fresh = freshness_of(sources, now)
    body.setdefault("_timestamp", data_set.created_at.astimezone(UTC).isoformat())
    start, end = _dt(body.get("start_at")), _dt(body.get("end_at"))
    period = body.get("period")
    return {
        **body,
        "service": data_set.data_group.name,
        "kpi": kpi,
        "title": TITLES[kpi],
        "unit": unit,
        "display": display(body.get("value"), unit),
        "period_label": formatting.period_label(start, end, period) if start and end else "",
        "change_text": change_text(moved, unit, period if period in PERIOD_WORDS else None),
        "change": moved.absolute,
        "relative_change": moved.relative,
        "direction": moved.direction,
        "last_updated": fresh["last_updated"],
        "stale": fresh["stale"],
        "sources": ",".join(s.name for s in sources),
        "source_data_set": data_set.name,
    }


def summary_records(transform, data_set: DataSet, *, now) -> list[dict]:
    """The kpi_summary transform: one record for (service, KPI), with a fixed id."""
    options = transform.options or {}
    kpi = options["kpi"]
    body = summarise(kpi, data_set, options, now=now)
    return [{"_id": encode_id(data_set.data_group.name, kpi), **body}]


def latest_value_records(transform, data_set: DataSet, *, now) -> list[dict]:
    """The original's latest_dataset_value: the newest value, one record per service."""
    type_name = data_set.data_type.name
    key = (transform.options or {}).get("value_attribute") or VALUE_KEYS.get(type_name)
    if key is None:
        raise TransformError(
            f"latest_dataset_value does not know which field of {type_name} to use; "
            "set the value_attribute option"
        )
    rows = read(data_set, {"sort_by": "_timestamp:descending", "limit": "1"}, now=now)
    if not rows or rows[0].get(key) is None:
        return []
    slug = data_set.data_group.name
    field = type_name.replace("-", "_")
    return [
        {
            "_id": encode_id(slug, field),
            "_timestamp": rows[0]["_timestamp"],
            "dashboard_slug": slug,
            "service_id": slug,
            field: rows[0][key],
        }
    ]


# --- reading summaries -----------------------------------------------------------------


def summaries_data_set() -> DataSet | None:
    """The default summaries data set, if any summary has been written."""
    group, data_type = DEFAULT_SUMMARY_OUTPUT
    return (
        DataSet.objects.filter(data_group__name=group, data_type__name=data_type)
        .select_related("data_group", "data_type")
        .first()
    )


def _live(record: dict, now, cache: dict) -> dict:
    """A stored summary with its staleness judged again, now.

    ``cache`` maps data set names to data sets; names not in it are looked up (one
    query per call), so callers with many records fill it first with :func:`_load`.
    """
    names = [n for n in (record.get("sources") or "").split(",") if n]
    missing = [n for n in names if n not in cache]
    if missing:
        _load(cache, missing)
    found = [cache[n] for n in names if cache.get(n) is not None]
    if not found:
        return record
    return {**record, **freshness_of(found, now)}


def _load(cache: dict, names) -> None:
    """Fetch data sets by name into ``cache`` (None for names that do not exist)."""
    names = list(dict.fromkeys(names))
    for start in range(0, len(names), 500):
        chunk = names[start : start + 500]
        for data_set in DataSet.objects.filter(name__in=chunk):
            cache[data_set.name] = data_set
        for name in chunk:
            cache.setdefault(name, None)


def all_summaries(*, now=None, data_set: DataSet | None = None) -> list[dict]:
    """Every stored KPI summary, with freshness as of ``now``."""
    now = now or timezone.now()
    data_set = data_set or summaries_data_set()
    if data_set is None:
        return []
    from performance_platform.datastore.models import Record

    rows = list(Record.objects.filter(data_set=data_set).values_list("data", flat=True))
    cache: dict = {}
    _load(cache, (n for row in rows for n in (row.get("sources") or "").split(",") if n))
    return [_live(row, now, cache) for row in rows]


def service_kpis(service: str, *, now=None) -> dict[str, dict]:
    """The KPI figures of one service (a data group), keyed by KPI, as of ``now``."""
    now = now or timezone.now()
    data_set = summaries_data_set()
    if data_set is None:
        return {}
    from performance_platform.datastore.models import Record

    cache: dict = {}
    # By record id (fixed per service and KPI): an index lookup, not a scan of the JSON.
    ids = [encode_id(service, kpi) for kpi in KPIS]
    rows = Record.objects.filter(data_set=data_set, record_id__in=ids).values_list(
        "data", flat=True
    )
    return {row["kpi"]: _live(row, now, cache) for row in rows if row.get("service") == service}


def refresh_staleness(*, now=None) -> int:
    """Rewrite stored summaries whose stale flag has changed since written. Returns how many.

    Run by the scheduled freshness check, so ``/data/.../kpi-summaries`` (and the
    services index built on it) shows staleness that arrived with the clock.
    """
    from .transforms import _store_changed

    now = now or timezone.now()
    data_set = summaries_data_set()
    if data_set is None:
        return 0
    from performance_platform.datastore.models import Record

    rows = list(Record.objects.filter(data_set=data_set).values_list("data", flat=True))
    cache: dict = {}
    _load(cache, (n for row in rows for n in (row.get("sources") or "").split(",") if n))
    changed = []
    for row in rows:
        live = _live(row, now, cache)
        if live.get("stale") != row.get("stale") or live.get("last_updated") != row.get(
            "last_updated"
        ):
            changed.append(
                {
                    k: v
                    for k, v in live.items()
                    if k == "_id" or k == "_timestamp" or not k.startswith("_")
                }
            )
    if not changed:
        return 0
    from django.db import transaction

    with transaction.atomic():
        DataSet.objects.select_for_update().filter(pk=data_set.pk).first()
        return _store_changed(data_set, changed, now=now)
