"""What the tests' fake outside services share: a real HTTP server on a free local port, in
a thread, and a request handler that answers JSON and keeps the test output quiet.

A fake (of an identity provider, of GOV.UK Notify) subclasses :class:`FakeServer` and gives
it a handler class made from :class:`JSONHandler`.
"""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class JSONHandler(BaseHTTPRequestHandler):
    """A handler that answers JSON and logs nothing (the server's log is not the test's)."""

    def log_message(self, format, *args) -> None:
        """Drop the per-request log line ``BaseHTTPRequestHandler`` writes to stderr."""
        return None

    def _json(self, status: int, body: dict) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


class FakeServer:
    """A threaded HTTP server on 127.0.0.1 and a free port, serving ``handler``."""

    def __init__(self, handler: type[BaseHTTPRequestHandler]):
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self):
        self.thread.start()
        return self

    def stop(self) -> None:
        if self.server.socket.fileno() == -1:
            return  # stopped already
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)
