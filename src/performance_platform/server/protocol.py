"""uvicorn's httptools protocol, with deadlines and limits for request heads.

uvicorn parses requests with httptools (llhttp), which already refuses what a request
smuggler sends: bare LF line ends, obsolete line folding, Content-Length beside
Transfer-Encoding, two different Content-Lengths. This subclass adds what a server facing
the public needs and uvicorn does not do:

* **A head deadline** (``SERVE_HEADER_TIMEOUT``): a request head must be complete within
  that many seconds of the connection opening, or of the previous response. A client
  that sent part of a head gets a 408; an idle one is simply closed.
* **Head limits**: a request target over 4,094 bytes gets 414; a header line over 8,190
  bytes, more than 100 headers or a head over 64 KiB gets 431 (gunicorn's limits, which
  clients of the platform already met).
* **The API's JSON envelope** for every refusal the server makes itself (a head it cannot
  parse, a chunked body that breaks), instead of uvicorn's plain text.
* **Half-closed connections**: a client that sends a whole request and then shuts its
  sending side still gets its response (uvicorn would close at once); one that stops in
  the middle of the body gets a 400 saying how much of it arrived.

The deadline for request bodies is kept in :mod:`.guard`, where the body is read.
uvicorn passes this class to each connection (``Config(http=...)``, a documented
setting); the methods overridden here are those of ``HttpToolsProtocol``, so a uvicorn
upgrade must keep ``tests/server`` green (pyproject.toml bounds its version).
"""

from __future__ import annotations

import asyncio
import logging

import httptools
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from performance_platform.datastore.requestbody import UNREADABLE_BODY, short_body_message

from . import errors
from .config import ServerSettings, seconds

log = logging.getLogger(__name__)

MAX_REQUEST_TARGET = 4094
MAX_HEADER_LINE = 8190
MAX_HEADERS = 100
MAX_HEAD_BYTES = 64 * 1024

# Where a connection is in its current request.
IDLE = "idle"  # no byte of the next request yet
HEAD = "head"  # reading a request head
BODY = "body"  # head complete, reading the body
ANSWERING = "answering"  # request complete, the response is under way


class Refusal(Exception):
    """A request the server answers itself, with ``status`` and ``message``."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status
        self.message = message


class GuardedHttpToolsProtocol(HttpToolsProtocol):
    """One HTTP/1.1 connection: uvicorn's, plus the deadlines and limits above."""

    settings = ServerSettings.from_environ()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._phase = IDLE
        self._head_timer: asyncio.TimerHandle | None = None
        self._messages = 0  # requests begun on this connection; tells a new head apart
        self._head_bytes = 0
        self._parsed_bytes = 0
        self._target_bytes = 0
        self._header_count = 0
        self._declared_length: int | None = None
        self._body_bytes = 0
        self._peer_done = False  # the client shut its sending side

    # --- connection ----------------------------------------------------------------

    def connection_made(self, transport):
        super().connection_made(transport)
        self._arm_head_timer()

    def connection_lost(self, exc):
        self._cancel_head_timer()
        super().connection_lost(exc)

    def eof_received(self):
        """The client shut its sending side: answer what it asked, or say what is missing."""
        self._peer_done = True
        if self._phase == ANSWERING:
            return True  # keep the socket open for the response; closed when it is sent
        if self._phase == BODY:
            self._refuse(400, self._incomplete_body_message())
        return False  # idle or part of a head: nothing to answer, close

    def data_received(self, data: bytes) -> None:
        self._unset_keepalive_if_required()
        phase, messages = self._phase, self._messages
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserUpgrade:
            # No protocol upgrades (WebSocket) are served: the request is answered as an
            # ordinary one, as uvicorn does.
            self._unsupported_upgrade_warning()
        except httptools.HttpParserError as exc:
            self._refuse_unparsable(exc)
            return
        # Count the bytes of a head that is still incomplete after this chunk, so a client
        # cannot make httptools buffer an endless header line.
        if self._phase == HEAD:
            same_head = phase == HEAD and self._messages == messages
            self._head_bytes = (self._head_bytes if same_head else 0) + len(data)
            if self._head_bytes > MAX_HEAD_BYTES:
                self._refuse(431, f"The request head is longer than {MAX_HEAD_BYTES} bytes")

    # --- parser callbacks ------------------------------------------------------------

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._phase = HEAD
        self._messages += 1
        # _head_bytes: bytes received while the head is incomplete (what httptools holds);
        # _parsed_bytes: the size of the head parsed so far, for a head that came whole.
        self._head_bytes = self._parsed_bytes = self._target_bytes = self._header_count = 0
        self._declared_length = None
        self._body_bytes = 0

    def on_url(self, url: bytes) -> None:
        super().on_url(url)
        self._target_bytes += len(url)
        self._parsed_bytes += len(url)
        if self._target_bytes > MAX_REQUEST_TARGET:
            raise Refusal(414, f"The request target is longer than {MAX_REQUEST_TARGET} bytes")

    def on_header(self, name: bytes, value: bytes) -> None:
        self._header_count += 1
        if self._header_count > MAX_HEADERS:
            raise Refusal(431, f"The request has more than {MAX_HEADERS} headers")
        if len(name) + len(value) + 2 > MAX_HEADER_LINE:
            raise Refusal(431, f"A request header is longer than {MAX_HEADER_LINE} bytes")
        self._parsed_bytes += len(name) + len(value) + 4  # ": " and CRLF
        if self._parsed_bytes > MAX_HEAD_BYTES:
            raise Refusal(431, f"The request head is longer than {MAX_HEAD_BYTES} bytes")
        if name.lower() == b"content-length":
            # llhttp has checked it is a number, and that no other one differs.
            self._declared_length = int(value)
        super().on_header(name, value)

    def on_headers_complete(self) -> None:
        self._cancel_head_timer()
        self._phase = BODY
        super().on_headers_complete()

    def on_body(self, body: bytes) -> None:
        self._body_bytes += len(body)
        super().on_body(body)

    def on_message_complete(self) -> None:
        self._phase = ANSWERING
        super().on_message_complete()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if self.transport.is_closing():
            return
        if self._peer_done:
            self.transport.close()  # the client sends nothing more: nothing to wait for
            return
        if self._phase == ANSWERING:
            self._phase = IDLE
        if self._phase in (IDLE, HEAD):  # a pipelined head may already be on its way
            self._arm_head_timer()

    # --- timers ----------------------------------------------------------------------

    def _arm_head_timer(self) -> None:
        self._cancel_head_timer()
        self._head_timer = self.loop.call_later(self.settings.header_timeout, self._head_timed_out)

    def _cancel_head_timer(self) -> None:
        if self._head_timer is not None:
            self._head_timer.cancel()
            self._head_timer = None

    def _head_timed_out(self) -> None:
        self._head_timer = None
        if self.transport.is_closing() or self._phase not in (IDLE, HEAD):
            return
        if self._phase == IDLE:
            self.transport.close()  # nothing asked: just an idle connection
            return
        timeout = seconds(self.settings.header_timeout)
        self._refuse(408, f"The request headers did not arrive within {timeout} seconds")

    # --- refusals --------------------------------------------------------------------

    def _incomplete_body_message(self) -> str:
        if self._declared_length is not None:
            return short_body_message(self._body_bytes, self._declared_length)
        return UNREADABLE_BODY

    def _refuse_unparsable(self, exc: httptools.HttpParserError) -> None:
        if isinstance(exc.__context__, Refusal):
            refusal = exc.__context__
            self._refuse(refusal.status, refusal.message)
        elif self._phase == BODY:
            self._refuse(400, UNREADABLE_BODY)
        else:
            reason = str(exc).rstrip(".")[:100] or "malformed"
            self._refuse(400, f"The request could not be read: {reason}")

    def _refuse(self, status: int, message: str) -> None:
        """Answer ``status`` in the JSON envelope (if nothing is answered yet) and close."""
        self._cancel_head_timer()
        if self.transport.is_closing():
            return
        if self.pipeline:
            # Requests are queued behind the one being answered (HTTP pipelining, which
            # browsers never use): there is no clean way to answer this one in order.
            self.transport.close()
            return
        cycle = self.cycle
        if cycle is not None and not cycle.response_complete and self._phase in (IDLE, HEAD):
            # The refusal is about the next request, sent while the previous one is still
            # being answered: let that answer finish, then close, rather than mix the two.
            cycle.keep_alive = False
            self.flow.pause_reading()
            return
        if cycle is not None and self._phase in (BODY, ANSWERING):
            if cycle.response_started:
                self.transport.close()  # it has its answer (or part of it) already
                return
            # The application is waiting for the rest of the body: it is told the client
            # is gone, so it answers nothing of its own.
            cycle.disconnected = True
            cycle.message_event.set()
        log.info("%s refused with %d: %s", self._client_text(), status, message)
        self.transport.write(
            errors.raw_response(status, message, self.server_state.default_headers)
        )
        self.transport.close()

    def _client_text(self) -> str:
        return f"{self.client[0]}:{self.client[1]}" if self.client else "client"
