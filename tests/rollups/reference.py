"""A naive, in-Python reference implementation of the read API's aggregate queries.

This is the oracle the property tests compare the query engine against. It is written
from the specification (backdrop-api.md sections 3.5-3.8 and our documented rules), not
from ``query/engine.py`` or ``query/sql.py``, and deliberately does everything the slow,
obvious way: loop over every record, bucket it, put it in a dict.

Input records are dicts as the raw read API returns them (``_timestamp`` as ISO text).
A query is a plain dict::

    {
        "start_at": datetime | None, "end_at": datetime | None,   # UTC, absolute only
        "inclusive": bool,
        "period": None | "hour" | "day" | "week" | "month" | "quarter" | "year",
        "group_by": [field, ...],
        "filter_by": [(field, "text"), ...],     # "true"/"false" mean the booleans
        "collect": [(field, None | "sum" | "mean" | "count" | "set"), ...],
        "flatten": bool,
    }

Relative ranges (``duration``) and the shift toward the data are not modelled. Sums are
computed exactly and rounded once (the engine's float sums may differ in the last bits,
so tests compare floats with a tolerance); SQLite refuses integer sums past 64 bits sooner.
"""

from datetime import UTC, datetime, timedelta
from fractions import Fraction

INVALID_COLLECT = "invalid collect function"
TOO_LARGE = "A sum is too large to compute"
MISSING = object()


class InvalidCollect(Exception):
    """sum or mean over a value that is not a number: the API answers 400."""


class TooLarge(InvalidCollect):
    """A sum beyond 64-bit integers, or a float sum or mean beyond the double range."""


# --- values -------------------------------------------------------------------------------


def is_number(value) -> bool:
    return type(value) in (int, float)


def order(value):
    """Numbers, then text, then booleans (false first), then null."""
    if is_number(value):
        return (0, value, "")
    if isinstance(value, str):
        return (1, 0, value)
    if isinstance(value, bool):
        return (2, int(value), "")
    return (3, 0, "")


def same(a, b) -> bool:
    """JSON equality: 1 == 1.0, but a boolean is never a number or a string."""
    if is_number(a) and is_number(b):
        return a == b
    return type(a) is type(b) and a == b


def filter_value(text: str):
    return {"true": True, "false": False}.get(text, text)


# --- time ---------------------------------------------------------------------------------


def parse_ts(text: str) -> datetime:
    value = datetime.fromisoformat(text)
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def iso(value: datetime) -> str:
    return value.astimezone(UTC).isoformat()


def period_start(period: str, ts: datetime) -> datetime:
    ts = ts.astimezone(UTC)
    hour = datetime(ts.year, ts.month, ts.day, ts.hour, tzinfo=UTC)
    day = datetime(ts.year, ts.month, ts.day, tzinfo=UTC)
    if period == "hour":
        return hour
    if period == "day":
        return day
    if period == "week":
        return day - timedelta(days=day.weekday())
    if period == "month":
        return datetime(ts.year, ts.month, 1, tzinfo=UTC)
    if period == "quarter":
        return datetime(ts.year, 1 + 3 * ((ts.month - 1) // 3), 1, tzinfo=UTC)
    if period == "year":
        return datetime(ts.year, 1, 1, tzinfo=UTC)
    raise ValueError(period)


def next_start(period: str, start: datetime) -> datetime:
    """The start of the bucket after the one starting at ``start``."""
    if period == "hour":
        return start + timedelta(hours=1)
    if period == "day":
        return start + timedelta(days=1)
    if period == "week":
        return start + timedelta(days=7)
    months = {"month": 1, "quarter": 3, "year": 12}[period]
    index = start.year * 12 + (start.month - 1) + months
    return datetime(index // 12, index % 12 + 1, 1, tzinfo=UTC)


def bucket_list(period: str, start: datetime, end: datetime) -> list[datetime]:
    """Every bucket from the one holding ``start`` until ``end`` (rounded up)."""
    out = []
    current = period_start(period, start)
    while current < end:
        out.append(current)
        current = next_start(period, current)
    return out


# --- collect ------------------------------------------------------------------------------


def collect_value(records: list[dict], field: str, method):
    """The value of one collect over a cell's records (None when the cell is empty)."""
    values = [r.get(field, MISSING) for r in records]
    values = [v for v in values if v is not MISSING and v is not None]
    if method in ("sum", "mean"):
        if any(not is_number(v) for v in values):
            raise InvalidCollect(INVALID_COLLECT)
        if not values:
            return None
        exact = sum(Fraction(v) for v in values)  # no rounding until the end
        if method == "mean":
            exact /= len(values)
        elif not any(isinstance(v, float) for v in values):
            if not -(2**63) <= exact < 2**63:
                raise TooLarge(TOO_LARGE)
            return int(exact)
        try:
            return float(exact)
        except OverflowError:
            raise TooLarge(TOO_LARGE) from None
    if method == "count":
        return len(values)
    distinct = []
    for v in sorted(values, key=order):
        if not any(same(v, d) for d in distinct):
            distinct.append(v)
    return distinct


def collect_keys(query: dict, records: list[dict] | None) -> dict:
    """The collect keys of one row; ``records=None`` for a gap-filled bucket."""
    out = {}
    for field, method in query.get("collect", []):
        name = f"{field}:{method or 'set'}"
        if records is None:
            out[name] = None
            continue
        out[name] = collect_value(records, field, method)
        if method is None:
            out[field] = list(out[name])
    return out


# --- the query ----------------------------------------------------------------------------


def matching(records: list[dict], query: dict) -> list[dict]:
    """Records inside the time range, passing every filter, having every group field."""
    start, end = query.get("start_at"), query.get("end_at")
    inclusive = query.get("inclusive", False)
    out = []
    for record in records:
        ts = parse_ts(record["_timestamp"])
        if start is not None and ts < start:
            continue
        if end is not None and (ts > end if inclusive else ts >= end):
            continue
        if any(
            field not in record or not same(record[field], filter_value(text))
            for field, text in query.get("filter_by", [])
        ):
            continue
        if any(field not in record for field in query.get("group_by", [])):
            continue
        out.append(record)
    return out


def group_key(record: dict, group_by) -> tuple:
    return tuple(record[f] for f in group_by)


def key_order(key: tuple) -> tuple:
    return tuple(order(v) for v in key)


def tag(value):
    """A dict key for a JSON value: JSON equality (1 == 1.0, but true is not 1)."""
    if is_number(value):
        return ("number", value)
    return (type(value).__name__, value)


def tags(key: tuple) -> tuple:
    return tuple(tag(v) for v in key)


def run(records: list[dict], query: dict) -> list[dict]:
    """The ``data`` list the read API returns for ``query``; raises InvalidCollect."""
    group_by = list(query.get("group_by", []))
    period = query.get("period")
    if not group_by and not period:
        raise ValueError("the oracle covers aggregate queries only")
    chosen = matching(records, query)

    # Group the records (keyed by tags; the values first seen are the ones shown).
    shown: dict[tuple, tuple] = {}
    groups: dict[tuple, list[dict]] = {}
    for record in chosen:
        key = group_key(record, group_by)
        shown.setdefault(tags(key), key)
        groups.setdefault(tags(key), []).append(record)
    ordered_groups = sorted(groups, key=lambda t: key_order(shown[t]))

    if not period:
        rows = []
        for key in ordered_groups:
            members = groups[key]
            row = dict(zip(group_by, shown[key]))
            row["_count"] = len(members)
            row.update(collect_keys(query, members))
            rows.append(row)
        return rows

    starts = bucket_list(period, query["start_at"], query["end_at"])

    def bucket_rows(members: list[dict]) -> tuple[list[dict], int]:
        by_bucket: dict[datetime, list[dict]] = {}
        for record in members:
            start = period_start(period, parse_ts(record["_timestamp"]))
            by_bucket.setdefault(start, []).append(record)
        rows = []
        for start in starts:
            inside = by_bucket.get(start)
            row = {
                "_start_at": iso(start),
                "_end_at": iso(next_start(period, start)),
                "_count": len(inside) if inside else 0,
            }
            row.update(collect_keys(query, inside if inside else None))
            rows.append(row)
        return rows, len(by_bucket)

    if not group_by:
        rows, _ = bucket_rows(chosen)
        return rows

    if query.get("flatten"):
        distinct = []
        for i in range(len(group_by)):
            values = {}
            for key in ordered_groups:
                values.setdefault(tag(shown[key][i]), shown[key][i])
            distinct.append(sorted(values.values(), key=order))
        combos = [()]
        for values in distinct:
            combos = [c + (v,) for c in combos for v in values]
        rows = []
        series = [(combo, bucket_rows(groups.get(tags(combo), []))[0]) for combo in combos]
        for index in range(len(starts)):
            for combo, values in series:
                row = dict(zip(group_by, combo))
                row.update(values[index])
                rows.append(row)
        return rows

    rows = []
    for key in ordered_groups:
        members = groups[key]
        values, non_empty = bucket_rows(members)
        row = dict(zip(group_by, shown[key]))
        row["_count"] = len(members)
        row["_group_count"] = non_empty
        row.update(collect_keys(query, members))
        row["values"] = values
        rows.append(row)
    return rows
