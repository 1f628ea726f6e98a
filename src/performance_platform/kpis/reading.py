"""Reading a transform's input through the query engine, one window of periods at a time.

Transforms read as the public read API does (``run_query``), with raw queries allowed
because the platform's own readers are not the public the data set's setting protects.
A sum that the engine refuses because a value is not a number becomes a
:class:`TransformError` naming the records at fault.
"""

from datetime import UTC, datetime

from performance_platform.datastore.models import DataSet, Record
from performance_platform.datastore.query import run_query
from performance_platform.datastore.query.params import QueryError
from performance_platform.datastore.query.ranges import add as add_periods
from performance_platform.datastore.query.ranges import start as period_start
from performance_platform.datastore.validation import TimestampError, parse_timestamp

from .errors import TransformError

# Longest range read in one query; longer ranges are read in chunks (the engine caps a
# query at 20,000 periods).
CHUNK_PERIODS = 5_000


def read(data_set: DataSet, params: dict, *, now: datetime) -> list[dict]:
    """Run a read query for a transform (raw queries allowed: this is not the public API)."""
    return run_query(data_set, params, now=now, allow_raw=True)["data"]


def iso(value: datetime) -> str:
    return value.astimezone(UTC).isoformat()


def period_windows(period: str, earliest: datetime, latest: datetime):
    """Whole-period [start, end) windows covering earliest..latest, in chunks."""
    start = period_start(period, earliest)
    try:
        stop = add_periods(period, period_start(period, latest), 1)
    except (OverflowError, ValueError):  # the period after the last one the calendar has
        # latest's period would end after year 9999, so it cannot be read or stored.
        stop = period_start(period, latest)
    while start < stop:
        try:
            end = min(stop, add_periods(period, start, CHUNK_PERIODS))
        except ValueError:  # a QueryError: the chunk would end past year 9999
            end = stop
        yield start, end
        start = end


def _bad_values(data_set: DataSet, field: str, start, end) -> str:
    """Describe (up to three) records whose ``field`` is not a number, for the error."""
    found = []
    rows = Record.objects.filter(data_set=data_set, timestamp__gte=start, timestamp__lt=end)
    for record_id, data in rows.values_list("record_id", "data").iterator(chunk_size=2000):
        value = data.get(field)
        if value is not None and (isinstance(value, bool) or not isinstance(value, int | float)):
            found.append(
                f"record {record_id[:80]!r} ({data.get('_timestamp')}) has "
                f"{field} = {value!r:.60}, not a number"
            )
            if len(found) == 3:
                break
    return "; ".join(found)


def read_periods(data_set: DataSet, params: dict, start, end, *, now) -> list[dict]:
    """Read one window of a period query, turning a non-numeric sum into a TransformError."""
    try:
        return read(data_set, {**params, "start_at": iso(start), "end_at": iso(end)}, now=now)
    except QueryError as exc:
        detail = ""
        if exc.parameter == "collect":
            fields = [c.split(":")[0] for c in params.get("collect", [])]
            detail = "; ".join(filter(None, (_bad_values(data_set, f, start, end) for f in fields)))
        where = f"{data_set.data_group.name}/{data_set.data_type.name}"
        if detail:
            raise TransformError(
                f"cannot compute from {where}: values that are not numbers: {detail}"
            )
        raise TransformError(f"cannot read {where}: {exc.message}")


def parse_range_value(text: str) -> datetime | None:
    """An ISO 8601 date or date-time as an aware UTC datetime (None if unreadable)."""
    try:
        return parse_timestamp(text)
    except (TimestampError, TypeError, ValueError, OverflowError):
        return None
