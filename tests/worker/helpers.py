"""Helpers for the worker tests: real ``performance-platform worker`` processes, polling."""

import contextlib
import os
import signal
import subprocess
import sys
import time

from tests.conftest import ROOT, database_url_for_tests

# Generous: the machine may be busy. A wait that times out fails the test, it never skips.
TIMEOUT = 60


def wait_for(predicate, *, timeout: float = TIMEOUT, interval: float = 0.05, what: str = ""):
    """Poll ``predicate`` until it returns something true; return that, or fail on timeout."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what or predicate}")
        time.sleep(interval)


def worker_env(**extra: str) -> dict:
    return {
        **os.environ,
        "DATABASE_URL": database_url_for_tests(),
        "LOG_LEVEL": "WARNING",
        **extra,
    }


class WorkerProcess:
    """A ``performance-platform worker`` subprocess in its own process group."""

    def __init__(self, args: list[str], env: dict):
        self.process = subprocess.Popen(
            [sys.executable, "-m", "performance_platform.cli", "worker", *args],
            env=env,
            cwd=ROOT,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=True,
        )
        self.pid = self.process.pid

    def alive(self) -> bool:
        return self.process.poll() is None

    def kill(self) -> None:
        """SIGKILL the whole process group (the crash), and reap it."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.pid, signal.SIGKILL)
        self.process.communicate()

    def terminate(self, signum: int = signal.SIGTERM, timeout: float = TIMEOUT):
        """Send ``signum`` (once) and wait; return (exit code, stdout, stderr)."""
        if self.alive():
            self.process.send_signal(signum)
        return self.finish(timeout)

    def finish(self, timeout: float = TIMEOUT) -> tuple[int, str, str]:
        """Wait for the worker to exit by itself; return (exit code, stdout, stderr)."""
        try:
            out, err = self.process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            raise AssertionError(f"the worker did not exit within {timeout} s")
        return self.process.returncode, out.decode(errors="replace"), err.decode(errors="replace")

    def cleanup(self) -> None:
        if self.process.returncode is None:
            self.kill()
        else:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self.pid, signal.SIGKILL)  # any child left behind


def run_cli(*args: str, timeout: float = TIMEOUT, **env: str) -> subprocess.CompletedProcess:
    """Run ``performance-platform ARGS`` to completion; kill its group and fail if it hangs."""
    process = subprocess.Popen(
        [sys.executable, "-m", "performance_platform.cli", *args],
        env=worker_env(**env),
        cwd=ROOT,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    try:
        out, err = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.communicate()
        raise AssertionError(f"performance-platform {' '.join(args)[:200]} hung for {timeout} s")
    return subprocess.CompletedProcess(
        process.args, process.returncode, out.decode(errors="replace"), err.decode(errors="replace")
    )
