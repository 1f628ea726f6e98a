"""A deliberately small HTTP/1.1 client over a raw socket.

``requests`` normalises what it sends (it refuses CR/LF in headers, always sets
Content-Length, ...). These tests need to send exactly the bytes they mean, including
malformed ones, and to see exactly what comes back.
"""

import contextlib
import json
import socket
import time
from dataclasses import dataclass, field
from urllib.parse import urlsplit


@dataclass
class RawResponse:
    status: int
    reason: str
    version: str
    headers: dict[str, str] = field(default_factory=dict)  # names lower-cased
    body: bytes = b""

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "")

    def json(self):
        return json.loads(self.body)


def _dechunk(data: bytes) -> bytes:
    out = []
    while True:
        size_line, _, data = data.partition(b"\r\n")
        size = int(size_line.split(b";", 1)[0], 16)
        if size == 0:
            return b"".join(out)
        out.append(data[:size])
        data = data[size + 2 :]


def parse_response(raw: bytes) -> RawResponse:
    head, sep, body = raw.partition(b"\r\n\r\n")
    assert sep, f"no complete response head in {raw[:300]!r}"
    lines = head.decode("latin-1").split("\r\n")
    version, status, reason = (lines[0].split(" ", 2) + [""])[:3]
    headers: dict[str, str] = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        name = name.strip().lower()
        headers[name] = f"{headers[name]}, {value.strip()}" if name in headers else value.strip()
    if "chunked" in headers.get("transfer-encoding", "").lower():
        body = _dechunk(body)
    elif "content-length" in headers:
        length = int(headers["content-length"])
        assert len(body) >= length, f"response body cut short: {len(body)} of {length} bytes"
        body = body[:length]
    return RawResponse(int(status), reason, version, headers, body)


def exchange(
    url: str, data: bytes, *, half_close: bool = False, timeout: float = 30
) -> RawResponse:
    """Send ``data`` as is to the server at ``url`` and read the response until it closes.

    The requests built by the tests say ``Connection: close``, so the server's end of
    the stream marks the end of the response. ``half_close`` shuts down our sending side
    after ``data`` (an early end of the request body, as a crashed client would cause).
    A server may answer (413) before reading everything: a failed send is then not an
    error, as long as a response arrives.
    """
    parts = urlsplit(url)
    with socket.create_connection((parts.hostname, parts.port), timeout=timeout) as sock:
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            sock.sendall(data)
            if half_close:
                sock.shutdown(socket.SHUT_WR)
        received = []
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                chunk = sock.recv(65536)
            except ConnectionResetError:
                break
            if not chunk:
                break
            received.append(chunk)
    return parse_response(b"".join(received))


def request_bytes(
    method: str,
    path: str,
    *,
    headers: list[tuple[str, str]] | list[tuple[bytes, bytes]],
    body: bytes = b"",
    content_length: bool = True,
) -> bytes:
    """Build a request: request line, the headers in order, Content-Length, the body."""
    lines = [f"{method} {path} HTTP/1.1".encode()]
    for name, value in headers:
        name = name.encode("latin-1") if isinstance(name, str) else name
        value = value.encode("latin-1") if isinstance(value, str) else value
        lines.append(name + b": " + value)
    if content_length:
        lines.append(b"Content-Length: %d" % len(body))
    return b"\r\n".join(lines) + b"\r\n\r\n" + body
