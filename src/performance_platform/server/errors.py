"""Answers the server sends itself, before or instead of Django: the API's JSON envelope.

The data API promises ``{"status": "error", "message": ...}`` for every error. Some
requests never reach Django (a head too large or too slow, a body cut short), so the
server writes those answers here, with the envelope the API's own responses use.
"""

from http import HTTPStatus

from performance_platform.datastore.responses import error_body

# Nothing in these answers is cacheable, and nothing in them is meant to run or be framed.
_FIXED_HEADERS = (
    (b"content-type", b"application/json"),
    (b"cache-control", b"no-store"),
    (b"x-content-type-options", b"nosniff"),
    (b"content-security-policy", b"default-src 'none'; frame-ancestors 'none'"),
    (b"connection", b"close"),
)


def _reason(status: int) -> bytes:
    try:
        return HTTPStatus(status).phrase.encode("ascii")
    except ValueError:
        return b"Error"


def headers(body: bytes) -> list[tuple[bytes, bytes]]:
    """The headers of an error answer with ``body``; each one closes the connection."""
    return [*_FIXED_HEADERS, (b"content-length", str(len(body)).encode("ascii"))]


def raw_response(status: int, message: str, extra: list[tuple[bytes, bytes]] | tuple = ()) -> bytes:
    """A whole HTTP/1.1 response, as bytes for the socket (``extra``: e.g. ``Date``)."""
    body = error_body(message)
    lines = [b"HTTP/1.1 %d %s" % (status, _reason(status))]
    lines += [name + b": " + value for name, value in (*extra, *headers(body))]
    return b"\r\n".join(lines) + b"\r\n\r\n" + body


async def send_error(send, status: int, message: str) -> None:
    """Send an error answer through an ASGI ``send``."""
    body = error_body(message)
    await send({"type": "http.response.start", "status": status, "headers": headers(body)})
    await send({"type": "http.response.body", "body": body, "more_body": False})
