"""Daily rollups: pre-aggregated totals kept exact at write time.

Each record contributes to one :class:`~.models.RollupDay` row: the day it falls in and
the combination of its *dimension* values. The row holds how many records it stands
for and, for every numeric *measure* field, ``[sum, numbers, floats, non-numbers]``.

Which fields are dimensions:

* if the data set declares ``dimensions``, exactly those fields; every other field is
  a measure, and a text or true/false value in it counts as a non-number;
* otherwise every field holding text, true/false or null is a dimension and every
  field holding a number is a measure.

``DataSet.field_kinds`` remembers which kinds of value each field has ever held
(bit mask: ``NUMBER``, ``TEXT``, ``NULL``), so the query planner knows when a field
can be answered from the rollup (see ``can_use_rollup`` in ``query/engine.py``).

Weekly and monthly rows (:class:`~.models.RollupPeriod`) sum the daily rows over a
Monday week or a calendar month. They change in the same transaction, by the same
per-batch delta, so long monthly or weekly reads scan 7 to 30 times fewer rows.

Writers to one data set are serialised (the data set row is locked first), so reading,
merging and writing rollup rows cannot lose an update. Integer sums are adjusted
exactly; a removal that involves a float recomputes the affected rows from the records,
so float sums never drift through repeated subtraction.
"""

import hashlib
import math
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

import orjson
from django.db import connection
from django.utils.dateparse import parse_datetime

from . import periods
from .models import DataSet, Record, RollupDay, RollupPeriod
from .sqlutil import datetime_adapter, db_json

NUMBER, TEXT, NULL = 1, 2, 4

Key = tuple[datetime, str]  # (day, dims_hash)


def _is_number(value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def dims_hash(dims: dict) -> str:
    """A short, stable key for a combination of dimension values."""
    return hashlib.sha1(_dumps(dims), usedforsecurity=False).hexdigest()


def _dumps(value) -> bytes:
    # Floats written so PostgreSQL keeps them floats, -0.0 as 0.0 (so a dimension value
    # hashes the same when it is read back), sums beyond 64 bits exactly.
    return db_json(value, sort_keys=True)


def kind_of(value) -> int:
    """The kind bit of a JSON value."""
    if value is None:
        return NULL
    return NUMBER if _is_number(value) else TEXT


def split(record: dict, declared: list[str] | None) -> tuple[dict, dict]:
    """A record's dimension values and its measure values (internal fields excluded)."""
    dims, measures = {}, {}
    for key, value in record.items():
        if key[0] == "_":
            continue
        if declared is not None:
            if key in declared:
                dims[key] = value
            elif value is not None:
                measures[key] = value
        elif value is None or not _is_number(value):
            dims[key] = value
        else:
            measures[key] = value
    return dims, measures


class Delta:
    """Changes to rollup rows, gathered over a batch before touching the database."""

    def __init__(self, declared: list[str] | None):
        self.declared = declared
        self.rows: dict[Key, list] = {}  # key -> [dims, count, {field: [sum, n, nf, nbad]}]
        self.recompute: set[Key] = set()
        self.kinds: dict[str, int] = {}
        self._hashes: dict[tuple, str] = {}

    def _hash(self, dims: dict) -> str:
        # The same few combinations repeat across a batch: hash each one once.
        try:
            memo_key = tuple(sorted((k, type(v).__name__, v) for k, v in dims.items()))
        except TypeError:
            return dims_hash(dims)
        digest = self._hashes.get(memo_key)
        if digest is None:
            digest = self._hashes[memo_key] = dims_hash(dims)
        return digest

    def add(self, record: dict, day: datetime, sign: int = 1) -> None:
        """Count ``record`` in (``sign=1``) or out (``sign=-1``) of its day's totals."""
        dims, measures = split(record, self.declared)
        key = (day, self._hash(dims))
        row = self.rows.get(key)
        if row is None:
            row = self.rows[key] = [dims, 0, {}]
        row[1] += sign
        for field, value in record.items():
            if field[0] != "_" and sign > 0:
                self.kinds[field] = self.kinds.get(field, 0) | kind_of(value)
        for field, value in measures.items():
            acc = row[2].get(field)
            if acc is None:
                acc = row[2][field] = [0, 0, 0, 0]
            if _is_number(value):
                if isinstance(value, float):
                    acc[2] += sign
                    if sign < 0:
                        self.recompute.add(key)
                acc[0] += sign * value
                acc[1] += sign
            else:
                acc[3] += sign


def _merge(current: tuple[int, dict] | None, change: list) -> tuple[int, dict]:
    count, measures = current if current else (0, {})
    measures = {k: list(v) for k, v in measures.items()}
    count += change[1]
    for field, (total, n, nf, nbad) in change[2].items():
        acc = measures.setdefault(field, [0, 0, 0, 0])
        if acc[0] is None:  # a float sum that overflowed (JSON has no infinity)
            acc[0] = math.nan
        acc[0] += total
        acc[1] += n
        acc[2] += nf
        acc[3] += nbad
        if acc[1] == 0 and acc[3] == 0:
            del measures[field]
        elif acc[2] == 0 and isinstance(acc[0], float) and acc[0].is_integer():
            acc[0] = int(acc[0])
    return count, measures


def _fetch(data_set_id: int, keys: Iterable[Key], level: str = "day") -> dict[Key, tuple]:
    """Current rollup rows for the given (start, dims_hash) keys (raw SQL: runs on every write).

    ``level`` is ``day`` (the daily table) or a :class:`~.models.RollupPeriod` level.
    Asks for the keys' starts and dimension hashes together, so a batch spread over many
    days reads only the rows it may change, not every row of those days.
    """
    adapt = datetime_adapter()
    if level == "day":
        head = f"SELECT day, dims_hash, count, measures FROM {RollupDay._meta.db_table} "
        head += "WHERE data_set_id = %s AND day IN "
        fixed = [data_set_id]
    else:
        head = f"SELECT start, dims_hash, count, measures FROM {RollupPeriod._meta.db_table} "
        head += "WHERE data_set_id = %s AND level = %s AND start IN "
        fixed = [data_set_id, level]
    found = {}
    by_day: dict[datetime, set[str]] = {}
    for day, digest in keys:
        by_day.setdefault(day, set()).add(digest)
    day_list = sorted(by_day)
    by_text = {adapt(day): day for day in day_list}
    with connection.cursor() as cursor:
        for start in range(0, len(day_list), 200):
            days = day_list[start : start + 200]
            digests = sorted(set().union(*(by_day[d] for d in days)))
            cursor.execute(
                f"{head}({', '.join(['%s'] * len(days))}) "
                f"AND dims_hash IN ({', '.join(['%s'] * len(digests))})",
                [*fixed, *(adapt(d) for d in days), *digests],
            )
            for day, digest, count, measures in cursor.fetchall():
                day = _as_day(day, by_text)
                found[(day, digest)] = (int(count), _loads(measures))
    return found


def _as_day(value, by_text: dict) -> datetime:
    if isinstance(value, datetime):
        return value if value.tzinfo is not None else value.replace(tzinfo=UTC)
    text = str(value)
    return by_text.get(text) or parse_datetime(text).replace(tzinfo=UTC)


def _loads(value):
    if isinstance(value, dict):
        return value
    if isinstance(value, memoryview | bytearray):
        value = bytes(value)
    return orjson.loads(value)


_UPSERT = None


def _upsert_sql() -> str:
    global _UPSERT
    if _UPSERT is None:
        table = RollupDay._meta.db_table
        cols = (
            "data_set_id, day, week_start, month_start, quarter_start, year_start, "
            "dims_hash, dims, count, measures"
        )
        _UPSERT = (
            f"INSERT INTO {table} ({cols}) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s) "
            "ON CONFLICT (data_set_id, day, dims_hash) DO UPDATE SET "
            "count = excluded.count, measures = excluded.measures"
        )
    return _UPSERT


_PERIOD_UPSERT = None


def _period_upsert_sql() -> str:
    global _PERIOD_UPSERT
    if _PERIOD_UPSERT is None:
        table = RollupPeriod._meta.db_table
        cols = (
            "data_set_id, level, start, quarter_start, year_start, dims_hash, dims, count, measures"
        )
        _PERIOD_UPSERT = (
            f"INSERT INTO {table} ({cols}) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s) "
            "ON CONFLICT (data_set_id, level, start, dims_hash) DO UPDATE SET "
            "count = excluded.count, measures = excluded.measures"
        )
    return _PERIOD_UPSERT


LEVEL_STARTS = {"week": periods.week_start, "month": periods.month_start}


def _unchanged(change: list) -> bool:
    return change[1] == 0 and not any(any(v) for v in change[2].values())


def apply(data_set: DataSet, delta: Delta) -> None:
    """Write ``delta`` into the rollup tables (inside the caller's transaction)."""
    if delta.rows:
        recompute = {k for k in delta.recompute if k in delta.rows}
        _apply_days(data_set, delta.rows, recompute)
        if recompute:
            _recompute(data_set, recompute)
        for level, start_of in LEVEL_STARTS.items():
            _apply_level(data_set, level, start_of, delta.rows, recompute)
    _merge_kinds(data_set, delta.kinds)


def _apply_days(data_set: DataSet, rows: dict[Key, list], recompute: set[Key]) -> None:
    """Merge per-day changes into the daily rows."""
    if rows:
        current = _fetch(data_set.pk, rows)
        adapt = datetime_adapter()
        upserts, deletes = [], []
        for key, change in rows.items():
            if _unchanged(change) and key not in recompute:
                continue
            count, measures = _merge(current.get(key), change)
            day, digest = key
            if count <= 0:
                deletes.append((data_set.pk, adapt(day), digest))
                continue
            upserts.append(
                (
                    data_set.pk,
                    adapt(day),
                    adapt(periods.week_start(day)),
                    adapt(periods.month_start(day)),
                    adapt(periods.quarter_start(day)),
                    adapt(periods.year_start(day)),
                    digest,
                    _dumps(change[0]).decode(),
                    count,
                    _dumps(measures).decode(),
                )
            )
        table = RollupDay._meta.db_table
        with connection.cursor() as cursor:
            if deletes:
                cursor.executemany(
                    f"DELETE FROM {table} WHERE data_set_id = %s AND day = %s AND dims_hash = %s",
                    deletes,
                )
            if upserts:
                cursor.executemany(_upsert_sql(), upserts)


def _add_into(acc: list, change: list) -> None:
    """Add one change [dims, count, {field: [sum, n, nf, nbad]}] into another."""
    acc[1] += change[1]
    for field, vector in change[2].items():
        target = acc[2].get(field)
        if target is None:
            acc[2][field] = list(vector)
        else:
            for i in range(4):
                target[i] += vector[i]


def _apply_level(data_set, level: str, start_of, rows: dict[Key, list], recompute: set[Key]):
    """Merge the same per-day changes into the week or month rows that hold those days.

    A period holding a day that was recomputed (a float removed) is summed again from
    its daily rows instead, so its float sums never drift either.
    """
    changes: dict[Key, list] = {}
    for (day, digest), change in rows.items():
        key = (start_of(day), digest)
        acc = changes.get(key)
        if acc is None:
            acc = changes[key] = [change[0], 0, {}]
        _add_into(acc, change)
    again = {(start_of(day), digest) for day, digest in recompute}
    changes = {k: v for k, v in changes.items() if k not in again and not _unchanged(v)}
    if changes:
        current = _fetch(data_set.pk, changes, level)
        merged = {
            key: (change[0], *_merge(current.get(key), change)) for key, change in changes.items()
        }
        _write_level(data_set, level, merged)
    if again:
        _write_level(data_set, level, _sum_days(data_set, level, again))


def _write_level(data_set, level: str, rows: dict[Key, tuple]) -> None:
    """Upsert (start, digest) -> (dims, count, measures) rows; a count of 0 deletes the row."""
    adapt = datetime_adapter()
    upserts, deletes = [], []
    for (start, digest), (dims, count, measures) in rows.items():
        if count <= 0:
            deletes.append((data_set.pk, level, adapt(start), digest))
            continue
        month = level == "month"
        upserts.append(
            (
                data_set.pk,
                level,
                adapt(start),
                adapt(periods.quarter_start(start)) if month else None,
                adapt(periods.year_start(start)) if month else None,
                digest,
                _dumps(dims).decode(),
                count,
                _dumps(measures).decode(),
            )
        )
    table = RollupPeriod._meta.db_table
    with connection.cursor() as cursor:
        if deletes:
            cursor.executemany(
                f"DELETE FROM {table} WHERE data_set_id = %s AND level = %s AND start = %s "
                "AND dims_hash = %s",
                deletes,
            )
        if upserts:
            cursor.executemany(_period_upsert_sql(), upserts)


def _sum_days(data_set, level: str, keys: set[Key]) -> dict[Key, tuple]:
    """The given period rows summed afresh from the daily rows (count 0 where none are left)."""
    out: dict[Key, tuple] = {key: ({}, 0, {}) for key in keys}
    by_start: dict[datetime, set[str]] = {}
    for start, digest in keys:
        by_start.setdefault(start, set()).add(digest)
    for start, digests in by_start.items():
        end = start + timedelta(days=7) if level == "week" else periods.next_month(start)
        rows = RollupDay.objects.filter(
            data_set=data_set, day__gte=start, day__lt=end, dims_hash__in=digests
        ).order_by("day")
        acc: dict[str, list] = {}
        for digest, dims, count, measures in rows.values_list(
            "dims_hash", "dims", "count", "measures"
        ):
            entry = acc.setdefault(digest, [dims, 0, {}])
            vectors = {f: [math.nan if v[0] is None else v[0], *v[1:]] for f, v in measures.items()}
            _add_into(entry, [dims, count, vectors])
        for digest, (dims, count, measures) in acc.items():
            out[(start, digest)] = (dims, *_merge(None, [dims, count, measures]))
    return out


def _recompute(data_set: DataSet, keys: set[Key]) -> None:
    """Rebuild the given daily rows from the records themselves (exact float sums)."""
    by_day: dict[datetime, set[str]] = {}
    for day, digest in keys:
        by_day.setdefault(day, set()).add(digest)
    for day, digests in by_day.items():
        fresh = Delta(data_set.dimensions)
        rows = Record.objects.filter(data_set=data_set, day_start=day).values_list(
            "data", flat=True
        )
        for data in rows:
            fresh.add(data, day)
        RollupDay.objects.filter(data_set=data_set, day=day, dims_hash__in=digests).delete()
        fresh.rows = {k: v for k, v in fresh.rows.items() if k[1] in digests}
        _apply_days(data_set, fresh.rows, set())


def _merge_kinds(data_set: DataSet, kinds: dict[str, int]) -> None:
    if not kinds:
        return
    # Read them again: the copy loaded with the request may be stale (another writer, or
    # an emptying, committed since). The writer holds the data set's lock by now.
    known = (
        DataSet.objects.filter(pk=data_set.pk).values_list("field_kinds", flat=True).first() or {}
    )
    merged = dict(known)
    for field, bits in kinds.items():
        merged[field] = merged.get(field, 0) | bits
    if merged != known:
        DataSet.objects.filter(pk=data_set.pk).update(field_kinds=merged)
    data_set.field_kinds = merged


def clear(data_set: DataSet) -> None:
    """Forget every rollup row and field kind of a data set (it has been emptied)."""
    RollupDay.objects.filter(data_set=data_set).delete()
    RollupPeriod.objects.filter(data_set=data_set).delete()
    DataSet.objects.filter(pk=data_set.pk).update(field_kinds={})
    data_set.field_kinds = {}


def rebuild(data_set: DataSet, batch: int = 5000) -> int:
    """Recompute a data set's rollups from its records (after changing its dimensions)."""
    from django.db import transaction

    with transaction.atomic():
        DataSet.objects.select_for_update().filter(pk=data_set.pk).first()
        clear(data_set)
        if not data_set.rollup:
            return 0
        delta = Delta(data_set.dimensions)
        rows = Record.objects.filter(data_set=data_set).values_list("day_start", "data")
        for day, data in rows.iterator(chunk_size=batch):
            delta.add(data, day)
        delta.recompute = set()
        apply(data_set, delta)
        return RollupDay.objects.filter(data_set=data_set).count()
