"""SQL for the ways to answer a query: from the records, or from the rollups (daily rows,
or the weekly and monthly rows summed from them).

Both databases get the same statements apart from the JSON functions, which
:class:`Dialect` supplies. Field names reach SQL only after ``is_valid_key`` has
checked them (letters, digits and underscores), and are checked again here; values
always travel as parameters.
"""

import re

import orjson
from django.db import connection

from ..models import Record, RollupDay, RollupPeriod
from .params import Query

_SAFE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
RECORD_TABLE = Record._meta.db_table
ROLLUP_TABLE = RollupDay._meta.db_table
PERIOD_TABLE = RollupPeriod._meta.db_table


def _safe(name: str) -> str:
    if not _SAFE.fullmatch(name):
        raise ValueError(f"unsafe field name {name!r}")
    return name


class Dialect:
    """JSON access for one database vendor."""

    def __init__(self, vendor: str):
        self.pg = vendor == "postgresql"

    def value(self, col: str, field: str) -> str:
        """The field as JSON text (SQL NULL when missing; 'null' for a JSON null)."""
        f = _safe(field)
        return f"({col} -> '{f}')" if self.pg else f"({col} -> '$.\"{f}\"')"

    def type_(self, col: str, field: str) -> str:
        """'number', 'string', 'boolean' or 'null' (SQL NULL when missing)."""
        f = _safe(field)
        if self.pg:
            return f"jsonb_typeof({col} -> '{f}')"
        return (
            f"(CASE json_type({col}, '$.\"{f}\"') WHEN 'integer' THEN 'number' "
            "WHEN 'real' THEN 'number' WHEN 'text' THEN 'string' WHEN 'true' THEN 'boolean' "
            "WHEN 'false' THEN 'boolean' WHEN 'null' THEN 'null' END)"
        )

    def number(self, col: str, field: str) -> str:
        """The field as a number when it is one, else NULL."""
        f = _safe(field)
        if self.pg:
            return (
                f"(CASE WHEN jsonb_typeof({col} -> '{f}') = 'number' "
                f"THEN ({col} ->> '{f}')::numeric END)"
            )
        return (
            f"(CASE WHEN json_type({col}, '$.\"{f}\"') IN ('integer', 'real') "
            f"THEN json_extract({col}, '$.\"{f}\"') END)"
        )

    def is_float(self, col: str, field: str) -> str:
        f = _safe(field)
        if self.pg:
            return (
                f"(CASE WHEN jsonb_typeof({col} -> '{f}') = 'number' "
                f"AND ({col} ->> '{f}') ~ '[.eE]' THEN 1 ELSE 0 END)"
            )
        return f"(CASE WHEN json_type({col}, '$.\"{f}\"') = 'real' THEN 1 ELSE 0 END)"

    def is_text(self, col: str, field: str) -> str:
        """1 when the field holds text or true/false (values sum and mean cannot use)."""
        return f"(CASE WHEN {self.type_(col, field)} IN ('string', 'boolean') THEN 1 ELSE 0 END)"

    def text(self, col: str, field: str) -> str:
        """The field's string value (for prefix filters), NULL for other types."""
        f = _safe(field)
        if self.pg:
            return f"(CASE WHEN jsonb_typeof({col} -> '{f}') = 'string' THEN {col} ->> '{f}' END)"
        return (
            f"(CASE WHEN json_type({col}, '$.\"{f}\"') = 'text' "
            f"THEN json_extract({col}, '$.\"{f}\"') END)"
        )

    def measure(self, col: str, field: str, index: int) -> str:
        """Element ``index`` of a rollup measure ``[sum, n, floats, non-numbers]``.

        A float sum that overflowed is stored as JSON null; it becomes NaN (PostgreSQL)
        or infinity (SQLite), so the total it joins is not finite and the engine refuses it.
        """
        f = _safe(field)
        if self.pg:
            # The counts (1 to 3) are whole numbers: bigint casts and sums are cheaper
            # than numeric ones (about a fifth off a rollup aggregate).
            cast = "numeric" if index == 0 else "bigint"
            value = f"(({col} -> '{f}' ->> {index})::{cast})"
            if index == 0:
                value = (
                    f"(CASE WHEN jsonb_typeof({col} -> '{f}' -> 0) = 'null' "
                    f"THEN 'NaN'::numeric ELSE {value} END)"
                )
            return value
        value = f"json_extract({col}, '$.\"{f}\"[{index}]')"
        if index == 0:
            value = (
                f"(CASE WHEN json_type({col}, '$.\"{f}\"[0]') = 'null' THEN 9e999 ELSE {value} END)"
            )
        return value

    def equals(self, col: str, field: str) -> str:
        """SQL comparing the field to one parameter (a JSON-encoded scalar)."""
        if self.pg:
            return f"{self.value(col, field)} = %s::jsonb"
        f = _safe(field)
        return (
            f"(json_type({col}, '$.\"{f}\"') = json_type(%s) "
            f"AND json_extract({col}, '$.\"{f}\"') = json_extract(%s, '$'))"
        )

    def equals_params(self, encoded: str) -> list:
        return [encoded] if self.pg else [encoded, encoded]

    def text_collate(self, expr: str) -> str:
        return f'({expr}) COLLATE "C"' if self.pg else expr


def dialect() -> Dialect:
    return Dialect(connection.vendor)


RECORD_BUCKETS = {p: f"{p}_start" for p in ("hour", "day", "week", "month", "quarter", "year")}
ROLLUP_BUCKETS = {
    "day": "day",
    "week": "week_start",
    "month": "month_start",
    "quarter": "quarter_start",
    "year": "year_start",
}
# Periods a week or month row can be bucketed into (the planner picks a level that fits).
LEVEL_BUCKETS = {
    "week": {"week": "start"},
    "month": {"month": "start", "quarter": "quarter_start", "year": "year_start"},
}


def where(
    d: Dialect, q: Query, data_set_id: int, start, end, *, level: str | None
) -> tuple[list[str], list]:
    """WHERE clauses and parameters common to every path.

    ``level`` is None for the records, ``day`` for the daily rollup, or ``week`` /
    ``month`` for the period rollup (whose rows start on the range's boundaries).
    """
    adapt = connection.ops.adapt_datetimefield_value
    col = "data" if level is None else "dims"
    ts = {None: "timestamp", "day": "day"}.get(level, "start")
    clauses, params = ["data_set_id = %s"], [data_set_id]
    if level in LEVEL_BUCKETS:
        clauses.append("level = %s")
        params.append(level)
    if start is not None:
        clauses.append(f"{ts} >= %s")
        params.append(adapt(start))
    if end is not None:
        clauses.append(f"{ts} <= %s" if q.inclusive else f"{ts} < %s")
        params.append(adapt(end))
    for field in q.group_by:
        clauses.append(f"{d.value(col, field)} IS NOT NULL")
    for field, value in q.filter_by:
        if field == "_id" and level is None and isinstance(value, str):
            # A record's _id is its record_id column: the unique index finds it at once,
            # where matching the JSON would read every record of the data set.
            clauses.append("record_id = %s")
            params.append(value)
            continue
        clauses.append(d.equals(col, field))
        params.extend(d.equals_params(orjson.dumps(value).decode()))
    for field, prefix in q.filter_by_prefix:
        # substr rather than LIKE: exact, case-sensitive, and no wildcards to escape.
        clauses.append(f"substr({d.text(col, field)}, 1, %s) = %s")
        params.extend([len(prefix), prefix])
    return clauses, params


def aggregate_sql(
    d: Dialect,
    q: Query,
    data_set_id: int,
    start,
    end,
    *,
    level: str | None,
    never_text: frozenset = frozenset(),
) -> tuple[str, list, list[tuple[str, str | None]]]:
    """One GROUP BY statement for period/group queries; returns (sql, params, columns).

    Columns: bucket (if a period), one per group field, the record count, then per
    ``sum``/``mean`` collect its [sum, numbers, floats, non-numbers] and per ``count``
    collect its count. ``set`` and default collects come from :func:`distinct_sql`.
    Fields in ``never_text`` have never held a non-number (the data set's field kinds
    say so), so their non-number count is a constant 0 rather than a JSON extraction per
    rollup row: the extractions are most of an aggregate's cost. ``level`` is as for
    :func:`where`.
    """
    rollup = level is not None
    col = "dims" if rollup else "data"
    select, layout = [], []
    if q.period:
        buckets = LEVEL_BUCKETS.get(level) or (ROLLUP_BUCKETS if rollup else RECORD_BUCKETS)
        select.append(buckets[q.period])
        layout.append(("bucket", None))
    for field in q.group_by:
        select.append(d.value(col, field))
        layout.append(("group", field))
    select.append("SUM(count)" if rollup else "COUNT(*)")
    layout.append(("count", None))
    for field, method in q.collect:
        if method in ("sum", "mean"):
            if rollup:
                select.extend(f"SUM({d.measure('measures', field, i)})" for i in range(3))
                select.append(
                    "0" if field in never_text else f"SUM({d.measure('measures', field, 3)})"
                )
            else:
                select.extend(
                    [
                        f"SUM({d.number(col, field)})",
                        f"COUNT({d.number(col, field)})",
                        f"SUM({d.is_float(col, field)})",
                        f"SUM({d.is_text(col, field)})",
                    ]
                )
            layout.append(("measure", f"{field}:{method}"))
        elif method == "count":
            select.append(
                f"SUM(CASE WHEN {d.type_(col, field)} IS NOT NULL "
                f"AND {d.type_(col, field)} <> 'null' THEN 1 ELSE 0 END)"
            )
            layout.append(("n", f"{field}:count"))
    clauses, params = where(d, q, data_set_id, start, end, level=level)
    grouping = len(layout) - sum(1 for kind, _ in layout if kind not in ("bucket", "group"))
    table = {None: RECORD_TABLE, "day": ROLLUP_TABLE}.get(level, PERIOD_TABLE)
    sql = f"SELECT {', '.join(select)} FROM {table} "
    sql += "WHERE " + " AND ".join(clauses)
    if grouping:
        sql += " GROUP BY " + ", ".join(str(i + 1) for i in range(grouping))
    return sql, params, layout


def distinct_sql(d: Dialect, q: Query, data_set_id: int, start, end, field: str):
    """Distinct values of ``field`` per bucket and group (for ``set`` collects)."""
    select = []
    if q.period:
        select.append(RECORD_BUCKETS[q.period])
    select.extend(d.value("data", f) for f in q.group_by)
    value = d.value("data", field)
    select.append(value)
    clauses, params = where(d, q, data_set_id, start, end, level=None)
    clauses.append(f"{d.type_('data', field)} IS NOT NULL AND {d.type_('data', field)} <> 'null'")
    sql = (
        f"SELECT {', '.join(select)} FROM {RECORD_TABLE} WHERE {' AND '.join(clauses)} "
        f"GROUP BY {', '.join(str(i + 1) for i in range(len(select)))}"
    )
    return sql, params


_COLUMN_SORTS = {"_timestamp": "timestamp", "_updated_at": "updated_at"}


def raw_sql(d: Dialect, q: Query, data_set_id: int, start, end) -> tuple[str, list]:
    """Records as stored, filtered, sorted with numbers as numbers, limited."""
    clauses, params = where(d, q, data_set_id, start, end, level=None)
    sql = f"SELECT data FROM {RECORD_TABLE} WHERE {' AND '.join(clauses)}"
    order = []
    if q.sort_by:
        field, direction = q.sort_by
        desc = direction == "descending"
        way = "DESC" if desc else "ASC"
        if field in _COLUMN_SORTS:
            order.append(f"{_COLUMN_SORTS[field]} {way}")
        elif field == "_id":
            order.append(f"{d.text_collate('record_id')} {way}")
        else:
            kind = d.type_("data", field)
            rank = (
                f"(CASE {kind} WHEN 'number' THEN 0 WHEN 'string' THEN 1 "
                "WHEN 'boolean' THEN 2 ELSE 3 END)"
            )
            order.extend(
                [
                    f"{rank} {way}",
                    f"{d.number('data', field)} {way}",
                    f"{d.text_collate(d.text('data', field))} {way}",
                    # false < true; null and missing tie (then storage order) on both databases
                    f"(CASE WHEN {kind} = 'boolean' THEN {d.value('data', field)} END) {way}",
                ]
            )
        order.append(f"id {way}")
    else:
        order.append("id ASC")
    sql += " ORDER BY " + ", ".join(order)
    if q.limit:
        sql += " LIMIT %s"
        params.append(q.limit)
    return sql, params
