"""In-process helpers for the read benchmark, run as a subprocess with the platform's settings:

``python -m bench.readload load``  reads a JSON spec on stdin, writes records into the
data sets through the platform's own write pipeline (``validation.prepare_records`` and
``storage.store_records``: the upsert, the daily rollups, the version bump and the audit
row, exactly as the write API does after parsing the request), and prints the timings as
JSON. This is how ``bench/read.py`` loads a million records in minutes rather than over
HTTP.

``python -m bench.readload engine`` reads a JSON spec on stdin and, for each query, runs
``query.engine.execute`` in-process: which path the planner chose (rollup or records), the
SQL it issued, the database's plan for it (``EXPLAIN QUERY PLAN`` on SQLite,
``EXPLAIN (ANALYZE, BUFFERS)`` on PostgreSQL), the median time of ``execute`` plus the
JSON encoding, and optionally a cProfile summary. Prints JSON.

Both need ``DJANGO_SETTINGS_MODULE`` and ``DATABASE_URL`` in the environment.
"""

import cProfile
import io
import json
import pstats
import statistics
import sys
import time


def _setup() -> None:
    import django

    django.setup()


def _log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# --- load -----------------------------------------------------------------------------------


def _schedule(main_batches: int, noise_batches: int) -> list[tuple[str, int]]:
    """Main and noise batches interleaved evenly, as concurrent collectors would send them."""
    order = [((i + 0.5) / main_batches, "main", i) for i in range(main_batches)]
    order += [((j + 0.5) / noise_batches, "noise", j) for j in range(noise_batches)]
    return [(kind, index) for _, kind, index in sorted(order)]


def load(spec: dict) -> dict:
    """Write spec["records"] records into spec["main"] and spec["noise_records"] into each
    of spec["noise"], spec["batch"] records a transaction. Returns the timings."""
    from django.db import connection
    from django.utils import timezone

    from bench import data
    from performance_platform.datastore import storage
    from performance_platform.datastore.models import DataSet, Record, RollupDay
    from performance_platform.datastore.validation import prepare_records

    batch = spec["batch"]
    main = DataSet.objects.get(name=spec["main"])
    records = data.transactions_by_channel(spec["records"])
    main_batches = [records[i : i + batch] for i in range(0, len(records), batch)]
    noise_sets = [DataSet.objects.get(name=name) for name in spec["noise"]]
    noise_batches = []
    for number, data_set in enumerate(noise_sets, 1):
        noise = data.transactions_by_channel(spec["noise_records"], seed=number)
        noise_batches += [(data_set, noise[i : i + batch]) for i in range(0, len(noise), batch)]
    del records

    seconds = {"main": 0.0, "noise": 0.0}
    stored = {"main": 0, "noise": 0}
    plan = _schedule(len(main_batches), len(noise_batches))
    step = max(1, len(main_batches) // 10)
    started = time.perf_counter()
    for kind, index in plan:
        if kind == "main":
            data_set, items = main, main_batches[index]
        else:
            data_set, items = noise_batches[index]
        t0 = time.perf_counter()
        now = timezone.now()
        prepared, errors = prepare_records(
            items, schema=data_set.schema, auto_ids=data_set.auto_ids or None, now=now
        )
        if errors:
            raise RuntimeError(f"invalid records for {data_set.name}: {errors[:3]}")
        storage.store_records(data_set, prepared, now=now, source="bench-read")
        seconds[kind] += time.perf_counter() - t0
        stored[kind] += len(items)
        if kind == "main" and (index + 1) % step == 0:
            _log(
                f"      loaded {stored['main']:,} / {spec['records']:,} records "
                f"({stored['main'] / seconds['main']:,.0f} rec/s)"
            )
    total = time.perf_counter() - started
    main.refresh_from_db()
    return {
        "records": stored["main"],
        "seconds": seconds["main"],
        "noise_records": stored["noise"],
        "noise_seconds": seconds["noise"],
        "total_seconds": total,
        "batch": batch,
        "batches": len(main_batches),
        "noise_batches": len(noise_batches),
        "stored_records": Record.objects.filter(data_set=main).count(),
        "rollup_rows": RollupDay.objects.filter(data_set=main).count(),
        "all_records": Record.objects.count(),
        "dimensions": main.dimensions,
        "field_kinds": main.field_kinds,
        "vendor": connection.vendor,
    }


# --- engine -------------------------------------------------------------------------------


def _explain(sql: str, params) -> list[str]:
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
            return [row[0] for row in cursor.fetchall()]
        cursor.execute("EXPLAIN QUERY PLAN " + sql, params)
        return [" ".join(str(c) for c in row[1:]) for row in cursor.fetchall()]


def engine(spec: dict) -> dict:
    """Plan, time, explain (and optionally profile) each of spec["queries"]."""
    import orjson
    from django.db import connection
    from django.utils import timezone

    from performance_platform.datastore.models import DataSet
    from performance_platform.datastore.query import parse_query, payload
    from performance_platform.datastore.query.engine import execute

    data_set = DataSet.objects.get(name=spec["data_set"])
    repeats = spec.get("repeats", 15)
    profile = set(spec.get("profile", []))
    out = {}
    for key, qs in spec["queries"].items():
        query = parse_query(data_set, qs)
        statements = []

        def capture(execute_, sql, params, many, context, statements=statements):
            statements.append((sql, list(params or ())))
            return execute_(sql, params, many, context)

        def once():
            result = execute(data_set, query, now=timezone.now())
            body = orjson.dumps(payload(data_set, result.data), option=orjson.OPT_SORT_KEYS)
            return result, body

        with connection.execute_wrapper(capture):
            result, body = once()
        times = []
        for _ in range(repeats):
            t0 = time.perf_counter()
            once()
            times.append(time.perf_counter() - t0)
        entry = {
            "used_rollup": result.used_rollup,
            "rows": len(result.data),
            "bytes": len(body),
            "engine_ms_median": statistics.median(times) * 1000,
            "sql": [
                {"sql": sql, "params": [str(p) for p in params], "plan": _explain(sql, params)}
                for sql, params in statements
            ],
        }
        if key in profile:
            profiler = cProfile.Profile()
            profiler.enable()
            for _ in range(repeats):
                once()
            profiler.disable()
            text = io.StringIO()
            stats = pstats.Stats(profiler, stream=text)
            stats.sort_stats("cumulative").print_stats(25)
            entry["profile"] = text.getvalue()
        out[key] = entry
    return out


COMMANDS = {"load": load, "engine": engine}


def main() -> int:
    if len(sys.argv) != 2 or sys.argv[1] not in COMMANDS:
        print(f"usage: python -m bench.readload {{{'|'.join(COMMANDS)}}} < spec.json")
        return 2
    spec = json.load(sys.stdin)
    _setup()
    result = COMMANDS[sys.argv[1]](spec)
    sys.stdout.write(json.dumps(result, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
