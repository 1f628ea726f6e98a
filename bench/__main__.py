"""``python -m bench [NAME ...]``: run the benchmarks (all of them when no name is given).

Exits 1 when a benchmark misses its target or cannot run, so ``make bench`` can gate.
"""

import argparse
import os
import sys
import time

from . import common, load_all

FULL_RECORDS = 200_000
QUICK_RECORDS = 20_000
# The read benchmark's own defaults (records in its one big data set).
READ_FULL_RECORDS = 1_000_000
READ_QUICK_RECORDS = 100_000
# The upload benchmark's defaults (rows in each file).
UPLOAD_FULL_RECORDS = 100_000
UPLOAD_QUICK_RECORDS = 10_000


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {text}")
    return value


def parse_args(argv: list[str] | None, names: list[str]) -> argparse.Namespace:
    cores = common.cpu_count()
    parser = argparse.ArgumentParser(
        prog="python -m bench",
        description="Performance Platform benchmarks. Slow; never part of `make test`.",
        epilog="Benchmarks: "
        + "; ".join(f"{b.name}: {b.help}" for b in load_all().values())
        + ". Results are also written to var/bench/<name>.json (write-shuffled.json with "
        "--shuffle).",
    )
    parser.add_argument(
        "benchmarks", nargs="*", metavar="NAME", help=f"which to run (default: all of {names})"
    )
    parser.add_argument(
        "--records",
        type=_positive,
        help=f"records to write (default {FULL_RECORDS:,}; {QUICK_RECORDS:,} with --quick); "
        f"the read benchmark loads {READ_FULL_RECORDS:,} ({READ_QUICK_RECORDS:,} with --quick) "
        f"and the upload benchmark's files hold {UPLOAD_FULL_RECORDS:,} rows "
        f"({UPLOAD_QUICK_RECORDS:,} with --quick) unless this is given",
    )
    parser.add_argument(
        "--batch",
        type=_positive,
        default=1000,
        help="records per request and per raw transaction (default %(default)s)",
    )
    parser.add_argument(
        "--workers",
        type=_positive,
        default=cores,
        help=f"`serve --workers` (default: one per CPU core, here {cores})",
    )
    parser.add_argument(
        "--clients", type=_positive, help="concurrent client threads (default: --workers)"
    )
    parser.add_argument(
        "--rounds",
        type=_positive,
        default=4,
        help="alternate raw and API writes this many times, so changes in machine load "
        "affect both (default %(default)s)",
    )
    parser.add_argument(
        "--shuffle",
        action="store_true",
        help="send records in random order instead of time order (worst case for rollups)",
    )
    parser.add_argument("--only", choices=common.KINDS, help="one database instead of both")
    parser.add_argument("--quick", action="store_true", help="a fast smoke run")
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get("BENCH_POSTGRES_URL", common.DEFAULT_POSTGRES_URL),
        help="PostgreSQL server to use (default: $BENCH_POSTGRES_URL or %(default)s)",
    )
    parser.add_argument(
        "--postgres-db",
        default=common.DEFAULT_POSTGRES_DB,
        help="database to drop and create for the run (default %(default)s)",
    )
    parser.add_argument(
        "--read-postgres-db",
        default="pp_bench_read",
        help="read benchmark: database to drop and create for the run (default %(default)s)",
    )
    parser.add_argument(
        "--site-postgres-db",
        default="pp_bench_site",
        help="site benchmark: database to drop and create for the run (default %(default)s)",
    )
    parser.add_argument(
        "--upload-postgres-db",
        default="pp_bench_upload",
        help="upload benchmark: database to drop and create for the run (default %(default)s)",
    )
    parser.add_argument(
        "--redis-url",
        default=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/11"),
        help="read and site benchmarks: the Redis database `serve` caches in; it is FLUSHED "
        "before every cold request, so give one nothing else uses (default: $BENCH_REDIS_URL "
        "or %(default)s)",
    )
    parser.add_argument(
        "--repeats",
        type=_positive,
        default=15,
        help="read benchmark: timed cold and warm requests (and raw SQL runs) per query; "
        "site benchmark: cold dashboard requests (twice as many warm and services-index "
        "requests) (default %(default)s)",
    )
    parser.add_argument("--tmp-dir", help="where temporary files go (default: $TMPDIR or /tmp)")
    parser.add_argument(
        "--keep", action="store_true", help="keep the databases and logs for inspection"
    )
    args = parser.parse_args(argv)
    unknown = [n for n in args.benchmarks if n not in names]
    if unknown:
        parser.error(f"unknown benchmark(s) {unknown}; choose from {names}")
    args.benchmarks = args.benchmarks or names
    # The read benchmark's data set size: --records when given, else its own default.
    args.read_records = args.records or (READ_QUICK_RECORDS if args.quick else READ_FULL_RECORDS)
    args.upload_records = args.records or (
        UPLOAD_QUICK_RECORDS if args.quick else UPLOAD_FULL_RECORDS
    )
    args.records = args.records or (QUICK_RECORDS if args.quick else FULL_RECORDS)
    args.clients = args.clients or args.workers
    args.databases = [args.only] if args.only else list(common.KINDS)
    if args.tmp_dir:
        os.makedirs(args.tmp_dir, exist_ok=True)
    return args


def main(argv: list[str] | None = None) -> int:
    registry = load_all()
    args = parse_args(argv, list(registry))
    failed = []
    for name in args.benchmarks:
        started = time.monotonic()
        try:
            result = registry[name].run(args)
        except Exception as exc:
            print(f"!! {name}: could not run: {exc}", file=sys.stderr)
            failed.append(name)
            continue
        print(f"== {name}: done in {time.monotonic() - started:.0f} s\n")
        if not result.get("passed"):
            failed.append(name)
    if failed:
        print(f"Missed target or failed: {', '.join(failed)}")
        return 1
    print("All benchmarks met their targets.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
