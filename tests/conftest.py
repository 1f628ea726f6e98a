"""Shared fixtures: data sets with tokens, and real `serve` processes on the test database.

The whole suite runs once on SQLite and once on PostgreSQL (``make test``); the database
is chosen by ``DATABASE_URL``. Server fixtures start the project's own
``performance-platform serve`` command (uvicorn), pointed at the test database.
"""

import os
import socket
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
import requests
from django.db import connection

from performance_platform.datastore.models import DataGroup, DataSet, DataType, WriteToken

ROOT = Path(__file__).resolve().parent.parent
#: The moment tests that depend on the clock stand at (with time-machine): a Wednesday
#: afternoon, 2.5 minutes into a five-minute step of the realtime data, so no test's answer
#: depends on when it runs. Pages and the demo compute "now", "last week" and "the past 24
#: hours" from the clock.
FROZEN_NOW = datetime(2026, 11, 25, 15, 42, 30, tzinfo=UTC)


def pytest_report_header(config):
    return f"database: {os.environ.get('DATABASE_URL', '(default SQLite)')}"


def pytest_configure(config):
    # In CI the PostgreSQL run must really happen; refuse to pass silently without it.
    if os.environ.get("CI") and not os.environ.get("TEST_DATABASE_URL"):
        raise pytest.UsageError("CI is set but TEST_DATABASE_URL is not: PostgreSQL would not run")


@pytest.fixture
def make_data_set(db):
    """Create a data set (and a write token); returns ``(data_set, token)``."""

    def make(
        group="test-group", data_type="test-type", token="a-secret-token-0123456789", **settings
    ):
        data_group, _ = DataGroup.objects.get_or_create(name=group)
        dtype, _ = DataType.objects.get_or_create(name=data_type)
        data_set = DataSet.objects.create(data_group=data_group, data_type=dtype, **settings)
        if token:
            WriteToken.issue(data_set, "test", token=token)
        return data_set, token

    return make


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def database_url_for_tests() -> str:
    """A URL for the database the tests are using (the test database, not the real one)."""
    settings = connection.settings_dict
    if settings["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{settings['NAME']}"
    user = settings.get("USER") or "postgres"
    password = f":{settings['PASSWORD']}" if settings.get("PASSWORD") else ""
    host = settings.get("HOST") or "127.0.0.1"
    port = settings.get("PORT") or 5432
    return f"postgresql://{user}{password}@{host}:{port}/{settings['NAME']}"


class Server:
    """A running ``performance-platform serve`` process."""

    def __init__(self, port: int, process: subprocess.Popen):
        self.port = port
        self.process = process
        self.url = f"http://127.0.0.1:{port}"

    def stop(self):
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()


def launch_server(
    extra_env: dict | None = None,
    workers: int = 2,
    *,
    static: str = "skip",
    port: int | None = None,
) -> Server:
    """Start `serve` against the test database, without waiting for it to answer.

    ``static``: ``"skip"`` (``--no-collectstatic``, for speed), ``"always"``
    (``--collectstatic``) or ``"when-missing"`` (neither option: serve's default).
    """
    static_options = {
        "skip": ["--no-collectstatic"],
        "always": ["--collectstatic"],
        "when-missing": [],
    }[static]
    port = port or _free_port()
    env = {
        **os.environ,
        "DATABASE_URL": database_url_for_tests(),
        "ALLOWED_HOSTS": "*",
        "LOG_LEVEL": "WARNING",
        **(extra_env or {}),
    }
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "performance_platform.cli",
            "serve",
            "--port",
            str(port),
            "--workers",
            str(workers),
            *static_options,
        ],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    return Server(port, process)


def wait_until_up(server: Server, *, ready_status: int = 200, timeout: float = 60) -> Server:
    """Wait until ``/_status`` answers ``ready_status``; stop the server if it never does."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"serve exited with {server.process.returncode}")
        try:
            if requests.get(f"{server.url}/_status", timeout=1).status_code == ready_status:
                return server
        except requests.RequestException:
            pass
        time.sleep(0.1)
    server.stop()
    raise RuntimeError(f"serve did not start within {timeout:.0f} s")


def start_server(extra_env: dict | None = None, workers: int = 2, **options) -> Server:
    """Start `serve` on a free port against the test database and wait until it answers."""
    ready_status = options.pop("ready_status", 200)
    return wait_until_up(launch_server(extra_env, workers, **options), ready_status=ready_status)


@pytest.fixture(scope="module")
def two_servers(django_db_setup, django_db_blocker):
    """Two independent server processes on the same (test) database."""
    first = start_server()
    try:
        second = start_server()
    except BaseException:
        first.stop()
        raise
    yield first, second
    second.stop()
    first.stop()


@pytest.fixture(scope="session")
def live_server_process(django_db_setup, django_db_blocker):
    """One real server for the session, on the test database.

    Tests using it need committed data: mark them ``django_db(transaction=True)``.
    """
    server = start_server()
    yield server
    server.stop()


@pytest.fixture(autouse=True)
def _cache_not_resting():
    """Every test starts with the cache in use (a failure makes a process pause it)."""
    from performance_platform.datastore import softcache

    softcache._resting_until = 0.0
    yield
    softcache._resting_until = 0.0


@pytest.fixture
def make_user(db):
    """Create an active user with a password and roles; returns the user.

    ``roles`` is a list of ``(role, organisation)`` pairs (organisation None for a platform
    admin); ``data_sets`` are given to the user as an uploader.
    """
    from performance_platform.accounts.models import DataSetAccess, Membership, User

    def make(email="person@example.gov.uk", password="correct horse battery", roles=(), **fields):
        data_sets = fields.pop("data_sets", ())
        user = User.objects.create_user(email=email, password=password, **fields)
        for role, organisation in roles:
            Membership.objects.create(user=user, organisation=organisation, role=role)
        for data_set in data_sets:
            DataSetAccess.objects.create(user=user, data_set=data_set)
        return user

    return make
