"""KPI summaries: per service and KPI, the latest and previous value, the change, freshness.

``kpi_summary`` transforms write one record per service and KPI into a shared data set
(``performance-platform/kpi-summaries`` by default), so the services index reads a few
hundred small records instead of querying every service's data.

Everything that shows a summary (a dashboard's KPI tiles, the services index) reads
these records through the query engine, exactly as ``/data/.../kpi-summaries`` returns
them, so a tile always says what its data link says. Staleness changes with the clock
and with writes that change no figure, so the stored verdict is kept current by
:func:`refresh_staleness`, which the scheduled freshness check and every raw write run
(see :mod:`.staleness` for the rule).
"""

from datetime import UTC, datetime, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from performance_platform.datastore.models import DataSet
from performance_platform.datastore.periods import week_start
from performance_platform.lib import formatting

from . import catalogue
from .change import PERIOD_WORDS, change, change_text, display, is_number, period_name
from .computing import encode_id
from .errors import TransformError
from .options import option
from .reading import read, read_periods
from .staleness import freshness_of, refreshed, root_sources
from .storing import store_changed

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


def _dt(text) -> datetime | None:
    if not isinstance(text, str):
        return None
    parsed = parse_datetime(text)
    return parsed.astimezone(UTC) if parsed else None


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
    if not is_number(value):
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
        "weeks": weeks,
        "weeks_with_data": totals["current"][1],
        "previous_value": totals["previous"][0] if totals["previous"][1] else None,
        "previous_start_at": previous_start.isoformat() if totals["previous"][1] else None,
        "previous_end_at": start.isoformat() if totals["previous"][1] else None,
    }


def summarise(kpi: str, data_set: DataSet, options: dict, *, now) -> dict:
    """One KPI's figures for one service, read from ``data_set`` (see :mod:`.catalogue`)."""
    entry = catalogue.get(kpi)
    unit, extras = entry.unit, entry.extras
    value_key = option(options, "value_attribute", entry.value_field)
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
        "title": entry.title,
        "unit": unit,
        "display": display(body.get("value"), unit),
        "period_label": _period_label(body, start, end, period),
        "change_text": change_text(moved, unit, period if period in PERIOD_WORDS else None),
        "change": moved.absolute,
        "relative_change": moved.relative,
        "direction": moved.direction,
        "last_updated": fresh["last_updated"],
        "stale": fresh["stale"],
        "sources": ",".join(s.name for s in sources),
        "source_data_set": data_set.name,
    }


def _partial(body: dict) -> bool:
    """Whether a yearly total covers only some of its weeks (a new service, say)."""
    weeks, found = body.get("weeks"), body.get("weeks_with_data")
    return body.get("value") is not None and bool(weeks) and found is not None and found < weeks


def _period_label(body: dict, start, end, period) -> str:
    """The period in words. A yearly total with data for only some of its weeks says so
    ("12 weeks of data to 29 November 2026"), rather than naming a whole year that the
    figure does not cover."""
    if not (start and end):
        return ""
    if _partial(body):
        found = body["weeks_with_data"]
        last_day = formatting.format_date(end - timedelta(days=1))
        return f"{found} week{'' if found == 1 else 's'} of data to {last_day}"
    return formatting.period_label(start, end, period)


def summary_records(transform, data_set: DataSet, *, now) -> list[dict]:
    """The kpi_summary transform: one record for (service, KPI), with a fixed id."""
    options = transform.options or {}
    kpi = options["kpi"]
    body = summarise(kpi, data_set, options, now=now)
    return [{"_id": encode_id(data_set.data_group.name, kpi), **body}]


def latest_value_records(transform, data_set: DataSet, *, now) -> list[dict]:
    """The original's latest_dataset_value: the newest value, one record per service."""
    type_name = data_set.data_type.name
    key = (transform.options or {}).get("value_attribute") or catalogue.VALUE_FIELDS.get(type_name)
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
    group, data_type = catalogue.SUMMARIES_OUTPUT
    return (
        DataSet.objects.filter(data_group__name=group, data_type__name=data_type)
        .select_related("data_group", "data_type")
        .first()
    )


def data_url(service: str, kpi: str | None = None) -> str:
    """The read-API address of a service's summaries (one KPI's, when given)."""
    group, data_type = catalogue.SUMMARIES_OUTPUT
    url = f"/data/{group}/{data_type}?filter_by=service:{service}"
    return f"{url}&filter_by=kpi:{kpi}" if kpi else url


def read_summaries(params: dict, *, now=None, data_set: DataSet | None = None) -> list[dict]:
    """Summary records exactly as ``/data/performance-platform/kpi-summaries?<params>``
    returns them (the same query engine, the same stored staleness)."""
    data_set = data_set or summaries_data_set()
    if data_set is None:
        return []
    return read(data_set, params, now=now or timezone.now())


def all_summaries(*, now=None, data_set: DataSet | None = None) -> list[dict]:
    """Every stored KPI summary."""
    return read_summaries({}, now=now, data_set=data_set)


def service_kpis(service: str, *, now=None) -> dict[str, dict]:
    """The KPI figures of one service (a data group), keyed by KPI: the records its
    tiles' data links (:func:`data_url`) return.

    Each is read by its ``_id`` (fixed per service and KPI), which the engine finds by
    index: a scan of every summary for ``service`` costs ten times as much.
    """
    data_set = summaries_data_set()
    found = {}
    for kpi in catalogue.KEYS:
        rows = read_summaries(
            {"filter_by": f"_id:{encode_id(service, kpi)}"}, now=now, data_set=data_set
        )
        found.update((row["kpi"], row) for row in rows if row.get("service") == service)
    return found


def refresh_staleness(*, now=None, sources=None) -> int:
    """Rewrite stored summaries whose freshness has changed since written. Returns how many.

    Run by the scheduled freshness check (staleness that arrives with the clock) and
    after raw writes (a re-sent figure that changes nothing still makes its data fresh),
    so ``/data/.../kpi-summaries``, the tiles and the services index show it. With
    ``sources`` (data set names), only summaries computed from one of them are judged.
    """
    now = now or timezone.now()
    data_set = summaries_data_set()
    if data_set is None:
        return 0
    changed = refreshed(all_summaries(now=now, data_set=data_set), now, sources=sources)
    if not changed:
        return 0
    with transaction.atomic():
        DataSet.objects.select_for_update().filter(pk=data_set.pk).first()
        return store_changed(data_set, changed, now=now)
