"""Write benchmark: the write API against the database driver's own bulk insert.

For each database the same records are written twice into one fresh database:

* **raw**: straight into ``datastore_record`` with the driver (``sqlite3`` or
  ``psycopg`` ``executemany``; psycopg 3 sends it as one pipeline), one transaction per
  batch, into a second data set so the unique keys do not clash. The stored values
  (the record JSON with ``_id``, period keys and ``_updated_at``, and the timestamp
  columns) are computed before the clock starts; the timing covers what any writer
  must do: serialise the JSON, send the rows and commit.
* **API**: ``POST /data/<group>/<type>`` to a real ``performance-platform serve``, one
  batch per request, from several client threads; the timing is wall time from the
  first request to the last response, so it includes HTTP, authentication, JSON
  parsing, validation, deriving the period keys, the upsert and keeping the daily
  rollups (work the raw writer does not do: that is the overhead being measured).

On PostgreSQL the same rows are also loaded with ``COPY`` into a third data set and
reported for reference; the target is judged against ``executemany``, the DB-API bulk
insert. The machine may be busy with other work, so raw and API alternate in rounds
(``--rounds``, raw first in each) and each side's time is the sum over its rounds.
Afterwards both data sets must hold every record, and a sample of the API's stored
JSON must equal the raw writer's (apart from ``_updated_at``); otherwise the run fails.
"""

import statistics
import threading
import time
from datetime import UTC, datetime

import orjson

from . import common, data, register

TARGET_RATIO = 0.25
GROUP_API, GROUP_RAW, GROUP_COPY = "bench-api", "bench-raw", "bench-copy"
DATA_TYPE = "transactions-by-channel"
NAME_API, NAME_RAW, NAME_COPY = (
    f"{g.replace('-', '_')}_{DATA_TYPE.replace('-', '_')}"
    for g in (GROUP_API, GROUP_RAW, GROUP_COPY)
)
TOKEN = "bench-write-token-0123456789abcdef"
# The columns storage.py writes, in its order (storage._RECORD_COLUMNS).
COLUMNS = (
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
COUNT_SQL = "SELECT count(*) FROM datastore_record WHERE data_set_id = %s"
RAW_METHOD = {
    "sqlite": "sqlite3 executemany of INSERT, one transaction (BEGIN IMMEDIATE) per batch",
    "postgres": "psycopg executemany of INSERT (pipeline mode), one transaction per batch",
}


def _batches(items: list, size: int) -> list[list]:
    return [items[i : i + size] for i in range(0, len(items), size)]


# --- raw ----------------------------------------------------------------------------------


def _raw_rows(
    db: common.Database,
    data_set_id: int,
    records: list[dict],
    *,
    schema: dict | None = None,
    auto_ids: list[str] | None = None,
) -> list[tuple]:
    """Rows as storage.py would store them, the JSON still a dict (serialised when timed).

    ``auto_ids`` gives records without an ``_id`` the ids the data set would give them."""
    from performance_platform.datastore import periods
    from performance_platform.datastore.validation import prepare_records

    now = datetime.now(UTC)
    prepared, errors = prepare_records(records, schema=schema, auto_ids=auto_ids, now=now)
    if errors:
        raise RuntimeError(f"the generated records are invalid: {errors[:3]}")
    if db.kind == "sqlite":
        # What Django's SQLite backend binds for an aware datetime (USE_TZ, UTC).
        def adapt(value: datetime) -> str:
            return str(value.astimezone(UTC).replace(tzinfo=None))
    else:

        def adapt(value: datetime) -> datetime:
            return value

    starts = [periods.STARTS[p] for p in periods.PERIODS]
    updated = adapt(now)
    return [
        (
            data_set_id,
            r.record_id,
            adapt(r.timestamp),
            *(adapt(start(r.timestamp)) for start in starts),
            updated,
            r.data,
        )
        for r in prepared
    ]


def raw_insert(db: common.Database, rows: list[tuple], batch: int) -> float:
    """Insert ``rows`` with the driver, ``batch`` rows a transaction; returns seconds."""
    marks = ", ".join([db.placeholder] * len(COLUMNS))
    sql = f"INSERT INTO datastore_record ({', '.join(COLUMNS)}) VALUES ({marks})"
    dumps = orjson.dumps
    conn = db.connect()
    try:
        cur = conn.cursor()
        started = time.perf_counter()
        for start in range(0, len(rows), batch):
            chunk = [(*row[:-1], dumps(row[-1]).decode()) for row in rows[start : start + batch]]
            if db.kind == "sqlite":
                cur.execute("BEGIN IMMEDIATE")
                cur.executemany(sql, chunk)
                cur.execute("COMMIT")
            else:
                with conn.transaction():
                    cur.executemany(sql, chunk)
        return time.perf_counter() - started
    finally:
        conn.close()


def copy_insert(db: common.Database, rows: list[tuple], batch: int) -> float:
    """PostgreSQL only: the same rows with ``COPY ... FROM STDIN``, for reference."""
    statement = f"COPY datastore_record ({', '.join(COLUMNS)}) FROM STDIN"
    dumps = orjson.dumps
    conn = db.connect()
    try:
        cur = conn.cursor()
        started = time.perf_counter()
        for start in range(0, len(rows), batch):
            with conn.transaction(), cur.copy(statement) as copy:
                for row in rows[start : start + batch]:
                    copy.write_row((*row[:-1], dumps(row[-1]).decode()))
        return time.perf_counter() - started
    finally:
        conn.close()


# --- API ----------------------------------------------------------------------------------


def post_batches(url: str, bodies: list[bytes], threads: int) -> tuple[float, list[float]]:
    """POST every body from ``threads`` client threads; returns (seconds, latencies)."""
    import requests

    headers = {"Content-Type": "application/json", "Authorization": f"Bearer {TOKEN}"}
    queue = iter(bodies)
    lock = threading.Lock()
    latencies: list[float] = []
    failures: list[str] = []
    ready = threading.Barrier(threads + 1)

    def client() -> None:
        with requests.Session() as session:
            ready.wait()
            while not failures:
                with lock:
                    body = next(queue, None)
                if body is None:
                    return
                sent = time.perf_counter()
                try:
                    response = session.post(url, data=body, headers=headers, timeout=300)
                except requests.RequestException as exc:
                    failures.append(repr(exc))
                    return
                latencies.append(time.perf_counter() - sent)
                if response.status_code != 200:
                    failures.append(f"HTTP {response.status_code}: {response.text[:500]}")

    workers = [threading.Thread(target=client, daemon=True) for _ in range(threads)]
    for worker in workers:
        worker.start()
    ready.wait()
    started = time.perf_counter()
    for worker in workers:
        worker.join()
    seconds = time.perf_counter() - started
    if failures:
        raise RuntimeError(f"the write API refused a batch: {failures[0]}")
    return seconds, latencies


def _warm_up(url: str, workers: int) -> None:
    """An empty batch per worker (and some): loads the code paths; stores nothing."""
    import requests

    headers = {"Content-Type": "application/json", "Authorization": f"Bearer {TOKEN}"}
    for _ in range(workers * 3):
        response = requests.post(url, data=b"[]", headers=headers, timeout=30)
        if response.status_code != 200:
            raise RuntimeError(f"warm-up POST failed: HTTP {response.status_code}")


# --- checks -------------------------------------------------------------------------------


def _verify(db: common.Database, api_id: int, raw_id: int, records: list[dict]) -> dict:
    """Both data sets hold every record, and the API stored what the raw writer did."""
    api_count = db.query(COUNT_SQL, [api_id])[0][0]
    raw_count = db.query(COUNT_SQL, [raw_id])[0][0]
    sample_ids = [r["_id"] for r in records[:: max(1, len(records) // 50)]]
    marks = ", ".join(["%s"] * len(sample_ids))
    sql = (
        "SELECT record_id, data FROM datastore_record "
        f"WHERE data_set_id = %s AND record_id IN ({marks})"
    )

    def stored(data_set_id: int) -> dict:
        rows = db.query(sql, [data_set_id, *sample_ids])
        out = {}
        for record_id, value in rows:
            value = orjson.loads(value) if isinstance(value, str | bytes) else value
            value.pop("_updated_at", None)
            out[record_id] = value
        return out

    api_sample, raw_sample = stored(api_id), stored(raw_id)
    problems = []
    if api_count != len(records):
        problems.append(f"API data set holds {api_count:,} records, not {len(records):,}")
    if raw_count != len(records):
        problems.append(f"raw data set holds {raw_count:,} records, not {len(records):,}")
    if len(api_sample) != len(sample_ids) or api_sample != raw_sample:
        problems.append("the API's stored JSON differs from the raw writer's")
    return {
        "api_records": api_count,
        "raw_records": raw_count,
        "sample_compared": len(sample_ids),
        "problems": problems,
    }


# --- the benchmark ------------------------------------------------------------------------


def _rounds(count: int, rounds: int, batch: int) -> list[tuple[int, int]]:
    """Split ``count`` records into ``rounds`` slices on batch boundaries: [(start, stop)]."""
    batches = -(-count // batch)
    rounds = max(1, min(rounds, batches))
    edges = [round(i * batches / rounds) * batch for i in range(rounds + 1)]
    return [(a, min(b, count)) for a, b in zip(edges, edges[1:], strict=False) if a < b]


def measure(db: common.Database, records: list[dict], args) -> dict:
    """Raw, (COPY,) then API, round after round; each side's time is the sum of its rounds."""
    data_sets = [
        {"data_group": GROUP_API, "data_type": DATA_TYPE, "bearer_token": TOKEN},
        {"data_group": GROUP_RAW, "data_type": DATA_TYPE},
    ]
    if db.kind == "postgres":
        data_sets.append({"data_group": GROUP_COPY, "data_type": DATA_TYPE})
    common.import_config(db, {"data_sets": data_sets})
    api_id, raw_id = db.data_set_id(NAME_API), db.data_set_id(NAME_RAW)
    copy_id = db.data_set_id(NAME_COPY) if db.kind == "postgres" else None

    rows = _raw_rows(db, raw_id, records)
    raw_seconds = copy_seconds = api_seconds = 0.0
    latencies: list[float] = []
    slices = _rounds(len(records), args.rounds, args.batch)
    with common.Server(db, workers=args.workers) as server:
        url = f"{server.url}/data/{GROUP_API}/{DATA_TYPE}"
        _warm_up(url, args.workers)
        for number, (start, stop) in enumerate(slices, 1):
            raw_round = raw_insert(db, rows[start:stop], args.batch)
            raw_seconds += raw_round
            if copy_id is not None:
                copy_rows = [(copy_id, *row[1:]) for row in rows[start:stop]]
                copy_seconds += copy_insert(db, copy_rows, args.batch)
            bodies = [orjson.dumps(b) for b in _batches(records[start:stop], args.batch)]
            seconds, times = post_batches(url, bodies, args.clients)
            api_seconds += seconds
            latencies += times
            print(
                f"   round {number}/{len(slices)}: {stop - start:,} records; "
                f"raw {common.rate(stop - start, raw_round):,.0f} rec/s, "
                f"API {common.rate(stop - start, seconds):,.0f} rec/s",
                flush=True,
            )
    del rows

    checks = _verify(db, api_id, raw_id, records)
    api_rate = common.rate(len(records), api_seconds)
    raw_rate = common.rate(len(records), raw_seconds)
    ratio = api_rate / raw_rate
    latencies.sort()
    copy = None
    if copy_id is not None:
        copied = db.query(COUNT_SQL, [copy_id])[0][0]
        copy_rate = common.rate(len(records), copy_seconds)
        copy = {
            "seconds": round(copy_seconds, 3),
            "records_per_second": round(copy_rate, 1),
            "api_ratio": round(api_rate / copy_rate, 3),
            "method": "psycopg COPY FROM STDIN (text), one transaction per batch",
        }
        if copied != len(records):
            checks["problems"].append(f"COPY stored {copied:,} records, not {len(records):,}")
    return {
        "database": db.kind,
        "label": db.label,
        "api": {
            "seconds": round(api_seconds, 3),
            "records_per_second": round(api_rate, 1),
            "requests": len(latencies),
            "latency_ms_median": round(statistics.median(latencies) * 1000, 1),
            "latency_ms_p95": round(latencies[int(0.95 * (len(latencies) - 1))] * 1000, 1),
        },
        "raw": {
            "seconds": round(raw_seconds, 3),
            "records_per_second": round(raw_rate, 1),
            "method": RAW_METHOD[db.kind],
        },
        "ratio": round(ratio, 3),
        "reference_copy": copy,
        "rounds": len(slices),
        "verified": checks,
        "passed": ratio >= TARGET_RATIO and not checks["problems"],
    }


@register("write", "write API (POST over HTTP to serve) vs the driver's bulk insert")
def run(args) -> dict:
    records = data.transactions_by_channel(args.records, shuffled=args.shuffle)
    order = "shuffled" if args.shuffle else "time order"
    batches = -(-len(records) // args.batch)
    load_before = common.load_average()
    print(
        f"== write: {len(records):,} records ({order}) in {batches:,} batches of {args.batch:,}; "
        f"serve --workers {args.workers}, {args.clients} client thread(s); "
        f"{common.cpu_count()} CPU core(s); raw and API alternate over "
        f"{len(_rounds(len(records), args.rounds, args.batch))} round(s); "
        f"load average {load_before}"
    )
    results = []
    for kind in args.databases:
        with common.fresh_database(kind, args) as db:
            if db is None:
                results.append({"database": kind, "skipped": "server unreachable"})
                continue
            print(f"   {db.label}:", flush=True)
            results.append(measure(db, records, args))

    rows = []
    for r in results:
        if "skipped" in r:
            rows.append([common.LABELS[r["database"]], "-", "-", "-", "-", "SKIPPED"])
            continue
        rows.append(
            [
                r["label"],
                f"{r['api']['records_per_second']:,.0f}",
                f"{r['raw']['records_per_second']:,.0f}",
                f"{r['ratio']:.3f}",
                f">= {TARGET_RATIO}",
                "PASS" if r["passed"] else "FAIL",
            ]
        )
    print()
    print(
        common.table(
            ["database", "API rec/s", "raw rec/s", "API/raw", "target", "result"],
            rows,
        )
    )
    print()
    for r in results:
        if "skipped" in r:
            continue
        print(
            f"{r['label']}: API {r['api']['seconds']:.1f} s "
            f"(median request {r['api']['latency_ms_median']:.0f} ms, "
            f"p95 {r['api']['latency_ms_p95']:.0f} ms); raw {r['raw']['seconds']:.1f} s "
            f"[{r['raw']['method']}]; verified {r['verified']['api_records']:,} + "
            f"{r['verified']['raw_records']:,} rows"
        )
        if r["reference_copy"]:
            c = r["reference_copy"]
            print(
                f"   for reference, COPY: {c['records_per_second']:,.0f} rec/s "
                f"({c['seconds']:.1f} s); API/COPY {c['api_ratio']:.3f} (not the target)"
            )
        for problem in r["verified"]["problems"]:
            print(f"   PROBLEM: {problem}")
    measured = [r for r in results if "skipped" not in r]
    result = {
        "benchmark": "write",
        "finished_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "records": len(records),
        "batch": args.batch,
        "order": order,
        "serve_workers": args.workers,
        "client_threads": args.clients,
        "cpu_cores": common.cpu_count(),
        "load_average_before_after": [load_before, common.load_average()],
        "target_ratio": TARGET_RATIO,
        "results": results,
        "passed": bool(measured) and all(r["passed"] for r in measured),
    }
    path = common.write_results("write-shuffled" if args.shuffle else "write", result)
    print(f"results: {path.relative_to(common.ROOT)}")
    return result
