"""Read benchmark: dashboard queries over HTTP against ``serve``, beside hand-written SQL.

For each database, one fresh database gets:

* one data set (``bench-read/transactions-by-channel``, raw queries allowed, daily rollups
  on, dimensions *inferred*: no ``dimensions`` declared, so the text fields ``service``,
  ``channel`` and ``period`` become dimensions and the number ``count`` a measure)
  holding ``--records`` records (default 1,000,000) from
  :func:`bench.data.transactions_by_channel`, spread over two years (2023 and 2024);
* 20 other data sets of 5,000 records each, as noise, their batches interleaved with the
  main data set's as concurrent collectors would send them.

The records are loaded in-process through the platform's own write pipeline
(``validation.prepare_records`` + ``storage.store_records``, 10,000 records a
transaction; see :mod:`bench.readload`), so records and rollups are stored exactly as the
write API stores them; the load rate is reported as the write rate with rollups on.
On PostgreSQL the tables are then ``VACUUM ANALYZE``d, as autovacuum would do shortly
after such a load; SQLite gets nothing (the platform never runs ``ANALYZE`` there).

Then ``performance-platform serve`` runs with ``REDIS_URL`` pointing at one Redis
database (``--redis-url``), so every server worker shares the cache, and each query is
timed client-side (wall time from connecting to the last byte, on a new connection for
each request): **cold** after flushing that Redis database,
**warm** the same request again at once (answered from the cache), and, for reference,
**304** the same request with ``If-None-Match``. Medians of ``--repeats`` rounds, after
unmeasured warm-up requests; the queries take turns within each round.

The **raw SQL** figure is one hand-written statement per query run straight on
``datastore_record`` with the driver (``sqlite3`` / ``psycopg``), timing execute +
fetchall (median of ``--repeats`` runs after one unmeasured run). It reads values from the
record JSON (``json_extract(data, '$.count')`` / ``(data->>'count')::numeric``) and time
from the real columns (``timestamp``, ``week_start``, ``month_start``), as a
straightforward hand-written query would; PostgreSQL's JSON comes back as text, as
Django fetches it. Its results are checked against the API's answers.

"Cold" means the platform's cache is empty; the database's own pages are in memory
(the data was just loaded), as they would be on a busy server.
"""

import argparse
import http.client
import json
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime
from urllib.parse import urlsplit

from . import common, register

GROUP, DATA_TYPE = "bench-read", "transactions-by-channel"
NAME = f"{GROUP}_{DATA_TYPE}".replace("-", "_")
PATH = f"/data/{GROUP}/{DATA_TYPE}"
NOISE_SETS, NOISE_RECORDS = 20, 5_000
LOAD_BATCH = 10_000
WARM_LIMIT_MS = 5.0  # any repeated query answered from the cache


def _ts(kind: str, text: str):
    """A timestamp parameter as the platform stores it (SQLite: naive UTC text)."""
    value = datetime.fromisoformat(text).replace(tzinfo=UTC)
    return value.strftime("%Y-%m-%d %H:%M:%S") if kind == "sqlite" else value


def _json(kind: str, field: str, numeric: bool = False) -> str:
    if kind == "sqlite":
        return f"json_extract(data, '$.{field}')"
    return f"(data->>'{field}')::numeric" if numeric else f"(data->>'{field}')"


# Each query: the API query string, the hand-written SQL (by database) and its parameters.
# {ph} is the driver's placeholder.
QUERIES = {
    "q1": {
        "title": "1. weekly sum of count by channel, one year",
        "qs": "period=week&start_at=2024-01-01T00:00:00Z&end_at=2024-12-30T00:00:00Z"
        "&group_by=channel&collect=count:sum",
        "sql": lambda k: (
            f"SELECT week_start, {_json(k, 'channel')}, SUM({_json(k, 'count', True)}) "
            "FROM datastore_record WHERE data_set_id = {ph} AND timestamp >= {ph} "
            "AND timestamp < {ph} GROUP BY 1, 2"
        ),
        "params": lambda k, ds: [ds, _ts(k, "2024-01-01"), _ts(k, "2024-12-30")],
    },
    "q2": {
        "title": "2. monthly _count, two years",
        "qs": "period=month&start_at=2023-01-01T00:00:00Z&end_at=2025-01-01T00:00:00Z",
        "sql": lambda k: (
            "SELECT month_start, COUNT(*) FROM datastore_record WHERE data_set_id = {ph} "
            "AND timestamp >= {ph} AND timestamp < {ph} GROUP BY 1"
        ),
        "params": lambda k, ds: [ds, _ts(k, "2023-01-01"), _ts(k, "2025-01-01")],
    },
    "q3": {
        "title": "3. latest 2 records for a filter (KPI)",
        "qs": "filter_by=service:vehicle-tax&filter_by=channel:digital"
        "&sort_by=_timestamp:descending&limit=2",
        "sql": lambda k: (
            f"SELECT data FROM datastore_record WHERE data_set_id = {{ph}} "
            f"AND {_json(k, 'service')} = {{ph}} AND {_json(k, 'channel')} = {{ph}} "
            "ORDER BY timestamp DESC LIMIT 2"
        ),
        "params": lambda k, ds: [ds, "vehicle-tax", "digital"],
    },
    "q4": {
        "title": "4. raw page of 1,000 records",
        "qs": "start_at=2024-06-01T00:00:00Z&end_at=2024-07-01T00:00:00Z"
        "&sort_by=_timestamp:ascending&limit=1000",
        "sql": lambda k: (
            "SELECT data FROM datastore_record WHERE data_set_id = {ph} "
            "AND timestamp >= {ph} AND timestamp < {ph} ORDER BY timestamp LIMIT 1000"
        ),
        "params": lambda k, ds: [ds, _ts(k, "2024-06-01"), _ts(k, "2024-07-01")],
    },
}


def judge(key: str, cold: float, warm: float, raw: float) -> tuple[str, bool]:
    """(target text, met) for one query's medians in ms."""
    warm_ok = warm < WARM_LIMIT_MS
    if key in ("q1", "q2"):
        return "cold<50, raw/cold>=3, warm<5", cold < 50 and raw / cold >= 3 and warm_ok
    if key == "q3":
        return "cold<10, warm<5", cold < 10 and warm_ok
    limit = 2 * raw + 5
    return f"cold<2*raw+5={limit:.1f}, warm<5", cold < limit and warm_ok


# --- helpers ------------------------------------------------------------------------------


def _platform_env(db: common.Database) -> dict[str, str]:
    env = db.env()
    env["DJANGO_SETTINGS_MODULE"] = "performance_platform.settings"
    env.pop("REDIS_URL", None)  # the in-process helpers never touch the cache
    return env


def _readload(db: common.Database, command: str, spec: dict) -> dict:
    """Run ``python -m bench.readload <command>`` with ``spec``; its progress goes to stderr."""
    result = subprocess.run(
        [sys.executable, "-m", "bench.readload", command],
        env=_platform_env(db),
        cwd=common.ROOT,
        input=json.dumps(spec).encode(),
        stdout=subprocess.PIPE,
    )
    if result.returncode != 0:
        raise RuntimeError(f"bench.readload {command} failed (exit {result.returncode})")
    return json.loads(result.stdout)


class Cache:
    """The one Redis database ``serve`` caches in; refuses one that holds other data."""

    def __init__(self, url: str):
        import redis

        path = urlsplit(url).path.strip("/")
        if not path.isdigit():
            raise RuntimeError(f"--redis-url must name a database number (…/11), not {url}")
        self.url = url
        self.client = redis.Redis.from_url(url, socket_timeout=5)
        try:
            self.client.ping()
        except redis.RedisError as exc:
            raise RuntimeError(f"cannot reach Redis at {url}: {exc}")
        # Django's cache keys look like ":1:read:<sha1>"; anything else belongs to someone.
        foreign = [k for k in self.client.scan_iter(count=1000) if not k.startswith(b":1:")]
        if foreign:
            raise RuntimeError(
                f"Redis database {url} holds keys that are not the platform's cache "
                f"(e.g. {foreign[0]!r}); choose another with --redis-url"
            )

    def flush(self) -> None:
        self.client.flushdb()


def _get(port: int, target: str, headers: dict | None = None) -> tuple[float, int, bytes, dict]:
    """One GET on a new connection: (seconds, status, body, headers)."""
    started = time.perf_counter()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        conn.request("GET", target, headers=headers or {})
        response = conn.getresponse()
        body = response.read()
        seconds = time.perf_counter() - started
        return seconds, response.status, body, dict(response.getheaders())
    finally:
        conn.close()


def _ms(values: list[float]) -> float:
    return statistics.median(values) * 1000


# --- raw SQL --------------------------------------------------------------------------------


def raw_sql(db: common.Database, data_set_id: int, repeats: int) -> dict:
    """Median ms of each hand-written statement, and its rows for the checks."""
    conn = db.connect()
    if db.kind == "postgres":
        from psycopg.types.string import TextLoader

        conn.adapters.register_loader("jsonb", TextLoader)  # JSON as text, as Django does
    out = {}
    try:
        cur = conn.cursor()
        for key, q in QUERIES.items():
            sql = q["sql"](db.kind).format(ph=db.placeholder)
            params = q["params"](db.kind, data_set_id)
            cur.execute(sql, params)
            rows = cur.fetchall()  # unmeasured first run
            times = []
            for _ in range(repeats):
                t0 = time.perf_counter()
                cur.execute(sql, params)
                rows = cur.fetchall()
                times.append(time.perf_counter() - t0)
            out[key] = {"ms": _ms(times), "rows": rows, "sql": sql}
    finally:
        conn.close()
    return out


# --- checks ---------------------------------------------------------------------------------


def _iso_day(value) -> str:
    if isinstance(value, str):
        return value[:10]
    return value.astimezone(UTC).strftime("%Y-%m-%d")


def check(key: str, api_body: bytes, raw_rows: list) -> str | None:
    """None when the API's answer equals the hand-written SQL's; else what differs."""
    data = json.loads(api_body)["data"]
    if key == "q1":
        want = {(_iso_day(w), c): int(s) for w, c, s in raw_rows}
        got = {
            (v["_start_at"][:10], g["channel"]): v["count:sum"]
            for g in data
            for v in g["values"]
            if v["_count"]
        }
        return None if got == want else f"weekly sums differ ({len(got)} vs {len(want)} cells)"
    if key == "q2":
        want = {_iso_day(m): int(n) for m, n in raw_rows}
        got = {v["_start_at"][:10]: v["_count"] for v in data if v["_count"]}
        return None if got == want else "monthly counts differ"
    if key == "q3":
        stamps = [json.loads(r[0])["_timestamp"] for r in raw_rows]
        got = [r["_timestamp"] for r in data]
        return None if got == stamps and len(got) == 2 else f"latest records differ: {got}"
    stamps = [json.loads(r[0])["_timestamp"] for r in raw_rows]
    got = [r["_timestamp"] for r in data]
    return None if got == stamps and len(got) == 1000 else "the raw page differs"


# --- the benchmark --------------------------------------------------------------------------


def _http(server: common.Server, cache: Cache, repeats: int) -> tuple[dict, dict]:
    """(cold, warm and 304 medians per query; the last response body per query)."""
    port = server.port
    targets = {key: f"{PATH}?{q['qs']}" for key, q in QUERIES.items()}
    for _ in range(2 * server.workers + 2):  # every worker: imports, connections, statements
        for target in targets.values():
            cache.flush()
            for _ in range(2):
                seconds, status, body, _ = _get(port, target)
                if status != 200:
                    raise RuntimeError(f"GET {target}: HTTP {status}: {body[:300]!r}")
    times = {key: {"cold": [], "warm": [], "304": []} for key in targets}
    bodies = {}
    for _ in range(repeats):
        for key, target in targets.items():
            cache.flush()
            cold, status, body, headers = _get(port, target)
            warm, status2, body2, _ = _get(port, target)
            if status != 200 or status2 != 200 or body2 != body:
                raise RuntimeError(f"GET {target}: HTTP {status}/{status2} or bodies differ")
            not_modified, status3, _, _ = _get(port, target, {"If-None-Match": headers["ETag"]})
            if status3 != 304:
                raise RuntimeError(f"GET {target} with If-None-Match: HTTP {status3}, not 304")
            times[key]["cold"].append(cold)
            times[key]["warm"].append(warm)
            times[key]["304"].append(not_modified)
            bodies[key] = body
    cache.flush()
    return {
        key: {
            "cold_ms": _ms(t["cold"]),
            "warm_ms": _ms(t["warm"]),
            "not_modified_ms": _ms(t["304"]),
            "cold_ms_all": [round(x * 1000, 2) for x in t["cold"]],
            "warm_ms_all": [round(x * 1000, 2) for x in t["warm"]],
            "bytes": len(bodies[key]),
        }
        for key, t in times.items()
    }, bodies


def measure(db: common.Database, args, cache: Cache, records: int) -> dict:
    noise = [f"bench-noise-{i:02d}" for i in range(1, NOISE_SETS + 1)]
    common.import_config(
        db,
        {
            "data_sets": [
                {"data_group": GROUP, "data_type": DATA_TYPE, "raw_queries_allowed": True},
                *({"data_group": g, "data_type": DATA_TYPE} for g in noise),
            ]
        },
    )
    print(f"   {db.label}: loading {records:,} records (+ {NOISE_SETS} × {NOISE_RECORDS:,} noise)")
    load = _readload(
        db,
        "load",
        {
            "main": NAME,
            "records": records,
            "batch": LOAD_BATCH,
            "noise": [f"{g}_{DATA_TYPE}".replace("-", "_") for g in noise],
            "noise_records": NOISE_RECORDS,
        },
    )
    write_rate = common.rate(load["records"], load["seconds"])
    print(
        f"   loaded {load['records']:,} records in {load['seconds']:.1f} s "
        f"({write_rate:,.0f} rec/s); {load['rollup_rows']:,} rollup rows",
        flush=True,
    )
    if load["stored_records"] != records:
        raise RuntimeError(f"{load['stored_records']:,} records stored, not {records:,}")
    if db.kind == "postgres":
        conn = db.connect()
        try:
            conn.execute("VACUUM ANALYZE")
        finally:
            conn.close()
    data_set_id = db.data_set_id(NAME)
    engine = _readload(
        db,
        "engine",
        {
            "data_set": NAME,
            "queries": {k: q["qs"] for k, q in QUERIES.items()},
            "repeats": args.repeats,
        },
    )
    load_average = common.load_average()
    raw = raw_sql(db, data_set_id, args.repeats)
    with common.Server(db, workers=args.workers, extra_env={"REDIS_URL": cache.url}) as server:
        http_times, bodies = _http(server, cache, args.repeats)
    queries = {}
    for key, q in QUERIES.items():
        h, r, e = http_times[key], raw[key], engine[key]
        target, met = judge(key, h["cold_ms"], h["warm_ms"], r["ms"])
        problem = check(key, bodies[key], r["rows"])
        queries[key] = {
            "title": q["title"],
            "query": q["qs"],
            **h,
            "raw_sql_ms": r["ms"],
            "raw_over_cold": r["ms"] / h["cold_ms"],
            "raw_sql": r["sql"],
            "engine_ms": e["engine_ms_median"],
            "used_rollup": e["used_rollup"],
            "engine_sql": e["sql"],
            "target": target,
            "check": problem or "same result as the raw SQL",
            "passed": met and problem is None,
        }
    failed = [k for k, v in queries.items() if not v["passed"]]
    if failed:
        profiled = _readload(
            db,
            "engine",
            {
                "data_set": NAME,
                "queries": {k: QUERIES[k]["qs"] for k in failed},
                "repeats": args.repeats,
                "profile": failed,
            },
        )
        for key in failed:
            queries[key]["profile"] = profiled[key].get("profile")
    return {
        "database": db.kind,
        "label": db.label,
        "load": {
            **load,
            "records_per_second": write_rate,
            "method": "in-process pipeline: validation.prepare_records + storage.store_records, "
            f"{LOAD_BATCH:,} records a transaction, rollups on",
        },
        "queries": queries,
        "load_average": load_average,
        "passed": not failed,
    }


def _ratio(value: float) -> str:
    return f"{value:.0f}x" if value >= 10 else f"{value:.1f}x" if value >= 1 else f"{value:.2f}x"


def _print(result: dict) -> None:
    rows = []
    for q in result["queries"].values():
        rows.append(
            [
                q["title"],
                f"{q['cold_ms']:.2f}",
                f"{q['warm_ms']:.2f}",
                f"{q['not_modified_ms']:.2f}",
                f"{q['raw_sql_ms']:.2f}",
                _ratio(q["raw_over_cold"]),
                f"{q['engine_ms']:.2f}",
                "rollup" if q["used_rollup"] else "records",
                q["target"],
                "PASS" if q["passed"] else "FAIL",
            ]
        )
    print()
    print(
        f"{result['label']}: medians in ms (load average {result['load_average']} before "
        "the queries)"
    )
    print(
        common.table(
            [
                "query",
                "cold",
                "warm",
                "304",
                "raw SQL",
                "raw/cold",
                "engine",
                "path",
                "target",
                "result",
            ],
            rows,
        )
    )
    load = result["load"]
    print(
        f"write rate with rollups on (in-process pipeline): {load['records_per_second']:,.0f} "
        f"rec/s ({load['records']:,} records in {load['seconds']:.1f} s, {load['batches']} "
        f"batches of {load['batch']:,}; {load['rollup_rows']:,} rollup rows; "
        f"{load['noise_records']:,} noise records in {load['noise_batches']} other batches)"
    )
    for key, q in result["queries"].items():
        if q["check"] != "same result as the raw SQL":
            print(f"   PROBLEM {key}: {q['check']}")
        if not q["passed"]:
            print(f"   {key} missed its target; the engine's SQL and plan:")
            for statement in q["engine_sql"]:
                print(f"      {statement['sql']}")
                for line in statement["plan"]:
                    print(f"         {line}")
            if q.get("profile"):
                print("      cProfile of engine.execute (cumulative):")
                for line in q["profile"].splitlines()[:45]:
                    print(f"         {line}")


@register("read", "dashboard queries over HTTP (cold, warm) vs hand-written SQL; write rate")
def run(args) -> dict:
    records = args.read_records
    repeats, redis_url = args.repeats, args.redis_url
    db_args = argparse.Namespace(**{**vars(args), "postgres_db": args.read_postgres_db})
    cache = Cache(redis_url)
    load_before = common.load_average()
    print(
        f"== read: {records:,} records in one data set over two years, {NOISE_SETS} noise "
        f"data sets of {NOISE_RECORDS:,}; dimensions inferred (service, channel, period), "
        f"raw queries allowed; serve --workers {args.workers} with the cache in "
        f"{redis_url}; medians of {repeats}; {common.cpu_count()} CPU core(s); "
        f"load average {load_before}",
        flush=True,
    )
    results = []
    for kind in args.databases:
        with common.fresh_database(kind, db_args) as db:
            if db is None:
                results.append({"database": kind, "skipped": "server unreachable"})
                continue
            result = measure(db, db_args, cache, records)
            _print(result)
            results.append(result)
    print()
    for q in QUERIES.values():
        print(f"{q['title']}: GET {PATH}?{q['qs']}")
    print(
        "raw SQL: one hand-written statement on datastore_record via sqlite3/psycopg, "
        "execute+fetchall; values from the JSON, time from the real columns"
    )
    print(
        "engine: engine.execute + JSON encoding in-process (no HTTP, no cache); "
        "path: what the planner chose"
    )
    measured = [r for r in results if "skipped" not in r]
    result = {
        "benchmark": "read",
        "finished_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "records": records,
        "noise": {"data_sets": NOISE_SETS, "records_each": NOISE_RECORDS},
        "dimensions": "inferred (none declared): service, channel, period",
        "serve_workers": args.workers,
        "repeats": repeats,
        "redis_url": redis_url,
        "cpu_cores": common.cpu_count(),
        "load_average_before_after": [load_before, common.load_average()],
        "results": results,
        "passed": bool(measured) and all(r["passed"] for r in measured),
    }
    path = common.write_results("read", result)
    print(f"results: {path.relative_to(common.ROOT)}")
    return result
