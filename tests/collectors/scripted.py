"""What the collectors' fake providers share: every request recorded, and a queue of
scripted answers (failures on demand) served before the fake's normal ones.

A test queues answers with ``fake.then(...)``: :func:`status` (any HTTP status, with a
``Retry-After`` if asked), :func:`body` (any bytes, such as broken JSON), :func:`slow`
(the normal answer, late), :func:`redirect`, :func:`huge` and :func:`gzip_bomb`.
"""

import gzip
import json
import threading
import time
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from urllib.parse import parse_qs, urlsplit

from tests.fakehttp import FakeServer, JSONHandler


@dataclass
class Seen:
    """One request as the fake received it."""

    method: str
    path: str
    query: dict  # the URL's parameters, each its last value
    form: dict  # the form body's parameters, each its last value
    headers: dict
    at: float  # time.perf_counter() on arrival (the frozen clock does not touch it)

    @property
    def params(self) -> dict:
        """URL and body parameters together, as PHP's $_REQUEST sees them."""
        return {**self.query, **self.form}


@dataclass
class Scripted:
    """A canned answer; ``delay`` seconds late. ``normal`` means the fake's usual answer."""

    status: int = 200
    body: bytes = b""
    headers: dict = field(default_factory=dict)
    delay: float = 0.0
    normal: bool = False


def status(code: int, message: str = "", retry_after: str | None = None) -> Scripted:
    """An HTTP error status with a JSON message, and ``Retry-After`` if given."""
    headers = {"Content-Type": "application/json"}
    if retry_after is not None:
        headers["Retry-After"] = retry_after
    payload = json.dumps({"message": message or f"status {code}"}).encode()
    return Scripted(code, payload, headers)


def body(data: bytes, content_type: str = "application/json") -> Scripted:
    """A 200 with exactly ``data`` (for malformed answers)."""
    return Scripted(200, data, {"Content-Type": content_type})


def slow(seconds: float) -> Scripted:
    """The normal answer, after ``seconds``."""
    return Scripted(delay=seconds, normal=True)


def redirect(location: str, code: int = 302) -> Scripted:
    """A redirect to ``location`` (absolute, or a path on this fake)."""
    return Scripted(code, b"", {"Location": location})


def huge(size: int) -> Scripted:
    """A JSON-looking 200 of ``size`` bytes, with no Content-Length (streamed until closed)."""
    return Scripted(200, b"[" + b" " * (size - 2) + b"]", {"Content-Type": "application/json"})


def gzip_bomb(expanded: int) -> Scripted:
    """A small gzip body that expands to ``expanded`` bytes of spaces."""
    packed = gzip.compress(b" " * expanded, compresslevel=9)
    return Scripted(200, packed, {"Content-Type": "application/json", "Content-Encoding": "gzip"})


class ScriptedHandler(JSONHandler):
    """Records each request, then serves the next scripted answer or :meth:`answer`."""

    fake: "ScriptedFake"

    def do_GET(self) -> None:
        self._handle("GET")

    def do_POST(self) -> None:
        self._handle("POST")

    def _handle(self, method: str) -> None:
        parts = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        form = {}
        if "application/x-www-form-urlencoded" in self.headers.get("Content-Type", ""):
            form = {k: v[-1] for k, v in parse_qs(raw.decode(), keep_blank_values=True).items()}
        seen = Seen(
            method,
            parts.path,
            {k: v[-1] for k, v in parse_qs(parts.query, keep_blank_values=True).items()},
            form,
            dict(self.headers.items()),
            time.perf_counter(),
        )
        scripted = self.fake.record(seen)
        if scripted is not None and scripted.delay:
            time.sleep(scripted.delay)
        if scripted is None or scripted.normal:
            code, headers, payload = self.fake.answer(seen)
        else:
            code, headers, payload = scripted.status, scripted.headers, scripted.body
        self._send(code, headers, payload)

    def _send(self, code: int, headers: dict, payload: bytes) -> None:
        self.send_response(code)
        for name, value in headers.items():
            self.send_header(name, value)
        streamed = len(payload) > 64 * 1024
        if not streamed:
            self.send_header("Content-Length", str(len(payload)))
        else:
            self.send_header("Connection", "close")  # the body ends when the connection does
        self.end_headers()
        try:
            for start in range(0, len(payload), 64 * 1024):
                self.wfile.write(payload[start : start + 64 * 1024])
        except (BrokenPipeError, ConnectionResetError):
            return  # the client stopped reading (a refused huge answer): that is the point
        if streamed:
            self.close_connection = True


class ScriptedFake(FakeServer, ABC):
    """A fake provider: subclasses give :meth:`answer`, the normal answer to a request."""

    handler: type[ScriptedHandler] = ScriptedHandler

    def __init__(self):
        self.requests: list[Seen] = []
        self.script: list[Scripted] = []
        self._lock = threading.Lock()
        super().__init__(type("Handler", (self.handler,), {"fake": self}))

    def then(self, *answers: Scripted) -> "ScriptedFake":
        """Serve ``answers`` to the next requests, in order, before the normal ones."""
        with self._lock:
            self.script.extend(answers)
        return self

    def record(self, seen: Seen) -> Scripted | None:
        """Keep ``seen``; the scripted answer it gets, if any is queued."""
        with self._lock:
            self.requests.append(seen)
            return self.script.pop(0) if self.script else None

    @abstractmethod
    def answer(self, seen: Seen) -> tuple[int, dict, bytes]:
        """The normal answer: status, headers and body."""

    def gaps(self) -> list[float]:
        """Seconds between consecutive requests' arrivals."""
        return [b.at - a.at for a, b in zip(self.requests, self.requests[1:], strict=False)]
