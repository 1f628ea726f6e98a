"""A module's read-API query: its parameters (as its download links give them) and its rows."""

from datetime import datetime
from urllib.parse import urlencode

from performance_platform.datastore.models import DataSet
from performance_platform.datastore.query import QueryError, ranges, run_query

from .base import Range
from .periods import _dt, whole_periods

# Periods the original added when a query had a period but no range (its default lengths).
DEFAULT_DURATIONS = {"hour": 24, "day": 30, "week": 9, "month": 12, "quarter": 24}


def module_params(module, *, date_range: Range | None = None, extra: dict | None = None) -> dict:
    """The read-API parameters for a module: its query, the type's additions, a range."""
    params = {k: v for k, v in (module.query or {}).items()}
    params.update(extra or {})
    if date_range is not None:
        params.pop("duration", None)
        if date_range.period:
            params["period"] = date_range.period
        start, end = whole_periods(params.get("period"), date_range.start, date_range.end)
        params["start_at"] = start.isoformat().replace("+00:00", "Z")
        params["end_at"] = end.isoformat().replace("+00:00", "Z")
    elif (
        params.get("period")
        and not params.get("duration")
        and not (params.get("start_at") and params.get("end_at"))
    ):
        params["duration"] = DEFAULT_DURATIONS.get(params["period"], 12)
    if module.type != "grouped_timeseries":
        params.setdefault("flatten", "true")
    return params


def query_string(params: dict) -> str:
    """``params`` as a URL query string, repeated keys for lists."""
    pairs = []
    for key, value in params.items():
        for item in value if isinstance(value, list | tuple) else [value]:
            pairs.append((key, str(item)))
    return urlencode(pairs)


def data_set_for(module) -> DataSet | None:
    """The module's data set, or None."""
    if not (module.data_group_id and module.data_type_id):
        return None
    return (
        DataSet.objects.filter(data_group_id=module.data_group_id, data_type_id=module.data_type_id)
        .select_related("data_group", "data_type")
        .first()
    )


def fetch(data_set: DataSet, params: dict, *, now: datetime) -> list[dict]:
    """Run the module's query through the read API's own entry point."""
    return run_query(data_set, params, now=now)["data"]


def max_timeshift(options: dict) -> int:
    """The most periods any y series of a grouped time series looks back (0: none)."""
    ys = (options.get("axes") or {}).get("y") or []
    return max((int(y.get("timeshift") or 0) for y in ys if isinstance(y, dict)), default=0)


def widen_for_timeshift(params: dict, periods: int) -> dict:
    """``params`` reaching ``periods`` periods further back, for the comparison lines.

    The extra periods are fetched in the same query (so the API link still reproduces
    every figure) and shown only as the shifted series, never as periods of their own.
    """
    period = params.get("period")
    if not period or periods <= 0:
        return params
    out = dict(params)
    try:
        if out.get("duration"):
            out["duration"] = int(out["duration"]) + periods
        elif out.get("start_at"):
            start = _dt(out["start_at"])
            if start is None:
                return params
            moved = ranges.add(period, start, -periods)
            out["start_at"] = moved.isoformat().replace("+00:00", "Z")
    except (QueryError, ValueError):
        return params  # at the edge of the calendar: the comparison starts later
    return out
