"""The ASGI layer between the server and Django: body deadline, body cap, JSON 500.

Django's ASGI handler reads the whole request body before any view runs, awaiting each
piece on the event loop, so a slow body costs a socket and no thread. Without a limit it
would wait for ever, and store as much as a client sends; so every piece it asks for
passes through here:

* the body must be complete within ``SERVE_BODY_TIMEOUT`` seconds of the head (408);
* no body larger than ``WRITE_MAX_BODY_BYTES`` (the largest any route accepts) is read.
  One whose Content-Length is over it is not read at all: Django gets the request with
  an empty body, so the view still checks what it checks first (that the data set exists,
  then the token) and then refuses the declared length with its own 413, as the API
  documents; the connection is closed after the answer. A chunked body is refused with a
  413 as soon as it grows past the limit;
* if the application fails before it starts a response, the client gets a JSON 500
  rather than uvicorn's plain text.

Each of the guard's own answers closes the connection: the rest of the body is not read.
"""

import asyncio
import logging

from django.conf import settings

from performance_platform.datastore.requestbody import too_large_message

from . import errors
from .config import ServerSettings, seconds

log = logging.getLogger(__name__)


class Refused(Exception):
    """Raised out of ``receive`` to stop Django reading a body; the guard answers."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status
        self.message = message


def _declared_length(scope) -> int | None:
    for name, value in scope["headers"]:
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:  # the parser refuses these; nothing to decide here
                return None
    return None


class _Exchange:
    """One request as the guard sees it: the body so far and the response's start."""

    def __init__(
        self, receive, send, *, deadline: float, cap: int, timeout: float, skip_body: bool
    ):
        self._receive = receive
        self._send = send
        self.deadline = deadline
        self.cap = cap
        self.timeout = timeout
        self.skip_body = skip_body  # declared over the cap: never read it
        self.received = 0
        self.body_done = False
        self.client_gone = False
        self.response_started = False

    async def receive(self):
        if self.body_done:  # Django listening for a disconnect while its view runs
            if self.skip_body:
                # What arrives now is the body nobody reads, not a disconnect: wait until
                # Django stops listening (it cancels this once its response is sent).
                await asyncio.get_running_loop().create_future()
            return await self._receive()
        if self.skip_body:
            self.body_done = True
            return {"type": "http.request", "body": b"", "more_body": False}
        remaining = self.deadline - asyncio.get_running_loop().time()
        try:
            if remaining <= 0:
                raise TimeoutError
            async with asyncio.timeout(remaining):
                message = await self._receive()
        except TimeoutError:
            raise Refused(
                408, f"The request body did not arrive within {seconds(self.timeout)} seconds"
            )
        if message["type"] == "http.request":
            self.received += len(message.get("body", b""))
            if self.received > self.cap:
                raise Refused(413, too_large_message(self.cap))
            if not message.get("more_body", False):
                self.body_done = True
        elif message["type"] == "http.disconnect":
            self.client_gone = True
        return message

    async def send(self, message):
        if message["type"] == "http.response.start":
            self.response_started = True
            if self.skip_body:
                # The unread body is still on its way: this connection cannot carry
                # another request.
                headers = [(n, v) for n, v in message.get("headers", []) if n != b"connection"]
                message = {**message, "headers": [*headers, (b"connection", b"close")]}
        await self._send(message)


class Guard:
    """Wraps an ASGI application (Django's) with the limits above."""

    def __init__(self, app, server_settings: ServerSettings | None = None):
        self.app = app
        self.settings = server_settings or ServerSettings.from_environ()

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        cap = settings.WRITE_MAX_BODY_BYTES
        declared = _declared_length(scope)
        timeout = self.settings.body_timeout
        exchange = _Exchange(
            receive,
            send,
            deadline=asyncio.get_running_loop().time() + timeout,
            cap=cap,
            timeout=timeout,
            skip_body=declared is not None and declared > cap,
        )
        try:
            await self.app(scope, exchange.receive, exchange.send)
        except Refused as refused:
            if not exchange.response_started:
                await errors.send_error(send, refused.status, refused.message)
            return
        except Exception:
            log.exception("the application failed on %s %s", scope["method"], scope["path"])
            if exchange.response_started:
                raise  # uvicorn closes the connection: the response cannot be mended
            await errors.send_error(send, 500, "Internal Server Error")
            return
        if not exchange.response_started and not exchange.client_gone:
            log.error("the application answered nothing to %s %s", scope["method"], scope["path"])
            await errors.send_error(send, 500, "Internal Server Error")
