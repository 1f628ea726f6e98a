"""A private ``redis-server`` for tests that stop and start Redis, and a Redis that hangs.

Never the shared Redis: each test that needs Redis to fail starts its own on a free
loopback port (no persistence), and stops it when it wants Redis gone.
"""

import os
import shutil
import socket
import subprocess
import threading
import time

import pytest


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class PrivateRedis:
    """``redis-server`` on a port of its own; ``stop()`` and ``start()`` it at will."""

    def __init__(self):
        self.binary = shutil.which("redis-server")
        if self.binary is None:
            # CI installs and starts Redis (.ci/run): there, a missing server is a failure,
            # never a quiet skip of the cache-outage tests.
            if os.environ.get("CI"):
                pytest.fail("redis-server is not installed, and CI must run these tests")
            pytest.skip("redis-server is not installed")
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen | None = None

    def start(self) -> "PrivateRedis":
        self.process = subprocess.Popen(
            [self.binary, "--port", str(self.port), "--bind", "127.0.0.1"]
            + ["--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"redis-server exited with {self.process.returncode}")
            try:
                if self.client().ping():
                    return self
            except Exception:
                time.sleep(0.05)
        self.stop()
        raise RuntimeError("redis-server did not answer within 10 s")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)
        self.process = None

    def client(self):
        import redis

        return redis.Redis(port=self.port, socket_timeout=2, socket_connect_timeout=2)

    def keys(self, pattern: str) -> list[bytes]:
        return self.client().keys(pattern)


class HangingRedis:
    """A port that accepts connections and never answers: Redis stuck, not down."""

    def __init__(self):
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self._sock = socket.socket()
        self._sock.bind(("127.0.0.1", self.port))
        self._sock.listen(64)
        self._held: list[socket.socket] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def _accept(self) -> None:
        self._sock.settimeout(0.1)
        while not self._stop.is_set():
            try:
                conn, _ = self._sock.accept()
            except OSError:
                continue
            self._held.append(conn)  # kept open, never read from nor written to

    def connections(self) -> int:
        """How many connections have been made to it so far."""
        deadline = time.monotonic() + 1  # the accepting thread may lag a moment behind
        count = len(self._held)
        while time.monotonic() < deadline:
            time.sleep(0.05)
            if len(self._held) == count:
                return count
            count = len(self._held)
        return count

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        for conn in self._held:
            conn.close()
        self._sock.close()
