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
def scheduled_job() -> str:
    return "ran"


@task()
def wait_for_file(path: str, value: str, timeout: float = 60) -> str:
    """Run until ``path`` exists (the test says when), touching no database."""
    deadline = time.monotonic() + timeout
    while not Path(path).exists():
        if time.monotonic() > deadline:
            raise TimeoutError(f"{path} did not appear within {timeout} s")
        time.sleep(0.02)
    return value
