"""Calling a provider over HTTP, safely: only its configured address, with a timeout, a
cap on the response (decompressed), and no redirect to another host.

Every failure becomes one of the errors in :mod:`.errors`, so the runner decides what to
do from the kind alone: retry (:class:`Retryable`), stop and mark the collector broken
(:class:`AuthFailed`) or fail the run (:class:`CollectorError`, :class:`Malformed`).
"""

import email.utils
import json
import time
from dataclasses import dataclass
from datetime import UTC
from urllib.parse import urljoin, urlsplit

import httpx

from .errors import AuthFailed, CollectorError, ConfigProblem, Malformed, Retryable

#: Redirects followed within the endpoint's own host (http to https is another origin).
MAX_REDIRECTS = 3


@dataclass(frozen=True)
class Answer:
    """A provider's answer: status, headers and the body (at most the size limit)."""

    status: int
    headers: httpx.Headers
    body: bytes
    url: str

    def json(self):
        """The body as JSON, or :class:`Malformed` saying it is not."""
        try:
            return json.loads(self.body)
        except (ValueError, UnicodeDecodeError):
            raise Malformed(f"The answer from {_where(self.url)} is not JSON.")


def _where(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}{parts.path}"


def origin(url: str) -> tuple[str, str, int | None]:
    """The scheme, host and port a URL points at (two URLs of one origin share these)."""
    parts = urlsplit(url)
    port = parts.port or {"http": 80, "https": 443}.get(parts.scheme)
    return (parts.scheme, (parts.hostname or "").lower(), port)


def check_endpoint(endpoint: str) -> None:
    """Refuse an endpoint that is not an http(s) URL with a host."""
    parts = urlsplit(endpoint)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigProblem(f"The endpoint {endpoint!r} is not an http or https address.")
    if parts.username or parts.password:
        raise ConfigProblem("Put credentials in the collector's credentials, not its address.")


def retry_after(value: str | None, *, now: float | None = None) -> float | None:
    """Seconds from a ``Retry-After`` header (seconds or an HTTP date), or ``None``."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    now = time.time() if now is None else now
    return max(0.0, when.timestamp() - now)


def provider_message(body: bytes) -> str:
    """The provider's own words about a failure, short and on one line."""
    text = body[:4000].decode("utf-8", "replace")
    try:
        data = json.loads(text)
    except ValueError:
        data = None
    if isinstance(data, list) and data and isinstance(data[0], dict):
        data = data[0]
    if isinstance(data, dict):
        error = data.get("error")
        if isinstance(error, dict) and isinstance(error.get("message"), str):
            text = error["message"]
        elif isinstance(data.get("message"), str):
            text = data["message"]
        elif isinstance(error, str):
            text = error
    return " ".join(text.split())[:300]


def classify(status: int, headers, body: bytes, url: str) -> None:
    """Raise the error a non-2xx status means; return for a 2xx."""
    if 200 <= status < 300:
        return
    said = provider_message(body)
    said = f": {said}" if said else ""
    where = _where(url)
    if status in (401, 403):
        raise AuthFailed(f"{where} refused the credentials (HTTP {status}){said}")
    if status == 429 or status == 408 or status >= 500:
        raise Retryable(
            f"{where} answered HTTP {status}{said}",
            retry_after=retry_after(headers.get("retry-after")),
        )
    raise CollectorError(f"{where} answered HTTP {status}{said}")


def call(
    endpoint: str,
    url: str,
    *,
    method: str = "GET",
    params: dict | None = None,
    data: dict | None = None,
    headers: dict | None = None,
    timeout: float,
    max_bytes: int,
    raise_for_status: bool = True,
    truncate: bool = False,
    total_timeout: float | None = None,
) -> Answer:
    """One request to ``url``, which must be on ``endpoint``'s origin; the answer read.

    A redirect is followed only within that origin, at most :data:`MAX_REDIRECTS` times.
    The body is read as it streams and refused past ``max_bytes`` (counted after any
    gzip is undone, so a small bomb cannot fill memory). With ``truncate`` it is cut at
    ``max_bytes`` instead, for a caller that only needs to know the page answers (an
    availability check). With ``raise_for_status=False`` any final status is returned,
    not raised: the caller judges it. ``timeout`` bounds each wait; ``total_timeout``, if
    given, bounds the whole call, so a page that trickles its bytes cannot hold it.
    """
    check_endpoint(endpoint)
    allowed = origin(endpoint)
    deadline = None if total_timeout is None else time.monotonic() + total_timeout
    with httpx.Client(timeout=timeout, follow_redirects=False, trust_env=False) as client:
        for _hop in range(MAX_REDIRECTS + 1):
            if origin(url) != allowed:
                raise CollectorError(
                    f"Refused to call {_where(url)}: a collector only calls its endpoint "
                    f"{_where(endpoint)}."
                )
            try:
                with client.stream(
                    method, url, params=params, data=data, headers=headers
                ) as response:
                    if response.is_redirect:
                        location = response.headers.get("location", "")
                        url = urljoin(str(response.url), location)
                        params = None  # the Location carries its own query
                        if method == "POST" and response.status_code in (301, 302, 303):
                            method, data = "GET", None
                        continue
                    body = _read(response, max_bytes, truncate=truncate, deadline=deadline)
            except httpx.TimeoutException:
                raise Retryable(f"{_where(url)} did not answer within {timeout:g} seconds.")
            except httpx.TransportError as exc:
                raise Retryable(f"Could not reach {_where(url)} ({type(exc).__name__}).")
            if raise_for_status:
                classify(response.status_code, response.headers, body, str(response.url))
            return Answer(response.status_code, response.headers, body, str(response.url))
    raise CollectorError(f"{_where(url)} redirected more than {MAX_REDIRECTS} times.")


def _read(
    response: httpx.Response, max_bytes: int, *, truncate: bool = False, deadline=None
) -> bytes:
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > max_bytes and not truncate:
        raise Malformed(_too_big(response, max_bytes))
    chunks, size = [], 0
    try:
        for chunk in response.iter_bytes():
            if deadline is not None and time.monotonic() > deadline:
                raise Retryable(f"{_where(str(response.url))} did not finish answering in time.")
            size += len(chunk)
            if size > max_bytes:
                if truncate:
                    # Enough read: closing the stream drops the rest unread.
                    chunks.append(chunk[: max_bytes - (size - len(chunk))])
                    break
                raise Malformed(_too_big(response, max_bytes))
            chunks.append(chunk)
    except httpx.DecodingError:
        raise Malformed(f"The answer from {_where(str(response.url))} could not be decoded.")
    return b"".join(chunks)


def _too_big(response: httpx.Response, max_bytes: int) -> str:
    return (
        f"The answer from {_where(str(response.url))} is larger than "
        f"{max_bytes:,} bytes (COLLECTOR_MAX_BYTES)."
    )
