"""Fixtures for the worker tests: real worker processes that are always stopped."""

import pytest

from .helpers import WorkerProcess, worker_env


@pytest.fixture
def start_worker(transactional_db):
    """Start ``performance-platform worker ARGS`` against the test database.

    Every process started is killed (its whole process group) when the test ends, before
    the database is flushed.
    """
    started: list[WorkerProcess] = []

    def start(*args: str, **env: str) -> WorkerProcess:
        worker = WorkerProcess(list(args), worker_env(**env))
        started.append(worker)
        return worker

    yield start
    for worker in started:
        worker.cleanup()
