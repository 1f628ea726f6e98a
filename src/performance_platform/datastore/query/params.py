"""Parse and validate read-API query strings into a :class:`Query`.

The rules run in the original platform's order with its messages, because clients
match on them; each error also names the parameter to blame. Where the original
crashed (a ``collect`` with two colons) or only checked the first value of a repeated
parameter, every value is checked and a 400 comes back.
"""

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime

from ..validation import is_valid_key

ALLOWED = frozenset(
    {
        "start_at",
        "end_at",
        "duration",
        "period",
        "filter_by",
        "filter_by_prefix",
        "group_by",
        "sort_by",
        "limit",
        "collect",
        "flatten",
        "inclusive",
        "format",
    }
)
PERIODS = ["hour", "day", "week", "month", "quarter", "year"]
COLLECT_METHODS = ("sum", "count", "set", "mean")
_DATETIME_RE = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(Z|[+-]\d{2}:?\d{2})")
MAX_VALUES = 50  # repeated parameters beyond this are refused (no query needs more)


class QueryError(ValueError):
    """A query the read API refuses with 400; ``parameter`` names the culprit."""

    def __init__(self, message: str, parameter: str | None = None):
        super().__init__(message)
        self.message = message
        self.parameter = parameter


@dataclass(frozen=True)
class Query:
    """A validated read query. Datetimes are UTC."""

    start_at: datetime | None = None
    end_at: datetime | None = None
    duration: int | None = None
    period: str | None = None
    filter_by: tuple[tuple[str, object], ...] = ()
    filter_by_prefix: tuple[tuple[str, str], ...] = ()
    group_by: tuple[str, ...] = ()
    sort_by: tuple[str, str] | None = None
    limit: int | None = None
    collect: tuple[tuple[str, str | None], ...] = ()
    flatten: bool = False
    inclusive: bool = False
    format: str = "json"
    # The dates exactly as written, for the Monday / first-of-month rules.
    written: dict = field(default_factory=dict, compare=False, hash=False)

    @property
    def is_raw(self) -> bool:
        return not self.group_by and not self.period


def _parse_datetime(text: str) -> tuple[datetime, datetime] | None:
    """(as written, in UTC) for a valid ``start_at``/``end_at`` value, else None."""
    if not _DATETIME_RE.fullmatch(text):
        return None
    try:
        written = datetime.fromisoformat(text)
    except ValueError:
        return None
    try:
        return written, written.astimezone(UTC)
    except (OverflowError, ValueError):
        return None


def _split(value: str) -> tuple[str, str] | None:
    if ":" not in value:
        return None
    name, _, rest = value.partition(":")
    return name, rest


def _int(text: str | None) -> int | None:
    if text is None or not re.fullmatch(r"\d{1,9}", text):
        return None
    return int(text)


def parse(params, *, raw_queries_allowed: bool) -> Query:
    """Validate a QueryDict-like mapping (``getlist``) and return the Query."""
    keys = list(params.keys())
    if any(k not in ALLOWED for k in keys):
        bad = next(k for k in keys if k not in ALLOWED)
        raise QueryError("An unrecognised parameter was provided", bad[:100])
    values = {k: params.getlist(k) for k in keys}
    for name, items in values.items():
        if len(items) > MAX_VALUES:
            raise QueryError(f"{name} may be given at most {MAX_VALUES} times", name)
        if any("\x00" in item for item in items):
            raise QueryError(f"{name} contains a NUL character", name)

    def first(name: str) -> str | None:
        items = values.get(name)
        return items[0] if items else None

    period = first("period")
    duration_text = first("duration")
    start_text, end_text = first("start_at"), first("end_at")
    group_by = values.get("group_by", [])

    # 2. period needs a range; limit needs a group
    if period is not None:
        if duration_text is None and (start_text is None or end_text is None):
            raise QueryError(
                "Either 'duration' or both 'start_at' and 'end_at' are required for a period query",
                "period",
            )
        if "limit" in values and not group_by:
            raise QueryError(
                "A period query can only be limited if it is grouped - please add 'group_by'",
                "limit",
            )
    # 3-4. dates
    start = end = None
    if start_text is not None:
        start = _parse_datetime(start_text)
        if start is None:
            raise QueryError("start_at is not a valid datetime", "start_at")
    if end_text is not None:
        end = _parse_datetime(end_text)
        if end is None:
            raise QueryError("end_at is not a valid datetime", "end_at")
    # 5. filters
    if "filter_by" in values and "filter_by_prefix" in values:
        raise QueryError(
            "Cannot use both filter_by and filter_by_prefix in the same query", "filter_by"
        )
    filters, prefixes = [], []
    for name in ("filter_by", "filter_by_prefix"):
        for item in values.get(name, []):
            pair = _split(item)
            if pair is None:
                raise QueryError(
                    "filter_by must be a field name and value separated by a colon (:) "
                    "eg. authority:Westminster",
                    name,
                )
            if not is_valid_key(pair[0]):
                raise QueryError("Cannot filter by an invalid field name", name)
            if name == "filter_by":
                value = {"true": True, "false": False}.get(pair[1], pair[1])
                filters.append((pair[0], value))
            else:
                prefixes.append(pair)
    # 6. period value
    if period is not None and period not in PERIODS:
        raise QueryError(f"'period' must be one of {PERIODS}", "period")
    # 7. sort_by
    sort_by = None
    sort_text = first("sort_by")
    if sort_text is not None:
        if period is not None and not group_by:
            raise QueryError(
                "Cannot sort for period queries without group_by. "
                "Period queries are always sorted by time.",
                "sort_by",
            )
        # Split at the last colon, so computed keys can be sorted: value:sum:descending.
        name, sep, direction = sort_text.rpartition(":")
        pair = (name, direction) if sep else None
        if pair is None:
            raise QueryError(
                "sort_by must be a field name and sort direction separated by a colon (:) "
                "eg. authority:ascending",
                "sort_by",
            )
        if pair[1] not in ("ascending", "descending"):
            raise QueryError(
                "Unrecognised sort direction. Supported directions include: ascending, descending",
                "sort_by",
            )
        # Computed keys (value:sum) exist only in grouped rows; records have plain fields.
        if not _is_sort_key(pair[0]) or (":" in pair[0] and not group_by):
            raise QueryError("Cannot sort by an invalid field name", "sort_by")
        sort_by = pair
    # 8. group_by (every value, not just the first)
    for name in group_by:
        if not is_valid_key(name):
            raise QueryError("Cannot group by an invalid field name", "group_by")
        if name.startswith("_"):
            raise QueryError(
                "Cannot group by internal fields, internal fields start with an underscore",
                "group_by",
            )
    if len(set(group_by)) != len(group_by):
        raise QueryError("Cannot group by the same field twice", "group_by")
    # 9-10. numbers
    limit = None
    if "limit" in values:
        limit = _int(first("limit"))
        if limit is None:
            raise QueryError("limit must be a positive integer", "limit")
    duration = None
    if duration_text is not None:
        duration = _int(duration_text)
        if duration is None:
            raise QueryError("duration must be a positive integer", "duration")
    # 11. collect needs a grouping
    collect_values = values.get("collect", [])
    if collect_values and not group_by and period is None:
        raise QueryError("collect can be used only with either ['group_by', 'period']", "collect")
    # 12. relative time
    if duration is not None or start_text is not None or end_text is not None:
        if start_text is not None and end_text is not None and duration is not None:
            raise QueryError(
                "Absolute and relative time cannot be requested at the same time - either ask "
                "for 'start_at' and 'end_at', or ask for 'start_at'/'end_at' with 'duration'",
                "duration",
            )
        if start_text is not None and end_text is None and duration is None:
            raise QueryError("Use of 'start_at' requires 'end_at' or 'duration'", "start_at")
        if end_text is not None and start_text is None and duration is None:
            raise QueryError("Use of 'end_at' requires 'start_at' or 'duration'", "end_at")
        if duration == 0:
            raise QueryError("'duration' must not be zero", "duration")
        if duration is not None and period is None:
            raise QueryError(
                "If 'duration' is requested (for relative time), 'period' is required - "
                "please add a period (like 'day', 'month' etc)",
                "duration",
            )
    # 13. collect values
    collect = []
    for item in collect_values:
        name, sep, method = item.partition(":")
        if sep and (method not in COLLECT_METHODS):
            if ":" in method:
                raise QueryError(
                    "collect must be a field name, optionally followed by a colon and one of "
                    "sum, count, set, mean (eg. value:sum)",
                    "collect",
                )
            raise QueryError("Unknown collection method", "collect")
        if not is_valid_key(name):
            raise QueryError("Cannot collect an invalid field name", "collect")
        if name.startswith("_"):
            raise QueryError(
                "Cannot collect internal fields, internal fields start with an underscore",
                "collect",
            )
        if name in group_by:
            raise QueryError("Cannot collect by a field that is used for group_by", "collect")
        pair = (name, method if sep else None)
        if pair not in collect:
            collect.append(pair)
    # 14-16. flags
    flatten = first("flatten")
    if flatten is not None and flatten not in ("true", "false"):
        raise QueryError("flatten must be either 'true' or 'false'", "flatten")
    inclusive = first("inclusive")
    if inclusive is not None:
        if inclusive not in ("true", "false"):
            raise QueryError("inclusive must be either 'true' or 'false'", "inclusive")
        if start_text is None and end_text is None:
            raise QueryError(
                "inclusive can be used only with either ['start_at', 'end_at']", "inclusive"
            )
    # 17-21. only for data sets that do not allow raw queries
    if not raw_queries_allowed:
        _check_strict(period, group_by, start, end)

    return Query(
        start_at=start[1] if start else None,
        end_at=end[1] if end else None,
        duration=duration,
        period=period,
        filter_by=tuple(filters),
        filter_by_prefix=tuple(prefixes),
        group_by=tuple(group_by),
        sort_by=sort_by,
        limit=limit or None,
        collect=tuple(collect),
        flatten=flatten == "true",
        inclusive=inclusive == "true",
        format="csv" if first("format") == "csv" else "json",
        written={"start_at": start[0] if start else None, "end_at": end[0] if end else None},
    )


def _is_sort_key(name: str) -> bool:
    # Grouped results can be sorted by their computed keys too (``_count``, ``value:sum``).
    base, _, method = name.partition(":")
    return is_valid_key(base) and (not method or method in COLLECT_METHODS)


def _check_strict(period, group_by, start, end) -> None:
    if not group_by and period is None:
        raise QueryError("querying for raw data is not allowed")
    if start and end and period != "hour":
        if (end[1] - start[1]).days < 7:
            raise QueryError("The minimum time span for a query is 7 days", "end_at")
    if period != "hour":
        for name, value in (("start_at", start), ("end_at", end)):
            if value and value[1].time() != datetime.min.time():
                raise QueryError(f"{name} must be midnight", name)
    if period == "week":
        for name, value in (("start_at", start), ("end_at", end)):
            if value and value[0].weekday() != 0:
                raise QueryError(f"{name} must be a monday", name)
    if period == "month":
        for name, value in (("start_at", start), ("end_at", end)):
            if value and value[0].day != 1:
                raise QueryError(
                    f"'{name}' must be the first of the month for period=month queries", name
                )
