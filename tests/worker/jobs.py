"""Test-only tasks, queued by the worker tests (``tests.worker.jobs.<name>``).

They live in an importable module so that a real ``performance-platform worker``
subprocess (started from the repository root) can run them too.
"""

import time
from pathlib import Path

from django.tasks import task

from performance_platform.worker.runner import PermanentError


@task()
def flaky(counter_path: str, failures: int) -> int:
    """Fail on the first ``failures`` calls (counted in a file), then return the call number."""
    path = Path(counter_path)
    calls = int(path.read_text()) + 1 if path.exists() else 1
    path.write_text(str(calls))
    if calls <= failures:
        raise RuntimeError(f"flaky failure on call {calls}")
    return calls


@task()
def broken() -> None:
    """Always fails with an ordinary (retryable) error."""
    raise ValueError("always broken")


@task()
def misconfigured() -> None:
    """Fails with an error retrying cannot fix."""
    raise PermanentError("the configuration is wrong")


@task()
def add(a: int, b: int) -> int:
    return a + b


@task()
def sleep_then_return(seconds: float, value: str) -> str:
    """Takes a while, touching no database: a long task for heartbeat and SIGTERM tests."""
    time.sleep(seconds)
    return value


@task()
def scheduled_job() -> str:
    return "ran"
