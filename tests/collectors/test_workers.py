"""Collectors under the worker: two runs of one collector never overlap, the schedule runs
what is due, and a run's outcome moves the collector's state and its next run."""

import os
import subprocess
import sys
import threading
import time
from datetime import timedelta
from http.server import BaseHTTPRequestHandler

import pytest
from django.utils import timezone

from performance_platform.collectors.models import Collector, CollectorRun
from performance_platform.worker.runner import Worker
from tests.conftest import ROOT, database_url_for_tests
from tests.fakehttp import FakeServer

from .conftest import records_of

CSV = b"_timestamp,channel,count\n2026-11-09,digital,120\n2026-11-09,paper,30\n"


class SlowFile:
    """A file server that takes ``delay`` seconds to answer (or answers 500 while
    ``failing``), counting requests and the most it served at once."""

    def __init__(self, delay: float = 0.0):
        self.delay, self.failing = delay, False
        self.requests, self.at_once, self.most_at_once = 0, 0, 0
        self.lock = threading.Lock()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                return None

            def do_GET(self):
                with outer.lock:
                    outer.requests += 1
                    outer.at_once += 1
                    outer.most_at_once = max(outer.most_at_once, outer.at_once)
                try:
                    time.sleep(outer.delay)
                    status, body = (500, b"down") if outer.failing else (200, CSV)
                    self.send_response(status)
                    self.send_header("Content-Type", "text/csv")
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                finally:
                    with outer.lock:
                        outer.at_once -= 1

        self.fake = FakeServer(Handler).start()
        self.url = f"{self.fake.url}/visits.csv"


@pytest.fixture
def slow_file():
    server = SlowFile(delay=4.0)
    yield server
    server.fake.stop()


@pytest.fixture
def quick_file():
    server = SlowFile()
    yield server
    server.fake.stop()


def _collect(name: str) -> subprocess.Popen:
    env = {**os.environ, "DATABASE_URL": database_url_for_tests(), "LOG_LEVEL": "WARNING"}
    return subprocess.Popen(
        [sys.executable, "-m", "performance_platform.cli", "collect", name],
        env=env,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


@pytest.mark.django_db(transaction=True)
def test_two_workers_never_run_one_collector_at_once(slow_file, make_collector, plain_data_set):
    make_collector(plain_data_set, "url", slow_file.url, name="visits-file")
    first = _collect("visits-file")
    # The second starts while the first is waiting on the slow file, holding the lease.
    deadline = time.monotonic() + 30
    while slow_file.requests == 0 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert slow_file.requests == 1, "the first run never reached the file"
    second = _collect("visits-file")
    outputs = [p.communicate(timeout=60) for p in (first, second)]
    codes = [first.returncode, second.returncode]
    assert codes == [0, 1], outputs
    assert "visits-file is already running" in outputs[1][1]
    assert slow_file.requests == 1 and slow_file.most_at_once == 1
    assert len(records_of(plain_data_set)) == 2
    assert CollectorRun.objects.filter(status=CollectorRun.Status.SUCCEEDED).count() == 1
    assert Collector.objects.get(name="visits-file").lease_owner == "", "the lease is given back"


def _worker() -> Worker:
    from django.conf import settings

    return Worker(worker_id="test-worker", schedule=settings.WORKER_SCHEDULE)


def test_the_worker_runs_a_due_collector_and_schedules_the_next(
    quick_file, make_collector, plain_data_set
):
    collector = make_collector(plain_data_set, "url", quick_file.url, every_seconds=3600)
    worker = _worker()
    assert "run-collectors" in worker.enqueue_due()
    worker.run_pending()
    collector.refresh_from_db()
    assert collector.state == Collector.State.WORKING
    assert len(records_of(plain_data_set)) == 2
    assert collector.next_run_at - collector.last_run_at == timedelta(hours=1)
    run = collector.runs.get()
    assert (run.trigger, run.status, run.records) == ("schedule", "succeeded", 2)


def test_a_failing_collector_is_tried_again_sooner_then_recovers(
    quick_file, make_collector, plain_data_set, settings
):
    settings.COLLECTOR_ATTEMPTS = 2
    quick_file.failing = True
    collector = make_collector(plain_data_set, "url", quick_file.url, every_seconds=86400)
    from performance_platform.collectors.running import run_collector

    outcome = run_collector(collector)
    collector.refresh_from_db()
    assert not outcome.ok and outcome.run.retries == 1
    assert collector.state == Collector.State.FAILING
    assert "HTTP 500" in collector.last_error
    assert collector.next_run_at - collector.last_run_at == timedelta(minutes=2)
    assert records_of(plain_data_set) == []

    run_collector(collector)
    collector.refresh_from_db()
    assert collector.failures == 2
    assert collector.next_run_at - collector.last_run_at == timedelta(minutes=4)

    quick_file.failing = False
    run_collector(collector)
    collector.refresh_from_db()
    assert collector.state == Collector.State.WORKING
    assert (collector.failures, collector.last_error) == (0, "")
    assert collector.next_run_at - collector.last_run_at == timedelta(days=1)


def test_a_broken_collector_waits_for_a_person(make_collector, plain_data_set):
    now = timezone.now()
    make_collector(
        plain_data_set,
        "url",
        "http://127.0.0.1:9/x.csv",
        state=Collector.State.BROKEN,
        next_run_at=None,
        broken_since=now - timedelta(days=3),
    )
    worker = _worker()
    worker.enqueue_due()
    worker.run_pending()
    assert CollectorRun.objects.count() == 0
