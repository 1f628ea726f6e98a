"""Plan and run a validated query, and shape the result like the original read API.

The planner answers from the rollups whenever they hold what the query needs
(see :func:`can_use_rollup`) and from the records otherwise. Among the rollups it picks
the coarsest level whose rows fit the query's range and period (:func:`rollup_level`):
monthly rows, weekly rows or daily rows. Every path returns the same intermediate
cells, so everything after the SQL is shared and the paths give identical responses.
"""

import itertools
import math
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal

import orjson
from django.db import DatabaseError, connection
from django.utils.dateparse import parse_datetime

from ..rollups import NUMBER, TEXT
from ..validation import iso
from . import ranges, sql
from .params import Query, QueryError

INVALID_COLLECT = "invalid collect function"
TOO_LARGE = "A sum is too large to compute"


@dataclass
class Window:
    """The resolved time range of a query and the buckets to show."""

    start: datetime | None
    end: datetime | None
    direction: str = "forward"  # which way a relative range moves toward the data


MAX_BUCKETS = 20_000
# The shortest length of each period, to bound how many buckets a range can hold.
_SHORTEST = {
    "hour": 3600,
    "day": 86400,
    "week": 7 * 86400,
    "month": 28 * 86400,
    "quarter": 89 * 86400,
    "year": 365 * 86400,
}


def _check_size(q: Query, window: Window) -> None:
    """Refuse a query whose periods could not all be shown (one GET must stay cheap)."""
    if not q.period:
        return
    if q.duration and q.duration > MAX_BUCKETS:
        raise QueryError(
            f"'duration' may be at most {MAX_BUCKETS} periods in one query", "duration"
        )
    if window.start is not None and window.end is not None:
        seconds = (window.end - window.start).total_seconds()
        if seconds / _SHORTEST[q.period] > MAX_BUCKETS + 2:
            raise QueryError(
                f"The range holds more than {MAX_BUCKETS} periods of a {q.period}: "
                "choose a longer period or a shorter range",
                "period",
            )


def resolve_window(q: Query, now: datetime) -> Window:
    """Turn start_at/end_at/duration into a concrete range (UTC); refuse huge ones."""
    window = _resolve(q, now)
    _check_size(q, window)
    return window


def _resolve(q: Query, now: datetime) -> Window:
    if q.duration and q.duration > MAX_BUCKETS:
        raise QueryError(
            f"'duration' may be at most {MAX_BUCKETS} periods in one query", "duration"
        )
    if q.duration:
        p = q.period
        if q.start_at is not None:
            start = ranges.start(p, q.start_at)
            return Window(start, ranges.add(p, start, q.duration, blame="duration"), "forward")
        end = ranges.start(p, q.end_at if q.end_at is not None else now)
        return Window(ranges.add(p, end, -q.duration, blame="duration"), end, "backward")
    return Window(q.start_at, q.end_at)


def bucket_starts(q: Query, window: Window) -> list[datetime]:
    """Every bucket the response shows, in order."""
    if q.duration:
        return [ranges.add(q.period, window.start, i) for i in range(q.duration)]
    if window.start is None or window.end is None:
        return []
    return ranges.buckets(q.period, window.start, window.end)


# --- planning -----------------------------------------------------------------------------


def _aligned(value: datetime | None) -> bool:
    return value is None or (value.hour, value.minute, value.second, value.microsecond) == (
        0,
        0,
        0,
        0,
    )


def can_use_rollup(data_set, q: Query, window: Window) -> bool:
    """True when the daily rollup holds exactly what this query needs.

    Needs: an aggregate query (group_by and/or a period of a day or longer); a range
    on midnight boundaries (and not inclusive of its end); only group_by and filter_by
    fields that are dimensions; only sum and mean collects, of fields that are measures.
    """
    if not data_set.rollup or q.is_raw or q.period == "hour" or q.filter_by_prefix:
        return False
    if not (_aligned(window.start) and _aligned(window.end)):
        return False
    if q.inclusive and window.end is not None:
        return False
    kinds = data_set.field_kinds or {}
    declared = data_set.dimensions
    for field in (*q.group_by, *(f for f, _ in q.filter_by)):
        if field.startswith("_"):
            return False  # internal fields live only in the records
        if declared is not None:
            if field not in declared:
                return False
        elif kinds.get(field, 0) & NUMBER:
            return False
    for field, method in q.collect:
        if method not in ("sum", "mean"):
            return False
        if declared is not None:
            if field in declared:
                return False
        elif kinds.get(field, 0) & TEXT:
            return False
    return True


def _on_week(value: datetime | None) -> bool:
    return value is None or value.weekday() == 0


def _on_month(value: datetime | None) -> bool:
    return value is None or value.day == 1


def fitting_levels(q: Query, window: Window) -> list[str]:
    """The rollup levels whose rows answer ``q`` exactly, coarsest first.

    Call only when :func:`can_use_rollup` is true (the range is on midnights). Monthly
    rows serve month, quarter and year periods, and queries without a period, when the
    range starts and ends on the first of a month; weekly rows serve week periods and
    period-less queries on Mondays; daily rows serve every rollup query.
    """
    ends = (window.start, window.end)
    levels = []
    if q.period in (None, "month", "quarter", "year") and all(_on_month(v) for v in ends):
        levels.append("month")
    if q.period in (None, "week") and all(_on_week(v) for v in ends):
        levels.append("week")
    levels.append("day")
    return levels


def rollup_level(q: Query, window: Window) -> str:
    """The coarsest fitting level (see :func:`fitting_levels`): fewest rows to read."""
    return fitting_levels(q, window)[0]


# --- fetching cells -------------------------------------------------------------------


def _decode(value):
    if isinstance(value, str):
        return orjson.loads(value)
    if isinstance(value, bytes | bytearray | memoryview):
        return orjson.loads(bytes(value))
    return value


def _bucket(value) -> datetime:
    if isinstance(value, str):
        value = parse_datetime(value)
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def _number(value):
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value if value is not None else 0


class Cells(dict):
    """(bucket, group key) -> {"count", "measures", "n", "sets"}.

    Group keys hold the group values, except that true/false become :class:`Flag`, because
    in Python ``True == 1`` and ``False == 0`` while in JSON they are different groups.
    """


class Flag:
    """A true/false group value as part of a dict key (never equal to a number)."""

    __slots__ = ("value",)

    def __init__(self, value: bool):
        self.value = value

    def __eq__(self, other):
        return isinstance(other, Flag) and other.value is self.value

    def __hash__(self):
        return hash((Flag, self.value))


_FLAGS = {True: Flag(True), False: Flag(False)}


def group_key(values) -> tuple:
    """The dict key of a combination of group values (see :class:`Cells`)."""
    return tuple(_FLAGS[v] if isinstance(v, bool) else v for v in values)


def group_values(key: tuple) -> tuple:
    """The group values a key stands for."""
    return tuple(v.value if isinstance(v, Flag) else v for v in key)


def _run(cursor, statement, params):
    try:
        cursor.execute(statement, params)
        return cursor.fetchall()
    except DatabaseError as exc:
        # An integer sum beyond 64 bits is the one database error a query can cause.
        if "overflow" in str(exc).lower():
            raise QueryError(TOO_LARGE, "collect")
        raise


def fetch_cells(data_set, q: Query, window: Window, *, level: str | None) -> Cells:
    """Run the aggregate SQL (and distinct-value SQL for set collects).

    ``level`` is None to read the records, else the rollup level to read.
    """
    d = sql.dialect()
    kinds = data_set.field_kinds or {}
    never_text = frozenset(f for f, _ in q.collect if kinds.get(f) and not kinds[f] & TEXT)
    statement, params, layout = sql.aggregate_sql(
        d, q, data_set.pk, window.start, window.end, level=level, never_text=never_text
    )
    cells = Cells()
    with connection.cursor() as cursor:
        rows = _run(cursor, statement, params)
        for row in rows:
            it = iter(row)
            bucket, groups, cell = None, [], {"count": 0, "measures": {}, "n": {}, "sets": {}}
            for kind, key in layout:
                if kind == "bucket":
                    bucket = _bucket(next(it))
                elif kind == "group":
                    groups.append(_decode(next(it)))
                elif kind == "count":
                    cell["count"] = int(_number(next(it)))
                elif kind == "measure":
                    total, n, nf, nbad = (next(it) for _ in range(4))
                    n, nf, nbad = int(_number(n)), int(_number(nf)), int(_number(nbad))
                    if nf:
                        # Beyond the float range: inf (PostgreSQL's exact sum) or NULL
                        # (SQLite's NaN); _collect_values refuses either.
                        total = float(total) if total is not None else math.nan
                    else:
                        total = _number(total)
                        if isinstance(total, float):  # SQLite: integers beyond 64 bits
                            total = math.inf
                    cell["measures"][key] = [total, n, nf, nbad]
                else:
                    cell["n"][key] = int(_number(next(it)))
            if cell["count"]:
                key = (bucket, group_key(groups))
                # 1 and 1.0 are one JSON value; SQLite groups them apart, PostgreSQL together.
                cells[key] = _merge_cells([cells[key], cell]) if key in cells else cell
        for field, method in q.collect:
            if method not in (None, "set"):
                continue
            statement, params = sql.distinct_sql(d, q, data_set.pk, window.start, window.end, field)
            for row in _run(cursor, statement, params):
                bucket = _bucket(row[0]) if q.period else None
                offset = 1 if q.period else 0
                groups = group_key(_decode(v) for v in row[offset : offset + len(q.group_by)])
                value = _decode(row[-1])
                cell = cells.get((bucket, groups))
                if cell is not None:
                    cell["sets"].setdefault(field, []).append(value)
    return cells


# --- shaping ----------------------------------------------------------------------------


def sort_key(value):
    """Order JSON values as the API does: numbers, then text, then true/false, then null."""
    if isinstance(value, Flag):
        value = value.value
    if value is None:
        return (3, 0)
    if isinstance(value, bool):
        return (2, value)
    if isinstance(value, int | float):
        return (0, value)
    if isinstance(value, str):
        return (1, value)
    return (3, 0)


def _merge_cells(cells: list[dict]) -> dict:
    out = {"count": 0, "measures": {}, "n": {}, "sets": {}}
    for cell in cells:
        out["count"] += cell["count"]
        for key, (total, n, nf, nbad) in cell["measures"].items():
            acc = out["measures"].setdefault(key, [0, 0, 0, 0])
            acc[0] += total
            acc[1] += n
            acc[2] += nf
            acc[3] += nbad
        for key, n in cell["n"].items():
            out["n"][key] = out["n"].get(key, 0) + n
        for field, values in cell["sets"].items():
            out["sets"].setdefault(field, []).extend(values)
    return out


MAX_ROWS = 500_000


def _check_rows(count: int) -> None:
    """Refuse a response that would hold more rows than one request should build."""
    if count > MAX_ROWS:
        raise QueryError(
            f"The query would return {count} rows (at most {MAX_ROWS}): group by fewer "
            "fields, filter, or ask for a shorter range",
            "group_by",
        )


def _collect_values(q: Query, cell: dict | None) -> dict:
    out = {}
    for field, method in q.collect:
        if cell is None:
            out[f"{field}:{method or 'set'}"] = None
            continue
        if method in ("sum", "mean"):
            total, n, nf, nbad = cell["measures"].get(f"{field}:{method}", [0, 0, 0, 0])
            if nbad:
                raise QueryError(INVALID_COLLECT, "collect")
            if n == 0:
                value = None
            elif method == "sum":
                value = float(total) if nf else total
            else:
                value = total / n
            if isinstance(value, float) and not math.isfinite(value):
                raise QueryError(TOO_LARGE, "collect")
            if isinstance(value, int) and not -(2**63) <= value < 2**63:
                raise QueryError(TOO_LARGE, "collect")  # JSON readers cannot take it exactly
            out[f"{field}:{method}"] = value
        elif method == "count":
            out[f"{field}:count"] = cell["n"].get(f"{field}:count", 0)
        else:
            distinct = []
            for value in sorted(cell["sets"].get(field, []), key=sort_key):
                if not distinct or sort_key(distinct[-1]) != sort_key(value):
                    distinct.append(value)
            out[f"{field}:set"] = distinct
            if method is None:
                out[field] = list(distinct)
    return out


def _bucket_row(q: Query, start: datetime, cell: dict | None) -> dict:
    row = {
        "_start_at": iso(start),
        "_end_at": iso(ranges.add(q.period, start, 1)),
        "_count": cell["count"] if cell else 0,
    }
    row.update(_collect_values(q, cell))
    return row


def _sort_rows(q: Query, rows: list[dict]) -> list[dict]:
    if q.sort_by:
        field, direction = q.sort_by
        rows.sort(key=lambda r: sort_key(r.get(field)), reverse=direction == "descending")
    if q.limit:
        rows = rows[: q.limit]
    return rows


def _group_sort(q: Query, groups):
    return sorted(groups, key=lambda g: tuple(sort_key(v) for v in g))


def shape(q: Query, cells: Cells, starts: list[datetime]) -> list[dict]:
    """Build the ``data`` list of a period and/or group response."""
    if not q.period:
        rows = []
        for groups in _group_sort(q, {g for _, g in cells}):
            cell = cells[(None, groups)]
            row = dict(zip(q.group_by, group_values(groups), strict=True))
            row["_count"] = cell["count"]
            row.update(_collect_values(q, cell))
            rows.append(row)
        return _sort_rows(q, rows)
    if not q.group_by:
        return [_bucket_row(q, start, cells.get((start, ()))) for start in starts]
    if q.flatten:
        distinct = [sorted({g[i] for _, g in cells}, key=sort_key) for i in range(len(q.group_by))]
        _check_rows(len(starts) * math.prod(len(values) for values in distinct))
        rows = []
        for start in starts:
            for combo in itertools.product(*distinct):
                row = dict(zip(q.group_by, group_values(combo), strict=True))
                row.update(_bucket_row(q, start, cells.get((start, combo))))
                rows.append(row)
        return rows
    by_group: dict[tuple, list] = {}
    for (bucket, groups), cell in cells.items():
        by_group.setdefault(groups, []).append((bucket, cell))
    rows = []
    _check_rows(len(by_group) * max(len(starts), 1))
    for groups in _group_sort(q, by_group):
        members = by_group[groups]
        total = _merge_cells([cell for _, cell in members])
        row = dict(zip(q.group_by, group_values(groups), strict=True))
        row["_count"] = total["count"]
        row["_group_count"] = len(members)
        row.update(_collect_values(q, total))
        row["values"] = [_bucket_row(q, start, cells.get((start, groups))) for start in starts]
        rows.append(row)
    return _sort_rows(q, rows)


# --- relative ranges move toward the data ------------------------------------------------


def _shift(q: Query, cells: Cells, starts: list[datetime], direction: str) -> int:
    """How many periods to move a relative window so it starts/ends at the data (0: none)."""
    if not starts:
        return 0
    shifts = []
    for groups_key in {g for _, g in cells}:
        filled = [(start, groups_key) in cells for start in starts]
        if not any(filled):
            continue
        if direction == "forward":
            shifts.append(filled.index(True))
        else:
            shifts.append(-list(reversed(filled)).index(True))
    if not shifts:
        return 0
    return min(shifts, key=abs)


# --- the public entry points -----------------------------------------------------------------


@dataclass
class Result:
    """What a query returns: the ``data`` list and how it was answered."""

    data: list
    used_rollup: bool
    window: Window
    rollup_level: str | None = None  # "day", "week" or "month" when a rollup answered


def _level(data_set, q: Query, window: Window, force_path: str | None) -> str | None:
    if force_path is None:
        return rollup_level(q, window) if can_use_rollup(data_set, q, window) else None
    if force_path == "records":
        return None
    if force_path == "rollup":
        return rollup_level(q, window)
    return force_path  # a level, for tests that compare levels


def execute(data_set, q: Query, *, now: datetime, force_path: str | None = None) -> Result:
    """Run ``q`` against ``data_set``.

    ``force_path`` is for tests: ``records``, ``rollup`` (the level the planner would
    pick), or a level (``day``, ``week``, ``month``) whose rows the range must fit.
    """
    window = resolve_window(q, now)
    if q.is_raw:
        return Result(_raw(data_set, q, window), False, window)
    level = _level(data_set, q, window, force_path)
    starts = bucket_starts(q, window) if q.period else []
    cells = fetch_cells(data_set, q, window, level=level)
    if q.period and q.duration and not q.flatten:
        k = _shift(q, cells, starts, window.direction)
        if k:
            window = Window(
                ranges.add(q.period, window.start, k),
                ranges.add(q.period, window.end, k),
                window.direction,
            )
            starts = bucket_starts(q, window)
            level = _level(data_set, q, window, force_path)
            cells = fetch_cells(data_set, q, window, level=level)
    return Result(shape(q, cells, starts), level is not None, window, level)


def _raw_rows(data_set, q: Query, window: Window) -> list:
    d = sql.dialect()
    statement, params = sql.raw_sql(d, q, data_set.pk, window.start, window.end)
    with connection.cursor() as cursor:
        return _run(cursor, statement, params)


def _raw(data_set, q: Query, window: Window) -> list:
    return [_decode(row[0]) for row in _raw_rows(data_set, q, window)]


def _as_json_bytes(value) -> bytes:
    if isinstance(value, str):
        return value.encode("utf-8")
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value)
    return orjson.dumps(value, option=orjson.OPT_SORT_KEYS)  # a driver that decoded it


#: Rows fetched from the database at a time when a raw query is streamed: enough to keep
#: round trips few, few enough that records of a thousand fields stay a few megabytes.
RAW_FETCH = 200


def iter_raw_json_texts(data_set, q: Query, *, now: datetime) -> Iterator[list[bytes]]:
    """A raw query's records as the JSON text stored for each, :data:`RAW_FETCH` at a time.

    Records are stored as JSON with sorted keys, so the read API can send them without
    decoding and re-encoding them (PostgreSQL's jsonb orders keys its own way; the
    values are the same). The rows come through a server-side cursor on PostgreSQL (a
    plain one on SQLite, which steps through the result as it is read), so however
    many records match, only one batch of them is in memory. The statement runs when
    the first batch is asked for.
    """
    window = resolve_window(q, now)
    statement, params = sql.raw_sql(sql.dialect(), q, data_set.pk, window.start, window.end)
    cursor = connection.chunked_cursor()
    try:
        cursor.execute(statement, params)
        while rows := cursor.fetchmany(RAW_FETCH):
            yield [_as_json_bytes(value) for (value,) in rows]
    finally:
        cursor.close()


def raw_json_texts(data_set, q: Query, *, now: datetime) -> list[bytes]:
    """Every text :func:`iter_raw_json_texts` gives, in one list."""
    return [text for batch in iter_raw_json_texts(data_set, q, now=now) for text in batch]


def raw_keys(data_set, q: Query, *, now: datetime) -> set[str]:
    """Every field name in the records a raw query returns (the columns of its CSV).

    Worked out by the database over the query's own rows, so the CSV's header can be
    written before the first record is read.
    """
    window = resolve_window(q, now)
    d = sql.dialect()
    statement, params = sql.raw_sql(d, q, data_set.pk, window.start, window.end)
    if d.pg:
        keys = f"SELECT DISTINCT jsonb_object_keys(r.data) FROM ({statement}) AS r"
    else:
        keys = f"SELECT DISTINCT j.key FROM ({statement}) AS r, json_each(r.data) AS j"
    with connection.cursor() as cursor:
        cursor.execute(keys, params)
        return {key for (key,) in cursor.fetchall()}
