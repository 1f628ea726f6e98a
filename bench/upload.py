"""Upload benchmark: a 100,000-row CSV and XLSX uploaded, against the write API storing the
same records, and the memory the XLSX takes to read.

The records are a new service's transactions by channel (``_timestamp``, ``period``,
``channel``, ``count``: :func:`bench.data.channel_counts`), written before any clock starts
as a CSV file, as an XLSX file (XlsxWriter, dates as real date cells, as a spreadsheet
holds them) and as the JSON bodies a client sends the write API (``WRITE_MAX_RECORDS``,
50,000, a request). Every data set gets the standard settings of such a data set
(``kpis.standard.data_set_settings``: its schema and ``auto_ids``) and no KPI transforms,
so the preview has no KPI to work out and skips its trial (which would store every record
inside a transaction it rolls back, to run the transforms on them). Then, for each database
(a fresh one from :func:`bench.common.fresh_database`), in one process with the
platform's settings (:mod:`bench.uploadload`), one after another:

* **write API**: what ``datastore.write_api.append`` does once a request has arrived:
  ``orjson.loads`` of the body, ``validate_records`` and ``storage.store_records`` (HTTP
  and authentication left out: the upload's figure has no request either).
* **upload**: ``uploads.processing.receive`` (the file kept), ``check`` (the file read,
  every row checked, the preview made with its KPI trial) and ``store`` (the kept file
  read and checked again, as it is by design, then every record stored). ``parse`` is also
  timed alone on each file, to split check and store into reading and the rest.
* for context (not judged), the CSV upload again into a data set with the standard KPI
  transforms, so the preview's trial stores the records, works out digital take-up and
  rolls back.

The figure judged is the upload's total over the write API's time (target at most 2).
For context, each is also given over the **raw** baseline: the driver's ``executemany`` of
the same rows (:func:`bench.write.raw_insert`, one transaction a 50,000 rows).

Memory: a fresh process reads the XLSX with ``lib.tables.open_table`` and iterates
every row, nothing else; the figure judged (target under 200 MB) is the growth of its peak
resident set (``VmHWM``, which counts the Rust parser's memory; not ``ru_maxrss``, which
a child inherits from the process that started it), with the
``tracemalloc`` peak (Python objects only) beside it. Another fresh process uploads the
XLSX (receive, check, store), for that whole upload's peak.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

import orjson

from . import common, data, register, write

TARGET_RATIO = 2.0
TARGET_PARSE_MB = 200
BATCH = 50_000  # settings.WRITE_MAX_RECORDS: the most a write API request may hold
WARM_RECORDS = 500
COLUMNS = ("_timestamp", "period", "channel", "count")
GROUPS = {
    "api": "bench-api",
    "csv": "bench-csv",
    "xlsx": "bench-xlsx",
    "raw": "bench-raw",
    "rss": "bench-rss",
}
WARM = {"api": "warm-api", "csv": "warm-csv", "xlsx": "warm-xlsx"}
KPI_GROUP = "bench-kpi"
# BENCH_UPLOAD_PROFILE=1: also upload the CSV under cProfile (into its own data set) and
# print where the time goes.
PROFILE_GROUP = "bench-profile"


# --- files --------------------------------------------------------------------------------


def write_csv(path: Path, records: list[dict]) -> None:
    """The records as a CSV file with a header row, as a spreadsheet saves it."""
    lines = [",".join(COLUMNS)]
    lines += [",".join(str(r[c]) for c in COLUMNS) for r in records]
    path.write_text("\r\n".join(lines) + "\r\n", encoding="utf-8")


def write_xlsx(path: Path, records: list[dict]) -> None:
    """The records as an XLSX workbook: one sheet, dates as date cells, counts as numbers."""
    import xlsxwriter

    book = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    sheet = book.add_worksheet("Data")
    when = book.add_format({"num_format": "yyyy-mm-dd hh:mm"})
    sheet.write_row(0, 0, COLUMNS)
    for row, record in enumerate(records, start=1):
        stamp = datetime.strptime(record["_timestamp"], "%Y-%m-%dT%H:%M:%SZ")
        sheet.write_datetime(row, 0, stamp, when)
        sheet.write_string(row, 1, record["period"])
        sheet.write_string(row, 2, record["channel"])
        sheet.write_number(row, 3, record["count"])
    book.close()


def write_files(workdir: Path, name: str, records: list[dict]) -> dict:
    """CSV, XLSX and the JSON request bodies for ``records``; returns their paths."""
    csv, xlsx = workdir / f"{name}.csv", workdir / f"{name}.xlsx"
    write_csv(csv, records)
    write_xlsx(xlsx, records)
    bodies = []
    for number, start in enumerate(range(0, len(records), BATCH)):
        body = workdir / f"{name}-{number}.json"
        body.write_bytes(orjson.dumps(records[start : start + BATCH]))
        bodies.append(str(body))
    return {"csv_file": str(csv), "xlsx_file": str(xlsx), "bodies": bodies}


# --- helpers ------------------------------------------------------------------------------


def _uploadload(db: common.Database, command: str, spec: dict) -> dict:
    """Run ``python -m bench.uploadload <command>`` with ``spec``; its progress goes to
    stderr."""
    env = db.env()
    env["DJANGO_SETTINGS_MODULE"] = "performance_platform.settings"
    env.pop("REDIS_URL", None)  # the in-process helpers never touch the cache
    result = subprocess.run(
        [sys.executable, "-m", "bench.uploadload", command],
        env=env,
        cwd=common.ROOT,
        input=json.dumps(spec).encode(),
        stdout=subprocess.PIPE,
    )
    if result.returncode != 0:
        raise RuntimeError(f"bench.uploadload {command} failed (exit {result.returncode})")
    return json.loads(result.stdout)


def measure(db: common.Database, records: list[dict], files: dict, warm: dict, args) -> dict:
    made = _uploadload(
        db,
        "setup",
        {
            "groups": [*GROUPS.values(), *WARM.values(), PROFILE_GROUP],
            "kpi_groups": [KPI_GROUP],
        },
    )
    names, settings = made["names"], made["settings"]
    # The raw baseline first, before the platform's process has warmed the database.
    rows = write._raw_rows(
        db,
        db.data_set_id(names[GROUPS["raw"]]),
        records,
        schema=settings["schema"],
        auto_ids=settings["auto_ids"],
    )
    raw = write.raw_insert(db, rows, BATCH)
    del rows
    print(f"      raw executemany: {raw:.2f} s", flush=True)
    spec = {
        "records": len(records),
        "api": GROUPS["api"],
        "csv": GROUPS["csv"],
        "xlsx": GROUPS["xlsx"],
        "kpi": KPI_GROUP if getattr(args, "upload_kpi", True) else None,
        "profile": PROFILE_GROUP if os.environ.get("BENCH_UPLOAD_PROFILE") else None,
        **files,
        "warm": {**WARM, **warm},
    }
    timed = _uploadload(db, "run", spec)
    stored_raw = db.query(write.COUNT_SQL, [db.data_set_id(names[GROUPS["raw"]])])[0][0]
    if timed.get("profile"):
        print(timed.pop("profile"))
    if stored_raw != len(records):
        timed["problems"].append(f"raw holds {stored_raw:,} records, not {len(records):,}")
    parsed = _uploadload(db, "parse", {"file": files["xlsx_file"]})
    print(
        f"      XLSX read alone: {parsed['seconds']:.2f} s, peak RSS +{parsed['rss_added_mb']:.0f} "
        f"MB, tracemalloc peak {parsed['tracemalloc_peak_mb']:.0f} MB",
        flush=True,
    )
    whole = _uploadload(db, "upload", {"group": GROUPS["rss"], "file": files["xlsx_file"]})
    api = timed["api_seconds"]
    out = {
        "database": db.kind,
        "label": db.label,
        "raw_seconds": round(raw, 3),
        "raw_method": write.RAW_METHOD[db.kind].replace("per batch", f"per {BATCH:,} rows"),
        "api_seconds": round(api, 3),
        "api_raw_ratio": round(api / raw, 3),
        "api_cpu_seconds": round(timed["api_cpu_seconds"], 3),
    }
    for kind in ("csv", "xlsx", "csv_kpi"):
        if kind not in timed:
            continue
        t = timed[kind]
        out[kind] = {
            **{k: round(v, 3) if isinstance(v, float) else v for k, v in t.items()},
            # Check and store each read the file (parse); the rest is the preview and the
            # KPI trial (check) and the storing itself (store).
            "check_less_parse": round(t["check"] - t["parse"], 3),
            "store_less_parse": round(t["store"] - t["parse"], 3),
            "api_ratio": round(t["total"] / api, 3),
            "raw_ratio": round(t["total"] / raw, 3),
            # The same ratio in this process's CPU time (less moved by the machine's load;
            # on PostgreSQL it leaves out the server's work).
            "api_cpu_ratio": round(t["cpu"] / timed["api_cpu_seconds"], 3),
        }
    out["xlsx_parse_memory"] = {k: round(v, 1) for k, v in parsed.items()}
    out["xlsx_upload_memory"] = {
        k: round(whole[k], 1) for k in ("rss_before_mb", "rss_peak_mb", "rss_added_mb")
    }
    out["problems"] = timed["problems"]
    out["passed"] = (
        out["csv"]["api_ratio"] <= TARGET_RATIO
        and out["xlsx"]["api_ratio"] <= TARGET_RATIO
        and parsed["rss_added_mb"] < TARGET_PARSE_MB
        and parsed["tracemalloc_peak_mb"] < TARGET_PARSE_MB
        and not out["problems"]
    )
    return out


def _print(results: list[dict]) -> None:
    rows = []
    for r in results:
        if "skipped" in r:
            rows.append([common.LABELS[r["database"]], *["-"] * 9, "SKIPPED"])
            continue
        rows.append(
            [
                r["label"],
                "write API",
                "-",
                "-",
                f"{r['api_seconds']:.2f}",
                "1.00",
                "",
                f"{r['api_raw_ratio']:.2f}",
                "",
                "",
                "",
            ]
        )
        for kind, name in (("csv", "CSV"), ("xlsx", "XLSX"), ("csv_kpi", "CSV + KPI")):
            if kind not in r:
                continue
            t = r[kind]
            judged = kind != "csv_kpi"
            rows.append(
                [
                    "",
                    f"{name} upload",
                    f"{t['check']:.2f}",
                    f"{t['store']:.2f}",
                    f"{t['total']:.2f}",
                    f"{t['api_ratio']:.2f}",
                    f"<= {TARGET_RATIO:g}" if judged else "(context)",
                    f"{t['raw_ratio']:.2f}",
                    f"{t['parse']:.2f}",
                    f"{t['check_less_parse']:.2f}",
                    ("PASS" if t["api_ratio"] <= TARGET_RATIO else "FAIL") if judged else "",
                ]
            )
    print()
    print(
        common.table(
            [
                "database",
                "path",
                "check s",
                "store s",
                "total s",
                "/API",
                "target",
                "/raw",
                "read s",
                "preview s",
                "result",
            ],
            rows,
        )
    )
    print()
    rows = []
    for r in results:
        if "skipped" in r:
            continue
        m, w = r["xlsx_parse_memory"], r["xlsx_upload_memory"]
        ok = m["rss_added_mb"] < TARGET_PARSE_MB and m["tracemalloc_peak_mb"] < TARGET_PARSE_MB
        rows.append(
            [
                r["label"],
                f"{m['rss_added_mb']:.0f}",
                f"{m['tracemalloc_peak_mb']:.0f}",
                f"< {TARGET_PARSE_MB}",
                f"{w['rss_added_mb']:.0f}",
                f"{w['rss_peak_mb']:.0f}",
                "PASS" if ok else "FAIL",
            ]
        )
    print(
        common.table(
            [
                "XLSX memory",
                "read: RSS +MB",
                "tracemalloc MB",
                "target",
                "upload: RSS +MB",
                "upload: peak RSS MB",
                "result",
            ],
            rows,
        )
    )
    print()
    for r in results:
        if "skipped" in r:
            continue
        print(
            f"{r['label']}: raw {r['raw_seconds']:.2f} s [{r['raw_method']}]; "
            f"write API {r['api_seconds']:.2f} s (orjson.loads + validate_records + "
            f"store_records, {BATCH:,} records a request)"
        )
        cpu = ", ".join(
            f"{name} {r[kind]['api_cpu_ratio']:.2f}"
            for kind, name in (("csv", "CSV"), ("xlsx", "XLSX"), ("csv_kpi", "CSV + KPI"))
            if kind in r
        )
        print(f"   upload/API in this process's CPU time (not judged): {cpu}")
        for problem in r["problems"]:
            print(f"   PROBLEM: {problem}")
    print(
        "read s = processing.parse alone (the file read and every row checked), timed "
        "separately; check = read + preview (existing ids and, when a transform reads the "
        "data set, the KPI trial: the records stored, the transforms run, all rolled back); "
        "store = read again + storing. preview s = check - read, so the machine's load can "
        "make it negative. /API and /raw are the total's ratios."
    )


@register("upload", "CSV and XLSX upload (check + store) vs the write API; XLSX read memory")
def run(args) -> dict:
    count = getattr(args, "upload_records", None) or 100_000
    load_before = common.load_average()
    print(
        f"== upload: {count:,} rows as CSV and as XLSX, against the write API storing the same "
        f"records ({BATCH:,} a request); {common.cpu_count()} CPU core(s); "
        f"load average {load_before}"
    )
    records = data.channel_counts(count)
    with tempfile.TemporaryDirectory(prefix="pp-bench-upload-", dir=args.tmp_dir) as tmp:
        workdir = Path(tmp)
        files = write_files(workdir, "upload", records)
        warm = write_files(workdir, "warm", data.channel_counts(WARM_RECORDS, seed=1))
        sizes = {k: Path(files[f"{k}_file"]).stat().st_size for k in ("csv", "xlsx")}
        print(
            f"   files: CSV {sizes['csv'] / 1e6:.1f} MB, XLSX {sizes['xlsx'] / 1e6:.1f} MB",
            flush=True,
        )
        results = []
        db_args = argparse.Namespace(
            **{
                **vars(args),
                "postgres_db": getattr(args, "upload_postgres_db", "pp_bench_upload"),
            }
        )
        for kind in args.databases:
            with common.fresh_database(kind, db_args) as db:
                if db is None:
                    results.append({"database": kind, "skipped": "server unreachable"})
                    continue
                print(f"   {db.label}:", flush=True)
                results.append(measure(db, records, files, warm, args))
    _print(results)
    measured = [r for r in results if "skipped" not in r]
    result = {
        "benchmark": "upload",
        "finished_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "records": count,
        "file_bytes": sizes,
        "write_api_batch": BATCH,
        "cpu_cores": common.cpu_count(),
        "load_average_before_after": [load_before, common.load_average()],
        "target_ratio": TARGET_RATIO,
        "target_parse_mb": TARGET_PARSE_MB,
        "results": results,
        "passed": bool(measured) and all(r["passed"] for r in measured),
    }
    path = common.write_results("upload", result)
    print(f"results: {path.relative_to(common.ROOT)}")
    return result
