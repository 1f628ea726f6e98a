"""Slow and idle clients against a real ``serve``: they must not stop anyone else.

Each of the 200 connections here holds a socket open the way a slow-loris attack does:
half send a request head a byte at a time and never finish it, half send a complete head
(with a valid write token) and then trickle the body. Throughout, ``/_status`` and a
cached read must answer in under a second, and each slow connection must be cut off by
the header or body timeout (small ones, set through the environment) with a JSON 408.

The server is a real process and its clock cannot be fixed; the test measures elapsed
time on the monotonic clock and leaves generous margins around the timeouts it set.
"""

import json
import selectors
import socket
import time

import pytest
import requests

from tests.conftest import start_server

from .rawhttp import parse_response

pytestmark = [pytest.mark.server, pytest.mark.django_db(transaction=True)]

TOKEN = "slow-token-0123456789abcdef"
PATH = "/data/slow-group/slow-type"
HEADER_TIMEOUT = 3
BODY_TIMEOUT = 5
SLOW_HEADS = 100
SLOW_BODIES = 100
# Extra seconds a connection may live past its timeout (timers, a busy 2-core machine).
SLACK = 3.0


@pytest.fixture(scope="module")
def slow_server(django_db_setup, django_db_blocker):
    server = start_server(
        extra_env={
            "SERVE_HEADER_TIMEOUT": str(HEADER_TIMEOUT),
            "SERVE_BODY_TIMEOUT": str(BODY_TIMEOUT),
        }
    )
    yield server
    server.stop()


class SlowClient:
    """One connection that sends a little every second and never finishes its request."""

    def __init__(self, url_port: int, first: bytes, trickle: bytes, kind: str):
        self.kind = kind
        self.sock = socket.create_connection(("127.0.0.1", url_port), timeout=5)
        self.sock.sendall(first)
        self.sock.setblocking(False)
        self.trickle = trickle
        self.opened = time.monotonic()
        self.closed_at: float | None = None
        self.received = b""

    def send_a_byte(self):
        if self.closed_at is None:
            try:
                self.sock.send(self.trickle)
            except (BlockingIOError, BrokenPipeError, ConnectionResetError):
                pass

    def read(self) -> None:
        try:
            chunk = self.sock.recv(65536)
        except BlockingIOError:
            return
        except ConnectionResetError:
            chunk = b""
        if chunk:
            self.received += chunk
        else:
            self.closed_at = time.monotonic()

    def lifetime(self) -> float:
        assert self.closed_at is not None
        return self.closed_at - self.opened


def slow_head(port: int) -> SlowClient:
    first = b"GET /_status HTTP/1.1\r\nHost: 127.0.0.1\r\nX-A: "
    return SlowClient(port, first, b"a", "head")


def slow_body(port: int) -> SlowClient:
    head = (
        f"POST {PATH} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {TOKEN}\r\n"
        "Content-Type: application/json\r\nContent-Length: 100000\r\n\r\n["
    ).encode()
    return SlowClient(port, head, b" ", "body")


def timed_get(url: str) -> tuple[int, float]:
    """(status, seconds) of a GET; status 0 when no answer came within 5 seconds."""
    started = time.monotonic()
    try:
        status = requests.get(url, timeout=5).status_code
    except requests.RequestException:
        status = 0
    return status, time.monotonic() - started


def test_slow_clients_do_not_stop_the_server(slow_server, make_data_set):
    make_data_set(group="slow-group", data_type="slow-type", token=TOKEN, raw_queries_allowed=True)
    read_url = f"{slow_server.url}{PATH}"
    status_url = f"{slow_server.url}/_status"
    assert requests.get(read_url, timeout=5).status_code == 200  # now cached

    clients = [slow_head(slow_server.port) for _ in range(SLOW_HEADS)]
    clients += [slow_body(slow_server.port) for _ in range(SLOW_BODIES)]
    selector = selectors.DefaultSelector()
    for client in clients:
        selector.register(client.sock, selectors.EVENT_READ, client)

    probes: list[tuple[str, int, float]] = []
    deadline = time.monotonic() + BODY_TIMEOUT + SLACK + 1
    next_trickle = 0.0
    try:
        while time.monotonic() < deadline and any(c.closed_at is None for c in clients):
            now = time.monotonic()
            if now >= next_trickle:
                for client in clients:
                    client.send_a_byte()
                next_trickle = now + 1.0
            for key, _ in selector.select(timeout=0.05):
                key.data.read()
                if key.data.closed_at is not None:
                    selector.unregister(key.fileobj)
            for name, url in (("status", status_url), ("read", read_url)):
                status, elapsed = timed_get(url)
                probes.append((name, status, elapsed))
    finally:
        selector.close()
        for client in clients:
            client.sock.close()

    # Everyone else was served throughout, each answer within a second.
    assert len(probes) >= 20, probes
    slow_probes = [p for p in probes if p[1] != 200 or p[2] >= 1.0]
    assert not slow_probes, slow_probes[:10]

    # Every slow connection was closed by the server, after its timeout and not long after.
    still_open = [c.kind for c in clients if c.closed_at is None]
    assert not still_open, f"{len(still_open)} slow connections still open"
    for client in clients:
        limit = HEADER_TIMEOUT if client.kind == "head" else BODY_TIMEOUT
        assert limit - 0.5 <= client.lifetime() <= limit + SLACK, (
            client.kind,
            client.lifetime(),
        )
        # ...with a 408 in the API's envelope, saying which part was too slow.
        response = parse_response(client.received)
        assert response.status == 408, client.received[:300]
        assert response.content_type == "application/json"
        payload = response.json()
        assert payload["status"] == "error"
        part = "headers" if client.kind == "head" else "body"
        assert payload["message"] == (
            f"The request {part} did not arrive within {limit} seconds"
        ), payload
        assert json.loads(response.body) == payload

    # And the server is still fine afterwards.
    assert requests.get(status_url, timeout=5).json()["message"] == "app is up"
