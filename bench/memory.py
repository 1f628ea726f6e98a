"""Memory benchmark: the peak memory of a ``serve`` worker while it takes the largest writes
the limits accept.

The write API's limits (``WRITE_MAX_BODY_BYTES``, ``WRITE_MAX_GZIP_BYTES``,
``WRITE_MAX_RECORDS``, ``WRITE_MAX_FIELDS``) are promises that a server can serve any
request they let through. This benchmark checks the promise: for each database it starts
``performance-platform serve --workers 1`` (one worker, so the process to watch is
known) on a fresh, migrated database, asks the platform for its effective limits, and
posts one body per case, each as large as the limits allow:

* **most records**: ``WRITE_MAX_RECORDS`` records shaped like the commonest data
  (:func:`bench.data.transactions_by_channel`), as many as fit in the body limit;
* **widest records**: records of ``WRITE_MAX_FIELDS`` short text fields each, filling the
  body limit (per byte of JSON, the most Python objects);
* **long text**: 1,000 records each holding one long text, filling the body limit;
* **gzip**: the *most records* body gzip-compressed, cut to decompress within
  ``WRITE_MAX_GZIP_BYTES``;
* **refused**: one record more than ``WRITE_MAX_RECORDS`` (must get 413 and store
  nothing; it shows a refusal costs no more than the parse).

Then the read that once took 3.9 GB: **wide CSV read**, ``GET ...?format=csv`` (no
token needed) of a data set holding one record of 10,000 fields (written by a server
whose ``WRITE_MAX_FIELDS`` allows it, as before the limit) and 39,000 small records; the
answer is about 390 MB of CSV, which must stream out without the worker holding it.

A fresh server serves each case, so the figures do not mix. The peak is the worker's
``VmHWM`` (the most resident memory it ever used, from ``/proc/<pid>/status``), read after
the response; the **baseline** is its ``VmRSS`` after warm-up requests, just before the
big one. ``own`` = peak - baseline is what the request itself cost; ``own/body`` relates
it to the body's size (the usual "ratio to a baseline" of the other benchmarks). The
target: every peak under 300 MB (``TARGET_MB``), every accepted case 200 with all its
records stored, the refused case 413 with nothing stored.

Linux only (``/proc``).
"""

import gzip
import http.client
import json
import time
from datetime import UTC, datetime
from pathlib import Path

import orjson

from . import common, data, register

TARGET_MB = 300
MB = 1024 * 1024
TOKEN = "bench-memory-token-0123456789abcdef"  # one per data set: the case's name follows
CASES = ("most records", "widest records", "long text", "gzip", "refused")
LIMIT_NAMES = (
    "WRITE_MAX_BODY_BYTES",
    "WRITE_MAX_GZIP_BYTES",
    "WRITE_MAX_RECORDS",
    "WRITE_MAX_FIELDS",
)


def _group(case: str) -> str:
    return "bench-memory-" + case.replace(" ", "-")


def _path(case: str) -> str:
    return f"/data/{_group(case)}/writes"


def _token(case: str) -> str:
    return f"{TOKEN}-{case.replace(' ', '-')}"


def _name(case: str) -> str:
    return f"{_group(case)}_writes".replace("-", "_")


# --- the bodies ---------------------------------------------------------------------------


def _fit(records: list[dict], limit: int) -> bytes:
    """The JSON of as many of ``records`` as fit in ``limit`` bytes."""
    body = orjson.dumps(records)
    if len(body) <= limit:
        return body
    low, high = 0, len(records)  # binary search on the count: sizes vary a little
    while low < high:
        middle = (low + high + 1) // 2
        if len(orjson.dumps(records[:middle])) <= limit:
            low = middle
        else:
            high = middle - 1
    return orjson.dumps(records[:low])


def _most_records(limits: dict) -> bytes:
    records = data.transactions_by_channel(limits["WRITE_MAX_RECORDS"])
    return _fit(records, limits["WRITE_MAX_BODY_BYTES"])


def _widest(limits: dict) -> bytes:
    fields = limits["WRITE_MAX_FIELDS"] - 2  # with _id and _timestamp
    one = {f"f{i}": "ab" for i in range(fields)}
    size = len(orjson.dumps(one)) + 60
    count = min(limits["WRITE_MAX_RECORDS"], limits["WRITE_MAX_BODY_BYTES"] // size + 1)
    records = [
        {"_id": f"w{n}", "_timestamp": f"2024-01-{n % 28 + 1:02d}T00:00:00Z", **one}
        for n in range(count)
    ]
    return _fit(records, limits["WRITE_MAX_BODY_BYTES"])


def _long_text(limits: dict) -> bytes:
    count = min(1000, limits["WRITE_MAX_RECORDS"])
    length = limits["WRITE_MAX_BODY_BYTES"] // count - 100
    records = [
        {
            "_id": f"t{n}",
            "_timestamp": f"2024-02-{n % 28 + 1:02d}T00:00:00Z",
            "note": "x" * length,
        }
        for n in range(count)
    ]
    return _fit(records, limits["WRITE_MAX_BODY_BYTES"])


def _gzip_body(limits: dict) -> tuple[bytes, int]:
    """(compressed body, records in it) decompressing within the gzip limit."""
    records = data.transactions_by_channel(limits["WRITE_MAX_RECORDS"], seed=7)
    plain = _fit(records, min(limits["WRITE_MAX_GZIP_BYTES"], 10 * limits["WRITE_MAX_BODY_BYTES"]))
    return gzip.compress(plain, compresslevel=6), len(orjson.loads(plain))


def _refused(limits: dict) -> bytes:
    records = [
        {"_timestamp": "2024-03-01T00:00:00Z", "n": n}
        for n in range(limits["WRITE_MAX_RECORDS"] + 1)
    ]
    return orjson.dumps(records)


def bodies(limits: dict) -> dict[str, tuple[bytes, dict, int]]:
    """Case -> (body, extra headers, records the body holds)."""
    out = {}
    body = _most_records(limits)
    out["most records"] = (body, {}, len(orjson.loads(body)))
    body = _widest(limits)
    out["widest records"] = (body, {}, len(orjson.loads(body)))
    body = _long_text(limits)
    out["long text"] = (body, {}, len(orjson.loads(body)))
    body, count = _gzip_body(limits)
    out["gzip"] = (body, {"Content-Encoding": "gzip"}, count)
    body = _refused(limits)
    out["refused"] = (body, {}, limits["WRITE_MAX_RECORDS"] + 1)
    return out


# --- the worker's memory --------------------------------------------------------------------


def _status_kb(pid: int, key: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1])
    raise RuntimeError(f"no {key} for process {pid}")


def _children(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    if path.exists():
        return [int(p) for p in path.read_text().split()]
    found = []  # kernels without CONFIG_PROC_CHILDREN: scan every process's parent
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def worker_pid(server: common.Server) -> int:
    """The one gunicorn worker of ``serve --workers 1``."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        children = _children(server.process.pid)
        if len(children) == 1:
            return children[0]
        time.sleep(0.1)
    raise RuntimeError(f"expected one gunicorn worker, found {children}")


def _post(port: int, case: str, body: bytes, headers: dict) -> tuple[float, int, bytes]:
    started = time.perf_counter()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=300)
    try:
        conn.request(
            "POST",
            _path(case),
            body=body,
            headers={
                "Content-Type": "application/json",
                "Authorization": f"Bearer {_token(case)}",
                **headers,
            },
        )
        response = conn.getresponse()
        answer = response.read()
        return time.perf_counter() - started, response.status, answer
    finally:
        conn.close()


def limits_of(db: common.Database) -> dict:
    """The platform's effective limits, as a server with this environment has them."""
    code = (
        "from django.conf import settings; import json; "
        f"print(json.dumps({{n: getattr(settings, n) for n in {list(LIMIT_NAMES)!r}}}))"
    )
    output = common.pp(db, "shell", "-v", "0", "-c", code)
    return json.loads(output.strip().splitlines()[-1])


def measure_case(db: common.Database, case: str, body: bytes, headers: dict, decoded: int) -> dict:
    with common.Server(db, workers=1) as server:
        pid = worker_pid(server)
        for _ in range(3):  # load the code paths of a write; stores nothing
            _post(server.port, case, b"[]", {})
        baseline = _status_kb(pid, "VmRSS")
        seconds, status, answer = _post(server.port, case, body, headers)
        peak = _status_kb(pid, "VmHWM")
        after = _status_kb(pid, "VmRSS")
    return {
        "status": status,
        "answer": answer[:300].decode("utf-8", "replace"),
        "seconds": round(seconds, 2),
        "baseline_mb": round(baseline / 1024, 1),
        "peak_mb": round(peak / 1024, 1),
        "after_mb": round(after / 1024, 1),
        "own_mb": round((peak - baseline) / 1024, 1),
        # Against the body as the platform reads it (decompressed, for gzip).
        "own_over_body": round((peak - baseline) * 1024 / max(decoded, 1), 2),
    }


READ_CASE = "wide csv read"
WIDE_READ_FIELDS, WIDE_READ_RECORDS = 10_000, 39_000


def _get_counting(port: int, path: str) -> tuple[float, int, int, int]:
    """GET ``path`` reading the body in pieces: (seconds, status, bytes, lines)."""
    started = time.perf_counter()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        size = lines = 0
        while piece := response.read(1024 * 1024):
            size += len(piece)
            lines += piece.count(b"\n")
        return time.perf_counter() - started, response.status, size, lines
    finally:
        conn.close()


def measure_wide_read(db: common.Database) -> dict:
    wide = {"_id": "wide", "_timestamp": "2024-01-01T00:00:00Z"}
    wide.update({f"field_{i:05d}": i for i in range(WIDE_READ_FIELDS)})
    small = [
        {"_id": f"s{n}", "_timestamp": f"2024-01-{n % 28 + 1:02d}T00:00:00Z", "count": n}
        for n in range(WIDE_READ_RECORDS)
    ]
    env = {"WRITE_MAX_FIELDS": str(WIDE_READ_FIELDS + 2)}  # as before the limit existed
    with common.Server(db, workers=1, extra_env=env) as server:
        for batch in ([wide], small[:20_000], small[20_000:]):
            _, status, answer = _post(server.port, READ_CASE, orjson.dumps(batch), {})
            if status != 200:
                raise RuntimeError(f"loading the wide data set: HTTP {status}: {answer[:300]}")
    with common.Server(db, workers=1) as server:
        pid = worker_pid(server)
        for _ in range(3):
            _get_counting(server.port, "/_status")
        baseline = _status_kb(pid, "VmRSS")
        seconds, status, size, lines = _get_counting(
            server.port, f"/data/{_group(READ_CASE)}/writes?format=csv"
        )
        peak = _status_kb(pid, "VmHWM")
    problems = []
    if status != 200:
        problems.append(f"HTTP {status}, not 200")
    if lines != WIDE_READ_RECORDS + 2:
        problems.append(f"{lines:,} CSV lines, not {WIDE_READ_RECORDS + 2:,}")
    return {
        "status": status,
        "seconds": round(seconds, 2),
        "baseline_mb": round(baseline / 1024, 1),
        "peak_mb": round(peak / 1024, 1),
        "own_mb": round((peak - baseline) / 1024, 1),
        "records": WIDE_READ_RECORDS + 1,
        "body_bytes": size,
        "decoded_bytes": size,
        "own_over_body": round((peak - baseline) * 1024 / max(size, 1), 4),
        "problems": problems,
        "passed": peak / 1024 < TARGET_MB and not problems,
    }


def measure(db: common.Database, args) -> dict:
    common.import_config(
        db,
        {
            "data_sets": [
                {"data_group": _group(c), "data_type": "writes", "bearer_token": _token(c)}
                for c in CASES
            ]
            + [
                {
                    "data_group": _group(READ_CASE),
                    "data_type": "writes",
                    "bearer_token": _token(READ_CASE),
                    "raw_queries_allowed": True,
                }
            ]
        },
    )
    limits = limits_of(db)
    cases = {}
    for case, (body, headers, count) in bodies(limits).items():
        decoded = len(gzip.decompress(body)) if headers.get("Content-Encoding") else len(body)
        result = measure_case(db, case, body, headers, decoded)
        stored = db.query(
            "SELECT count(*) FROM datastore_record WHERE data_set_id = %s",
            [db.data_set_id(_name(case))],
        )[0][0]
        expected_status, expected_stored = (413, 0) if case == "refused" else (200, count)
        problems = []
        if result["status"] != expected_status:
            problems.append(f"HTTP {result['status']}, not {expected_status}: {result['answer']}")
        if stored != expected_stored:
            problems.append(f"{stored:,} records stored, not {expected_stored:,}")
        result.update(
            {
                "records": count,
                "body_bytes": len(body),
                "decoded_bytes": decoded,
                "stored": stored,
                "problems": problems,
                "passed": result["peak_mb"] < TARGET_MB and not problems,
            }
        )
        cases[case] = result
        print(
            f"   {case}: {count:,} records, {len(body) / MB:.1f} MiB -> HTTP {result['status']} "
            f"in {result['seconds']:.1f} s, peak {result['peak_mb']:.0f} MB",
            flush=True,
        )
    cases[READ_CASE] = result = measure_wide_read(db)
    print(
        f"   {READ_CASE}: {result['records']:,} records -> HTTP {result['status']}, "
        f"{result['body_bytes'] / MB:,.0f} MiB of CSV in {result['seconds']:.1f} s, "
        f"peak {result['peak_mb']:.0f} MB",
        flush=True,
    )
    return {
        "database": db.kind,
        "label": db.label,
        "limits": limits,
        "cases": cases,
        "passed": all(c["passed"] for c in cases.values()),
    }


@register("memory", "peak memory of a serve worker taking the largest writes the limits accept")
def run(args) -> dict:
    load_before = common.load_average()
    print(
        f"== memory: one `serve --workers 1` per case; target: worker peak < {TARGET_MB} MB; "
        f"load average {load_before}"
    )
    results = []
    for kind in args.databases:
        with common.fresh_database(kind, args) as db:
            if db is None:
                results.append({"database": kind, "skipped": "server unreachable"})
                continue
            print(f"   {db.label}:", flush=True)
            results.append(measure(db, args))
    rows = []
    for r in results:
        if "skipped" in r:
            rows.append(
                [common.LABELS[r["database"]], "-", "-", "-", "-", "-", "-", "-", "SKIPPED"]
            )
            continue
        for case, c in r["cases"].items():
            rows.append(
                [
                    f"{r['label']}: {case}",
                    f"{c['records']:,}",
                    f"{c['decoded_bytes'] / MB:.1f}",
                    c["status"],
                    f"{c['seconds']:.1f}",
                    f"{c['baseline_mb']:.0f}",
                    f"{c['peak_mb']:.0f}",
                    f"{c['own_over_body']:.2f}x",
                    f"< {TARGET_MB}",
                    "PASS" if c["passed"] else "FAIL",
                ]
            )
    print()
    print(
        common.table(
            [
                "case",
                "records",
                "body MiB",
                "HTTP",
                "s",
                "baseline MB",
                "peak MB",
                "own/body",
                "target MB",
                "result",
            ],
            rows,
        )
    )
    for r in results:
        if "skipped" in r:
            continue
        print(f"{r['label']}: limits {r['limits']}")
        for case, c in r["cases"].items():
            for problem in c["problems"]:
                print(f"   PROBLEM ({case}): {problem}")
    measured = [r for r in results if "skipped" not in r]
    result = {
        "benchmark": "memory",
        "finished_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "cpu_cores": common.cpu_count(),
        "load_average_before_after": [load_before, common.load_average()],
        "target_peak_mb": TARGET_MB,
        "notes": "peak = the worker's VmHWM after the request; baseline = its VmRSS after "
        "warm-up; own/body = (peak - baseline) / body bytes (the request body as read; "
        "for the read case, the response)",
        "results": results,
        "passed": bool(measured) and all(r["passed"] for r in measured),
    }
    path = common.write_results("memory", result)
    print(f"results: {path.relative_to(common.ROOT)}")
    return result
