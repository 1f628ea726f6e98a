"""Storing records: one transaction per write, all or nothing.

Writes use a single portable ``INSERT ... ON CONFLICT`` statement (SQLite 3.24+ and
PostgreSQL) executed once per batch, rather than the ORM, because the write API moves
millions of records and model instances cost more than the database work.
"""

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cache

from django.db import connection, transaction
from django.db.models import F, Max, Min
from django.utils import timezone

from . import periods, rollups
from .models import DataSet, Record, WriteAudit, WriteToken
from .signals import records_changed
from .sqlutil import datetime_adapter, db_json
from .validation import PreparedRecord

_RECORD_COLUMNS = (
    "data_set_id",
    "record_id",
    "timestamp",
    "hour_start",
    "day_start",
    "week_start",
    "month_start",
    "quarter_start",
    "year_start",
    "updated_at",
    "data",
)


@cache
def _upsert_sql() -> str:
    table = Record._meta.db_table
    cols = ", ".join(_RECORD_COLUMNS)
    marks = ", ".join(["%s"] * len(_RECORD_COLUMNS))
    updates = ", ".join(f"{c} = excluded.{c}" for c in _RECORD_COLUMNS[2:])
    return (
        f"INSERT INTO {table} ({cols}) VALUES ({marks}) "
        f"ON CONFLICT (data_set_id, record_id) DO UPDATE SET {updates}"
    )


def _rows(data_set_id: int, records, now: datetime) -> list[tuple]:
    adapt = datetime_adapter()
    stamp = adapt(now)
    # The day, week, month, quarter and year starts depend only on the (UTC) date, and a
    # batch holds few dates: adapt them once per date rather than once per record.
    by_date: dict = {}
    rows = []
    for record in records:
        ts = record.timestamp
        day_level = by_date.get(ts.date())
        if day_level is None:
            day_level = by_date[ts.date()] = tuple(map(adapt, periods.starts(ts)[1:]))
        rows.append(
            (
                data_set_id,
                record.record_id,
                adapt(ts),
                adapt(periods.hour_start(ts)),
                *day_level,
                stamp,
                # Sorted keys, so the raw read API can send the stored text as it is.
                db_json(record.data, sort_keys=True).decode("utf-8"),
            )
        )
    return rows


def _touch(data_set: DataSet, now: datetime) -> None:
    """Bump the data set's version (ETags change) and note when it was written.

    On PostgreSQL the UPDATE also takes the data set's row lock, so concurrent writers
    to one data set are serialised for the rest of the transaction.
    """
    DataSet.objects.filter(pk=data_set.pk).update(version=F("version") + 1, last_written_at=now)


def _audit(data_set, token, action, count, source, now) -> None:
    WriteAudit.objects.create(
        data_set=data_set,
        data_set_name=data_set.name,
        token=token,
        token_label=token.label if token else "",
        action=action,
        record_count=count,
        source=source,
        at=now,
    )
    if token is not None:
        WriteToken.objects.filter(pk=token.pk).update(last_used_at=now)


def _changed(data_set: DataSet, earliest, latest, source: str) -> None:
    """Tell receivers (transforms) which time range a write touched, inside its transaction."""
    if earliest is not None:
        records_changed.send(
            sender=DataSet, data_set=data_set, earliest=earliest, latest=latest, source=source
        )


def _existing(data_set: DataSet, record_ids: list[str]) -> list[tuple[datetime, dict]]:
    """The stored (day, data) of those of ``record_ids`` that already exist."""
    if connection.vendor == "postgresql" and record_ids:
        # One query with one array parameter: PostgreSQL plans an IN list of hundreds of
        # literals slowly (about twice the time on 1,000-record batches), and this runs
        # on every write while the data set is locked. Rows decode as the ORM's would.
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT day_start, data FROM {Record._meta.db_table} "
                "WHERE data_set_id = %s AND record_id = ANY(%s)",
                [data_set.pk, list(record_ids)],
            )
            return [(day, json.loads(data)) for day, data in cursor.fetchall()]
    found = []
    for start in range(0, len(record_ids), 500):
        chunk = record_ids[start : start + 500]
        found.extend(
            Record.objects.filter(data_set=data_set, record_id__in=chunk).values_list(
                "day_start", "data"
            )
        )
    return found


#: Records prepared, serialised and written at a time, and the most fields they may
#: hold between them. A batch of any size then holds only one chunk's stored JSON, rows
#: and rollup changes in memory at once (the write API's memory budget, see
#: docs/api.md#size-limits), while a typical batch of a few thousand records still goes
#: in one statement. Wide records make smaller chunks: memory follows fields, not records.
STORE_CHUNK = 5000
STORE_CHUNK_FIELDS = 200_000


def _chunks(records: Iterable[PreparedRecord], size: int, fields: int):
    chunk, held = [], 0
    for record in records:
        chunk.append(record)
        held += len(record.data)
        if len(chunk) >= size or held >= fields:
            yield chunk
            chunk, held = [], 0
    if chunk:
        yield chunk


def _store_chunk(data_set: DataSet, chunk: list[PreparedRecord], now: datetime) -> None:
    """Upsert one chunk and its rollup changes (inside the caller's transaction).

    A record whose ``_id`` an earlier chunk of the same batch stored is found by
    ``_existing`` like any stored record, so "later wins" holds across chunks too.
    """
    latest: dict[str, PreparedRecord] = {}
    for record in chunk:
        latest.pop(record.record_id, None)  # keep the order of last appearance
        latest[record.record_id] = record
    rows = _rows(data_set.pk, latest.values(), now)
    delta = rollups.Delta(data_set.dimensions) if data_set.rollup else None
    if delta is not None:
        supplied = [r.record_id for r in latest.values() if not r.generated_id]
        for day, old in _existing(data_set, supplied):
            delta.add(old, day, -1)
        for record in latest.values():
            delta.add(record.data, periods.starts(record.timestamp)[1])
    with connection.cursor() as cursor:
        cursor.executemany(_upsert_sql(), rows)
    if delta is not None:
        rollups.apply(data_set, delta)


def store_records(
    data_set: DataSet,
    records: Iterable[PreparedRecord],
    *,
    now: datetime,
    token: WriteToken | None = None,
    source: str = "api",
) -> int:
    """Upsert prepared records by ``_id``; later records in the batch win. Returns the count.

    Records, rollups, the data set's version and the audit row change in one
    transaction: a reader sees all of a batch or none of it. ``records`` may be a
    generator: it is consumed :data:`STORE_CHUNK` records at a time, so a caller that
    prepares records lazily never holds them all in their stored form.
    """
    count = 0
    earliest = latest = None
    with transaction.atomic():
        _touch(data_set, now)
        for chunk in _chunks(records, STORE_CHUNK, STORE_CHUNK_FIELDS):
            count += len(chunk)
            _store_chunk(data_set, chunk, now)
            low = min(r.timestamp for r in chunk)
            high = max(r.timestamp for r in chunk)
            earliest = low if earliest is None else min(earliest, low)
            latest = high if latest is None else max(latest, high)
        if count:
            _changed(data_set, earliest, latest, source)
        _audit(data_set, token, "append", count, source, now)
    return count


def empty_data_set(data_set: DataSet, *, token: WriteToken | None = None, source="api") -> int:
    """Delete every record of a data set. Returns how many there were."""
    now = timezone.now()
    with transaction.atomic():
        _touch(data_set, now)
        span = Record.objects.filter(data_set=data_set).aggregate(
            earliest=Min("timestamp"), latest=Max("timestamp")
        )
        deleted, _ = Record.objects.filter(data_set=data_set).delete()
        rollups.clear(data_set)
        _changed(data_set, span["earliest"], span["latest"], source)
        _audit(data_set, token, "empty", deleted, source, now)
    return deleted


def get_record(data_set: DataSet, record_id: str) -> dict | None:
    """The stored record with this ``_id``, or None."""
    row = Record.objects.filter(data_set=data_set, record_id=record_id).values("data").first()
    return row["data"] if row else None


def delete_record(data_set: DataSet, record_id: str, *, token=None, source="api") -> bool:
    """Delete one record by ``_id``. Returns False when there was none."""
    now = timezone.now()
    with transaction.atomic():
        _touch(data_set, now)
        old = Record.objects.filter(data_set=data_set, record_id=record_id).values_list(
            "day_start", "data", "timestamp"
        )
        old = old.first()
        if old is None:
            transaction.set_rollback(True)
            return False
        Record.objects.filter(data_set=data_set, record_id=record_id).delete()
        if data_set.rollup:
            delta = rollups.Delta(data_set.dimensions)
            delta.add(old[1], old[0], -1)
            rollups.apply(data_set, delta)
        _changed(data_set, old[2], old[2], source)
        _audit(data_set, token, "delete", 1, source, now)
    return True


def delete_records(data_set: DataSet, record_ids: list[str], *, now, token=None, source="api"):
    """Delete several records by ``_id`` in one transaction. Returns how many existed."""
    with transaction.atomic():
        _touch(data_set, now)
        old = []
        for start in range(0, len(record_ids), 500):
            chunk = record_ids[start : start + 500]
            old.extend(
                Record.objects.filter(data_set=data_set, record_id__in=chunk).values_list(
                    "day_start", "data", "timestamp"
                )
            )
            Record.objects.filter(data_set=data_set, record_id__in=chunk).delete()
        if old and data_set.rollup:
            delta = rollups.Delta(data_set.dimensions)
            for day, data, _ts in old:
                delta.add(data, day, -1)
            rollups.apply(data_set, delta)
        if old:
            stamps = [ts for _day, _data, ts in old]
            _changed(data_set, min(stamps), max(stamps), source)
        _audit(data_set, token, "delete", len(old), source, now)
    return len(old)


def replace_record(data_set: DataSet, record: PreparedRecord, *, now, token=None, source="api"):
    """Overwrite one existing record (used by PATCH after merging and re-validating)."""
    with transaction.atomic():
        _touch(data_set, now)
        old = _existing(data_set, [record.record_id])
        old_stamp = (
            Record.objects.filter(data_set=data_set, record_id=record.record_id)
            .values_list("timestamp", flat=True)
            .first()
        )
        with connection.cursor() as cursor:
            cursor.execute(_upsert_sql(), _rows(data_set.pk, [record], now)[0])
        if data_set.rollup:
            delta = rollups.Delta(data_set.dimensions)
            for day, data in old:
                delta.add(data, day, -1)
            delta.add(record.data, periods.day_start(record.timestamp))
            rollups.apply(data_set, delta)
        stamps = [record.timestamp] + ([old_stamp] if old_stamp is not None else [])
        _changed(data_set, min(stamps), max(stamps), source)
        _audit(data_set, token, "patch", 1, source, now)


# --- uploads: replacing a date range, and putting back what an upload replaced ---------

#: The columns a snapshot keeps of each stored record: all but the data set.
SNAPSHOT_COLUMNS = _RECORD_COLUMNS[1:]


@dataclass
class Replaced:
    """What :func:`store_replacing` did: every id it stored, and the stored rows it
    overwrote or deleted (their raw column values, see :func:`restore`)."""

    count: int = 0
    stored_ids: list[str] = field(default_factory=list)
    previous: list[list] = field(default_factory=list)
    deleted: int = 0


def _snapshot_sql(where: str) -> str:
    cols = ", ".join(SNAPSHOT_COLUMNS)
    return f"SELECT {cols} FROM {Record._meta.db_table} WHERE data_set_id = %s AND {where}"


def _raw_row(row) -> list:
    """A stored row as JSON-ready values: datetimes as ISO text (SQLite's are text
    already), the data as its stored JSON text, so it goes back exactly as it was."""
    return [value.isoformat() if isinstance(value, datetime) else value for value in row]


def _as_datetime(value) -> datetime:
    if isinstance(value, datetime):
        return value
    parsed = datetime.fromisoformat(value)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _rows_in_range(data_set: DataSet, start: datetime, end: datetime) -> list[list]:
    adapt = datetime_adapter()
    with connection.cursor() as cursor:
        cursor.execute(
            _snapshot_sql("timestamp >= %s AND timestamp <= %s"),
            [data_set.pk, adapt(start), adapt(end)],
        )
        return [_raw_row(r) for r in cursor.fetchall()]


def _rows_with_ids(data_set: DataSet, record_ids: list[str]) -> list[list]:
    rows = []
    with connection.cursor() as cursor:
        for at in range(0, len(record_ids), 500):
            chunk = record_ids[at : at + 500]
            marks = ", ".join(["%s"] * len(chunk))
            cursor.execute(_snapshot_sql(f"record_id IN ({marks})"), [data_set.pk, *chunk])
            rows.extend(_raw_row(r) for r in cursor.fetchall())
    return rows


def _delete_rows(data_set: DataSet, rows: list[list]) -> None:
    """Delete the records of snapshot ``rows``, taking them out of the rollups."""
    ids = [row[0] for row in rows]
    for at in range(0, len(ids), 500):
        Record.objects.filter(data_set=data_set, record_id__in=ids[at : at + 500]).delete()
    if data_set.rollup and rows:
        delta = rollups.Delta(data_set.dimensions)
        for row in rows:
            delta.add(json.loads(row[-1]), periods.day_start(_as_datetime(row[1])), -1)
        rollups.apply(data_set, delta)


def store_replacing(
    data_set: DataSet,
    records: Iterable[PreparedRecord],
    *,
    now: datetime,
    replace_range: tuple[datetime, datetime] | None = None,
    source: str = "upload",
) -> Replaced:
    """Store records as :func:`store_records` does, keeping what they replace.

    With ``replace_range`` (first and last timestamp, inclusive) every stored record in
    that range is deleted first: the records given become the data for those dates. The
    rows overwritten or deleted are returned, so :func:`restore` can put exactly them
    back. All of it is one transaction.
    """
    result = Replaced()
    seen: set[str] = set()
    earliest = latest = None
    with transaction.atomic():
        _touch(data_set, now)
        if replace_range is not None:
            result.previous = _rows_in_range(data_set, *replace_range)
            result.deleted = len(result.previous)
            seen.update(row[0] for row in result.previous)
            _delete_rows(data_set, result.previous)
            earliest, latest = replace_range
            if result.deleted:
                _audit(data_set, None, "replace", result.deleted, source, now)
        stored: dict[str, None] = {}
        for chunk in _chunks(records, STORE_CHUNK, STORE_CHUNK_FIELDS):
            ids = list(dict.fromkeys(r.record_id for r in chunk))
            stored.update(dict.fromkeys(ids))
            fresh = [i for i in ids if i not in seen]
            result.previous.extend(_rows_with_ids(data_set, fresh))
            seen.update(fresh)
            result.count += len(chunk)
            _store_chunk(data_set, chunk, now)
            low = min(r.timestamp for r in chunk)
            high = max(r.timestamp for r in chunk)
            earliest = low if earliest is None else min(earliest, low)
            latest = high if latest is None else max(latest, high)
        result.stored_ids = list(stored)
        _changed(data_set, earliest, latest, source)
        _audit(data_set, None, "append", result.count, source, now)
    return result


def restore(
    data_set: DataSet,
    *,
    remove_ids: list[str],
    previous: list[list],
    now: datetime,
    source: str = "upload",
) -> int:
    """Undo a :func:`store_replacing`: delete the records it stored (``remove_ids``) and
    put back, column for column, the ``previous`` rows it overwrote or deleted.

    One transaction. Returns how many records were put back.
    """
    adapt = datetime_adapter()
    with transaction.atomic():
        _touch(data_set, now)
        current = _rows_with_ids(data_set, remove_ids)
        _delete_rows(data_set, current)
        rows = []
        for row in previous:
            values = [_as_datetime(v) if 1 <= i <= 8 else v for i, v in enumerate(row)]
            values = [adapt(v) if isinstance(v, datetime) else v for v in values]
            rows.append((data_set.pk, *values))
        with connection.cursor() as cursor:
            for at in range(0, len(rows), STORE_CHUNK):
                cursor.executemany(_upsert_sql(), rows[at : at + STORE_CHUNK])
        if data_set.rollup and previous:
            delta = rollups.Delta(data_set.dimensions)
            for row in previous:
                delta.add(json.loads(row[-1]), periods.day_start(_as_datetime(row[1])))
            rollups.apply(data_set, delta)
        stamps = [_as_datetime(r[1]) for r in current + previous]
        if stamps:
            _changed(data_set, min(stamps), max(stamps), source)
        _audit(data_set, None, "rollback", len(previous), source, now)
    return len(previous)
