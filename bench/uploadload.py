"""In-process helpers for the upload benchmark, run as subprocesses with the platform's
settings (``python -m bench.uploadload <command> < spec.json``; prints JSON):

``setup``  makes the benchmark's data sets, each with the standard settings of a new
service's transactions-by-channel data set (``kpis.standard.data_set_settings``: its
schema and ``auto_ids``); with ``spec["kpi_groups"]``, those groups also get the standard
KPI transforms (``kpis.standard.transforms_for_group``), so an upload's preview has a
KPI to work out.

``run``  times, in one process and one after another: the write API's work after the
request has arrived (``orjson.loads`` of each body, ``validation.validate_records`` and
``storage.store_records``, exactly as ``datastore.write_api.append`` does, one request per
``WRITE_MAX_RECORDS`` records), then each upload through ``uploads.processing``:
``receive`` (the file kept), ``check`` (read, check every row, the preview and its KPI
trial, if any) and ``store`` (read and check the kept file again, then store every record). It
also times ``processing.parse`` alone on each file, so the check and the store can be
split into reading the file and the rest, and the process's CPU time of each path beside
its wall time. Then it checks every data set holds every
record and that a sample of the stored JSON is the same whichever way it came.

``parse``  reads the XLSX with ``lib.tables.open_table`` and iterates every row, and
nothing else: the peak resident memory (``VmHWM``; ``ru_maxrss`` where there is no
``/proc``) above what the process held just before (the Rust parser's memory included),
then again under ``tracemalloc`` (Python objects only).

``upload``  receives, checks and stores one file, and nothing else: the process's peak
resident memory above what it held before the file was read.

All need ``DJANGO_SETTINGS_MODULE`` and ``DATABASE_URL`` in the environment.
"""

import contextlib
import cProfile
import io
import json
import pstats
import resource
import sys
import time
from pathlib import Path

DATA_TYPE = "transactions-by-channel"
CADENCE = "weekly"


def _setup() -> None:
    import django

    django.setup()


def _log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _status_mb(key: str) -> float | None:
    with contextlib.suppress(OSError):  # no /proc: the caller falls back to ru_maxrss
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1]) / 1024  # kB
    return None


def _peak_rss_mb() -> float:
    """This process's peak resident set. On Linux, VmHWM: ``ru_maxrss`` would do, but it
    keeps the parent's peak across fork and exec (here the benchmark's, with its 100,000
    records), so it would say this process used memory it never touched."""
    hwm = _status_mb("VmHWM")
    if hwm is not None:
        return hwm
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kB on Linux


def _rss_mb() -> float:
    """The resident set now (not the peak); the peak where there is no /proc."""
    rss = _status_mb("VmRSS")
    return rss if rss is not None else _peak_rss_mb()


def _data_set(group: str):
    from performance_platform.datastore.models import DataSet

    return DataSet.objects.select_related("data_group", "data_type").get(
        data_group__name=group, data_type__name=DATA_TYPE
    )


# --- setup --------------------------------------------------------------------------------


def setup(spec: dict) -> dict:
    """Make a standard data set in each of spec["groups"] (and spec["kpi_groups"], which
    also get the standard KPI transforms). Returns {"names": {group: data set name},
    "settings": the standard settings}."""
    from performance_platform.datastore.models import DataGroup
    from performance_platform.kpis import standard

    names = {}
    for group in [*spec["groups"], *spec.get("kpi_groups", [])]:
        data_group = DataGroup.objects.get_or_create(name=group)[0]
        names[group] = standard.new_data_set(data_group, DATA_TYPE, CADENCE).name
    for group in spec.get("kpi_groups", []):
        for entry in standard.transforms_for_group(group, {DATA_TYPE}, cadence=CADENCE):
            standard.make_transform(entry)
    return {"names": names, "settings": standard.data_set_settings(DATA_TYPE, CADENCE)}


# --- run ----------------------------------------------------------------------------------


def write_api(group: str, bodies: list[bytes]) -> float:
    """What ``write_api.append`` does with each request body; returns seconds."""
    import orjson
    from django.utils import timezone

    from performance_platform.datastore import storage
    from performance_platform.datastore.validation import finish_record, iso, validate_records

    data_set = _data_set(group)
    started, cpu = time.perf_counter(), time.process_time()
    for body in bodies:
        items = orjson.loads(body)
        now = timezone.now()
        records, errors = validate_records(
            items, schema=data_set.schema, auto_ids=data_set.auto_ids or None, copy=False
        )
        if errors:
            raise RuntimeError(f"the write API refused the records: {errors[:3]}")
        now_iso = iso(now)
        prepared = (finish_record(r, now, now_iso=now_iso) for r in records)
        storage.store_records(data_set, prepared, now=now, source="api")
    return time.perf_counter() - started, time.process_time() - cpu


def upload(group: str, path: str, *, parse_alone: bool = True) -> dict:
    """Receive, check and store the file at ``path`` into ``group``'s data set; seconds of
    each step, and of ``processing.parse`` alone (the file read and every row checked)."""
    from performance_platform.uploads import processing
    from performance_platform.uploads.models import Upload

    data_set = _data_set(group)
    content = Path(path).read_bytes()
    cpu = time.process_time()
    t0 = time.perf_counter()
    kept = processing.receive(data_set, content, Path(path).name, via="cli")
    t1 = time.perf_counter()
    checked = processing.check(kept)
    t2 = time.perf_counter()
    if checked.status != Upload.Status.READY:
        raise RuntimeError(f"the upload was not ready: {checked.status} {checked.errors[:3]}")
    stored = processing.store(checked)
    t3 = time.perf_counter()
    cpu = time.process_time() - cpu
    if stored.status != Upload.Status.STORED:
        raise RuntimeError(f"the upload was not stored: {stored.status} {stored.errors[:3]}")
    out = {
        "receive": t1 - t0,
        "check": t2 - t1,
        "store": t3 - t2,
        "total": t3 - t0,
        "cpu": cpu,
        "rows": stored.row_count,
        "stored": stored.stored_count,
        "kpi_changes": len((checked.preview or {}).get("kpis", [])),
        "bytes": len(content),
    }
    if parse_alone:
        t4 = time.perf_counter()
        parsed = processing.parse(stored, data_set)
        out["parse"] = time.perf_counter() - t4
        if not parsed.checked.ok:
            raise RuntimeError("the file no longer passes its checks")
    return out


def _profile(group: str, path: str, top: int = 30) -> str:
    """A cProfile summary of one upload (receive, check, store) into ``group``."""
    profiler = cProfile.Profile()
    profiler.enable()
    upload(group, path, parse_alone=False)
    profiler.disable()
    text = io.StringIO()
    stats = pstats.Stats(profiler, stream=text)
    stats.sort_stats("cumulative").print_stats(top)
    stats.sort_stats("tottime").print_stats(top)
    return text.getvalue()


def _verify(groups: list[str], count: int) -> list[str]:
    """Every data set holds ``count`` records, and a sample is the same JSON in each."""
    from performance_platform.datastore.models import Record

    problems = []
    sets = {group: _data_set(group) for group in groups}
    for group, data_set in sets.items():
        stored = Record.objects.filter(data_set=data_set).count()
        if stored != count:
            problems.append(f"{group} holds {stored:,} records, not {count:,}")
    first = sets[groups[0]]
    ids = list(
        Record.objects.filter(data_set=first)
        .order_by("record_id")
        .values_list("record_id", flat=True)[:: max(1, count // 50)]
    )

    def sample(data_set) -> dict:
        rows = Record.objects.filter(data_set=data_set, record_id__in=ids)
        out = {}
        for record_id, data in rows.values_list("record_id", "data"):
            data = dict(data)
            data.pop("_updated_at", None)
            out[record_id] = data
        return out

    expected = sample(first)
    if len(expected) != len(ids):
        problems.append(f"{groups[0]}: sample records missing")
    for group in groups[1:]:
        got = sample(sets[group])
        if got != expected:
            differ = next((k for k in expected if got.get(k) != expected[k]), None)
            problems.append(
                f"{group} stored different JSON from {groups[0]}, e.g. {differ}: "
                f"{got.get(differ)} != {expected.get(differ)}"
            )
    return problems


def run(spec: dict) -> dict:
    """Warm up, then the write API, the CSV upload and the XLSX upload (and, with
    spec["kpi"], the CSV upload again into a data set with KPI transforms)."""
    from django.db import connection

    warm = spec["warm"]
    write_api(warm["api"], [Path(p).read_bytes() for p in warm["bodies"]])
    upload(warm["csv"], warm["csv_file"], parse_alone=False)
    upload(warm["xlsx"], warm["xlsx_file"], parse_alone=False)

    bodies = [Path(p).read_bytes() for p in spec["bodies"]]
    api, api_cpu = write_api(spec["api"], bodies)
    del bodies
    _log(f"      write API: {api:.2f} s")
    csv = upload(spec["csv"], spec["csv_file"])
    _log(
        f"      CSV upload: {csv['total']:.2f} s "
        f"(check {csv['check']:.2f}, store {csv['store']:.2f})"
    )
    xlsx = upload(spec["xlsx"], spec["xlsx_file"])
    _log(
        f"      XLSX upload: {xlsx['total']:.2f} s "
        f"(check {xlsx['check']:.2f}, store {xlsx['store']:.2f})"
    )
    out = {
        "api_seconds": api,
        # This process's CPU time: less moved by other work on the machine than the wall
        # time, but it leaves out the database server's work (PostgreSQL).
        "api_cpu_seconds": api_cpu,
        "csv": csv,
        "xlsx": xlsx,
        "vendor": connection.vendor,
        "problems": _verify([spec["api"], spec["csv"], spec["xlsx"]], spec["records"]),
    }
    if spec.get("kpi"):
        out["csv_kpi"] = upload(spec["kpi"], spec["csv_file"])
        _log(f"      CSV upload with KPI transforms: {out['csv_kpi']['total']:.2f} s")
    if spec.get("profile"):
        out["profile"] = _profile(spec["profile"], spec["csv_file"])
    return out


# --- memory -------------------------------------------------------------------------------


def parse(spec: dict) -> dict:
    """Peak memory of reading spec["file"] and iterating all its rows: RSS, then Python."""
    import tracemalloc

    from performance_platform.lib.tables import open_table

    path = Path(spec["file"])

    def read_all() -> int:
        table = open_table(path, path.name)
        count = 0
        for _row in table.rows:
            count += 1
        return count

    before = _rss_mb()
    t0 = time.perf_counter()
    rows = read_all()
    seconds = time.perf_counter() - t0
    peak = _peak_rss_mb()
    tracemalloc.start()
    read_all()
    _, traced = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return {
        "rows": rows,
        "seconds": seconds,
        "rss_before_mb": before,
        "rss_peak_mb": peak,
        "rss_added_mb": peak - before,
        "tracemalloc_peak_mb": traced / 1024 / 1024,
    }


def upload_memory(spec: dict) -> dict:
    """Peak RSS of one upload (receive, check, store) into spec["group"]."""
    _data_set(spec["group"])  # the models and the connection, before the baseline
    from performance_platform.uploads import processing  # noqa: F401

    before = _rss_mb()
    timings = upload(spec["group"], spec["file"], parse_alone=False)
    peak = _peak_rss_mb()
    return {**timings, "rss_before_mb": before, "rss_peak_mb": peak, "rss_added_mb": peak - before}


COMMANDS = {"setup": setup, "run": run, "parse": parse, "upload": upload_memory}


def main() -> int:
    if len(sys.argv) != 2 or sys.argv[1] not in COMMANDS:
        print(f"usage: python -m bench.uploadload {{{'|'.join(COMMANDS)}}} < spec.json")
        return 2
    spec = json.load(sys.stdin)
    _setup()
    result = COMMANDS[sys.argv[1]](spec)
    sys.stdout.write(json.dumps(result, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
