"""What every benchmark needs: fresh databases, the ``performance-platform`` CLI, a real
``serve`` process, and plain-text tables and JSON results.

Databases are real and fresh for each benchmark: SQLite is a new file in a temporary
directory; PostgreSQL is a database (``pp_bench`` by default) dropped and created again on
the server named by ``--postgres-url``. Both are migrated with ``performance-platform
migrate`` exactly as an operator would, and servers are started with
``performance-platform serve``, the production command (uvicorn).
"""

import contextlib
import json
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
RESULTS_DIR = ROOT / "var" / "bench"
DEFAULT_POSTGRES_URL = "postgresql://postgres@127.0.0.1:5432/"
DEFAULT_POSTGRES_DB = "pp_bench"
KINDS = ("sqlite", "postgres")
LABELS = {"sqlite": "SQLite", "postgres": "PostgreSQL"}


def cpu_count() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def load_average() -> str:
    """The 1-minute load average (other work on the machine skews timings)."""
    try:
        return f"{os.getloadavg()[0]:.2f}"
    except OSError:
        return "unknown"


# --- databases ----------------------------------------------------------------------------


@dataclass
class Database:
    """A fresh, migrated database and the directory the platform keeps its files in."""

    kind: str  # "sqlite" or "postgres"
    url: str  # DATABASE_URL for the platform
    workdir: Path
    version: str = ""
    dsn: str = ""  # psycopg connection string (PostgreSQL only)
    path: Path | None = None  # database file (SQLite only)
    notes: list[str] = field(default_factory=list)

    @property
    def label(self) -> str:
        return f"{LABELS[self.kind]} {self.version}".strip()

    @property
    def placeholder(self) -> str:
        return "?" if self.kind == "sqlite" else "%s"

    def connect(self):
        """A DB-API connection in autocommit mode (transactions are explicit)."""
        if self.kind == "sqlite":
            conn = sqlite3.connect(self.path, isolation_level=None, timeout=30)
            # The same settings the platform uses (settings.py): WAL, synchronous=NORMAL.
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            return conn
        import psycopg

        return psycopg.connect(self.dsn, autocommit=True)

    def query(self, sql: str, params: Sequence = ()) -> list[tuple]:
        """Run one statement (``%s`` placeholders) and return its rows."""
        conn = self.connect()
        try:
            cur = conn.cursor()
            cur.execute(sql.replace("%s", self.placeholder), params)
            return cur.fetchall()
        finally:
            conn.close()

    def data_set_id(self, name: str) -> int:
        rows = self.query("SELECT id FROM datastore_dataset WHERE name = %s", [name])
        if not rows:
            raise RuntimeError(f"no data set named {name!r} in {self.label}")
        return rows[0][0]

    def env(self) -> dict[str, str]:
        """Environment for platform subprocesses using this database."""
        return {
            **os.environ,
            "DATABASE_URL": self.url,
            "PP_VAR_DIR": str(self.workdir / "var"),
            "ALLOWED_HOSTS": "*",
            "LOG_LEVEL": "WARNING",
            "DEBUG": "",
        }


def _postgres_urls(base_url: str, name: str) -> tuple[str, str]:
    """(maintenance URL, bench database URL) from a server URL."""
    parts = urlsplit(base_url)
    admin = urlunsplit((parts.scheme, parts.netloc, "/postgres", parts.query, ""))
    bench = urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, ""))
    return admin, bench


def _recreate_postgres(admin_url: str, name: str, *, drop_only: bool = False) -> str:
    """Drop (and create) database ``name``; returns the server version."""
    import psycopg
    from psycopg import sql

    with psycopg.connect(admin_url, autocommit=True, connect_timeout=5) as conn:
        version = conn.execute("SHOW server_version").fetchone()[0].split()[0]
        ident = sql.Identifier(name)
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(ident))
        if not drop_only:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(ident))
    return version


@contextlib.contextmanager
def fresh_database(kind: str, args) -> Iterator[Database | None]:
    """A new, migrated database of ``kind``; yields None (after a notice) if unavailable.

    Everything is removed afterwards unless ``--keep`` was given.
    """
    workdir = Path(tempfile.mkdtemp(prefix=f"pp-bench-{kind}-", dir=args.tmp_dir))
    db: Database | None = None
    try:
        if kind == "sqlite":
            path = workdir / "bench.sqlite3"
            db = Database(
                kind, f"sqlite:///{path}", workdir, version=sqlite3.sqlite_version, path=path
            )
        else:
            admin_url, bench_url = _postgres_urls(args.postgres_url, args.postgres_db)
            try:
                version = _recreate_postgres(admin_url, args.postgres_db)
            except Exception as exc:  # unreachable server, no rights, no driver
                first = str(exc).strip().splitlines()[0] if str(exc).strip() else repr(exc)
                print(f"NOTICE: PostgreSQL skipped: cannot use {args.postgres_url}: {first}")
                yield None
                return
            db = Database(kind, bench_url, workdir, version=version, dsn=bench_url)
        (workdir / "var").mkdir()
        pp(db, "migrate", "--noinput")
        yield db
    finally:
        if db is not None and kind == "postgres" and not args.keep:
            admin_url, _ = _postgres_urls(args.postgres_url, args.postgres_db)
            with contextlib.suppress(Exception):
                _recreate_postgres(admin_url, args.postgres_db, drop_only=True)
        if args.keep:
            kept = f"database {args.postgres_db} and " if db and kind == "postgres" else ""
            print(f"   (kept {kept}{workdir})")
        else:
            shutil.rmtree(workdir, ignore_errors=True)


# --- the platform's own commands ---------------------------------------------------------


def pp(db: Database, *argv: str, stdin: bytes | None = None) -> str:
    """Run ``performance-platform <argv>`` against ``db``; returns its output."""
    result = subprocess.run(
        [sys.executable, "-m", "performance_platform.cli", *argv],
        env=db.env(),
        cwd=ROOT,
        input=stdin,
        capture_output=True,
    )
    output = (result.stdout + result.stderr).decode("utf-8", "replace")
    if result.returncode != 0:
        raise RuntimeError(f"performance-platform {' '.join(argv)} failed:\n{output}")
    return output


def import_config(db: Database, doc: dict) -> str:
    """``performance-platform import-config -`` with ``doc`` as the file."""
    return pp(db, "import-config", "-", stdin=json.dumps(doc).encode())


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """A running ``performance-platform serve`` (uvicorn) on a free port."""

    def __init__(self, db: Database, *, workers: int, extra_env: dict[str, str] | None = None):
        """``extra_env`` adds to (or overrides) the database's environment for the server,
        e.g. ``REDIS_URL`` so every worker shares one cache."""
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.workers = workers
        self.log_path = db.workdir / f"serve-{self.port}.log"
        self._log = open(self.log_path, "wb")  # noqa: SIM115 (closed in stop)
        # Own session, so stop() can end the server and its workers by this process group.
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "performance_platform.cli",
                "serve",
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--workers",
                str(workers),
                # Static files are collected into the bench's own PP_VAR_DIR the first
                # time (under serve's lock), so pages link the stylesheet as in production.
            ],
            env={**db.env(), **(extra_env or {})},
            cwd=ROOT,
            stdout=subprocess.DEVNULL,  # the access log; one line a request
            stderr=self._log,
            start_new_session=True,
        )
        try:
            self._wait_until_up()
        except BaseException:
            self.stop()
            raise

    def _wait_until_up(self, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"serve exited with {self.process.returncode}: {self.log()}")
            try:
                with urllib.request.urlopen(f"{self.url}/_status", timeout=1) as response:
                    if response.status == 200:
                        return
            except (urllib.error.URLError, OSError):
                time.sleep(0.1)
        raise RuntimeError(f"serve did not answer within {timeout:.0f} s: {self.log()}")

    def log(self) -> str:
        self._log.flush()
        return self.log_path.read_text(errors="replace")[-2000:]

    def stop(self) -> None:
        if self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=5)
        # Workers that outlived the master (they should not) go with the group.
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self._log.close()

    def __enter__(self) -> "Server":
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


# --- output -------------------------------------------------------------------------------


def table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """A plain-text table; the first column is left-aligned, the others right-aligned."""
    cells = [list(map(str, headers))] + [[str(c) for c in row] for row in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]

    def line(row):
        first = row[0].ljust(widths[0])
        rest = [c.rjust(w) for c, w in zip(row[1:], widths[1:], strict=True)]
        return "  ".join([first, *rest]).rstrip()

    out = [line(cells[0]), "  ".join("-" * w for w in widths)]
    out += [line(r) for r in cells[1:]]
    return "\n".join(out)


def write_results(name: str, result: dict) -> Path:
    """Write ``var/bench/<name>.json`` and return its path."""
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    path = RESULTS_DIR / f"{name}.json"
    path.write_text(json.dumps(result, indent=2, sort_keys=False) + "\n")
    return path


def rate(count: int, seconds: float) -> float:
    return count / seconds if seconds > 0 else float("inf")
