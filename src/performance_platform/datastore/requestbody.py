"""Reading write-API request bodies safely: size caps, gzip, content type and JSON.

Each function raises :class:`BodyError` carrying the exact response to send, so the
view stays a straight line and nothing is stored when a body is refused.
"""

import json
import math
import re
import zlib

import orjson
from django.conf import settings
from django.http import HttpRequest, HttpResponse

from . import responses

CONTENT_TYPE_MESSAGE = "ValidationError('Expected header: Content-type: application/json',)"
#: A body whose framing broke (bad chunks, the client went away); the server says it too.
UNREADABLE_BODY = "The request body could not be read: it is incomplete or malformed"
_READ_CHUNK = 64 * 1024
_INFLATE_CHUNK = 64 * 1024


class BodyError(Exception):
    """A request body we refuse; ``response`` says why."""

    def __init__(self, response: HttpResponse):
        super().__init__(response.status_code)
        self.response = response


def too_large_message(limit: int, what: str = "the request body") -> str:
    """The 413 message; the HTTP server uses it too, when it refuses a body before Django."""
    return f"Request body too large: {what} is limited to {limit} bytes"


def _too_large(limit: int, what: str) -> BodyError:
    return BodyError(responses.error(too_large_message(limit, what), 413, Cache_Control="no-cache"))


def read_raw(request: HttpRequest) -> bytes:
    """Read the body as sent, refusing anything over ``WRITE_MAX_BODY_BYTES`` with 413."""
    limit = settings.WRITE_MAX_BODY_BYTES
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        raise BodyError(responses.error("Content-Length must be a whole number of bytes"))
    if declared > limit:
        raise _too_large(limit, "the request body")
    chunks, total = [], 0
    stream = _body_stream(request, declared)
    while True:
        try:
            chunk = stream.read(_READ_CHUNK)
        except Exception:  # the server's reader: client went away, malformed chunks, ...
            raise BodyError(responses.error(UNREADABLE_BODY))
        if not chunk:
            break
        total += len(chunk)
        if total > limit:
            raise _too_large(limit, "the request body")
        chunks.append(chunk)
    if total < declared:
        # The client closed its side early: the message is incomplete (RFC 9112 §8), so
        # it must not be processed even if the part received happens to be valid JSON.
        raise BodyError(responses.error(short_body_message(total, declared)))
    return b"".join(chunks)


def short_body_message(received: int, declared: int) -> str:
    """Why a body that ended before its Content-Length is refused (here and by the server)."""
    return (
        f"The request body is shorter than its Content-Length "
        f"({received} of {declared} bytes arrived)"
    )


def _body_stream(request: HttpRequest, declared: int):
    """Where to read the body from.

    Under ASGI (``serve``) the server has read the whole body already, chunked or not,
    and the request reads from it. Under WSGI, Django reads a request without
    Content-Length as having no body, which would turn a chunked upload into "zero
    bytes"; when the WSGI server has decoded the chunks and marks the end of the input
    (``wsgi.input_terminated``, as gunicorn does), read it directly. The size cap above
    applies while reading either way.
    """
    meta = request.META
    if (
        not declared
        and "chunked" in meta.get("HTTP_TRANSFER_ENCODING", "").lower()
        and meta.get("wsgi.input_terminated")
        and "wsgi.input" in meta
    ):
        return meta["wsgi.input"]
    return request


def _gunzip(data: bytes) -> bytes:
    """Decompress one or more gzip members, stopping at ``WRITE_MAX_GZIP_BYTES`` (413)."""
    limit = settings.WRITE_MAX_GZIP_BYTES
    out, total = [], 0
    remaining = data
    while remaining:
        inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
        buf = remaining
        try:
            while buf:
                piece = inflater.decompress(buf, _INFLATE_CHUNK)
                total += len(piece)
                if total > limit:
                    raise _too_large(limit, "the decompressed request body")
                out.append(piece)
                if inflater.eof:
                    # Past the end of a member zlib keeps the leftover input in
                    # unconsumed_tail too; feeding it again would loop for ever.
                    break
                buf = inflater.unconsumed_tail
            if not inflater.eof:
                raise BodyError(responses.error("The gzip request body is truncated"))
        except zlib.error:
            raise BodyError(
                responses.error("The request body is labelled gzip but is not valid gzip data")
            )
        remaining = inflater.unused_data
    return b"".join(out)


def decoded_body(request: HttpRequest) -> bytes:
    """The body after the size cap and any gzip decoding."""
    raw = read_raw(request)
    encoding = request.META.get("HTTP_CONTENT_ENCODING", "").strip().lower()
    if "gzip" in encoding:
        return _gunzip(raw) if raw else raw
    if encoding not in ("", "identity"):
        raise BodyError(
            responses.error(
                f"Content-Encoding {encoding[:40]!r} is not supported: send gzip or no encoding",
                415,
            )
        )
    return raw


def is_json_content_type(request: HttpRequest) -> bool:
    """True when the media type is exactly application/json (parameters allowed)."""
    media = request.META.get("CONTENT_TYPE", "").split(";", 1)[0].strip().lower()
    return media == "application/json"


# orjson reads a whole number below -2**63 or from 2**64 up as a float, silently:
# 10**30 + 1 arrives as 1e30. The shortest such number has 19 digits (-2**63 - 1), so a
# body without 19 digits in a row cannot hold one, and most bodies skip the second look.
# Looked for by mapping every digit to "0" and everything else to " " (C speed: a regex
# takes longer than orjson's whole parse), then finding 19 zeros in a row.
_DIGITS_ONLY = bytes(48 if 48 <= byte <= 57 else 32 for byte in range(256))
_NINETEEN = b"0" * 19


def _has_long_digits(body: bytes) -> bool:
    return _NINETEEN in body.translate(_DIGITS_ONLY)


# Python refuses to turn more than 4,300 digits into an int; far beyond any range we can
# store, so such a number stands in as this (still refused, by name, in validation).
_MAX_DIGITS = 4000
_HUGE = 10**_MAX_DIGITS


def _exact_int(text: str) -> int:
    if len(text) > _MAX_DIGITS:
        return -_HUGE if text.startswith("-") else _HUGE
    return int(text)


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError("number is infinity when parsed as double")
    return value


def _no_constant(name: str):
    raise ValueError(f"{name} is not valid JSON")


def _exact_loads(body: bytes):
    """The standard library's reading of ``body``: slower, but every whole number exact.

    Decoded as UTF-8 first, so that, like orjson, it reads no other encoding.
    """
    return json.loads(
        body.decode("utf-8"),
        parse_int=_exact_int,
        parse_float=_finite_float,
        parse_constant=_no_constant,
    )


# A \uD800-\uDFFF escape: orjson refuses a lone one, the standard library does not.
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89abcdefABCDEF]")


def parse_json(body: bytes):
    """Parse JSON (UTF-8, a leading byte-order mark tolerated) or raise BodyError.

    Whole numbers come back exact whatever their size (see ``_has_long_digits``), so that
    validation can refuse those it cannot store instead of storing a rounded float.
    """
    if body.startswith(b"\xef\xbb\xbf"):
        body = body[3:]
    long_digits = _has_long_digits(body)
    try:
        parsed = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        # "number is infinity" may be a whole number of hundreds of digits, which the
        # exact reading keeps (and validation then refuses by name). orjson stopped at
        # that number, so the exact reading must not let through what orjson would have
        # refused further on: other encodings (it reads only UTF-8), NaN and infinite
        # floats (refused by its hooks), and surrogate escapes (not tried at all).
        if long_digits and "infinity" in str(exc) and not _SURROGATE_ESCAPE.search(body):
            try:
                return _exact_loads(body)
            except (ValueError, RecursionError):
                pass
        raise BodyError(responses.error(f'Error parsing JSON: "{exc}"'))
    if long_digits:
        del parsed  # not both readings in memory at once
        try:
            parsed = _exact_loads(body)
        except RecursionError:
            # orjson reads 1,024 levels, the standard library somewhat fewer; no record
            # nests at all, so refusing such a body loses nothing.
            raise BodyError(responses.error('Error parsing JSON: "the JSON is nested too deeply"'))
    return parsed


def zero_bytes() -> BodyError:
    """The refusal of an empty body."""
    return BodyError(responses.error("Expected JSON request body but received zero bytes."))


def json_body(request: HttpRequest, *, single_message: bool = True, null_allowed: bool = False):
    """Read, decode and parse a JSON body, refusing it as the original platform did.

    The order of refusals is the original's, because clients see its messages: no bytes,
    then the content type, then the JSON. ``single_message`` picks the error envelope
    (``{"message"}``; a batch write uses ``{"messages": [...]}``). JSON ``null`` is
    refused like a wrong content type (as the original did) unless ``null_allowed``.
    """

    def refusal() -> BodyError:
        if single_message:
            return BodyError(responses.error(CONTENT_TYPE_MESSAGE))
        return BodyError(responses.messages([CONTENT_TYPE_MESSAGE]))

    body = decoded_body(request)
    if not body:
        raise zero_bytes()
    if not is_json_content_type(request):
        raise refusal()
    parsed = parse_json(body)
    if parsed is None and not null_allowed:
        raise refusal()
    return parsed
