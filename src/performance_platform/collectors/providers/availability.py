"""Availability checks: is a service's start page up, and how fast does it answer?

Each run makes one HTTP GET of the collector's endpoint (the start page a service manager
or admin entered), with a short timeout (``AVAILABILITY_TIMEOUT``), no redirect to another
host, and at most :data:`MAX_BYTES` of the page read (and then thrown away). A page that
answers below 400, after any redirects within its own origin, is **up**. A 4xx or 5xx, a
timeout, a refused connection, a name that does not resolve or a redirect to another host
is a failed try; a check counts as **down** only if a second try, a moment later
(``AVAILABILITY_RETRY_DELAY``), fails too.

A page that is down is not a failed run: the run stores a record of the downtime, and the
collector stays working. Only a check that must not be made fails the run (an address on
a private network, unless ``AVAILABILITY_PRIVATE_ADDRESSES`` allows it).

Each record has the original Pingdom collector's fields, so the ``availability`` module
reads it as it read Pingdom's: ``uptime`` and ``downtime`` are the seconds the check stands
for (one scheduled interval, all up or all down), ``avgresponse`` the page's answer time in
milliseconds (only when up: a timeout is not a load time), and ``check`` the check's name;
then ``up``, ``status`` (the HTTP status, when there was an answer) and, when down,
``reason`` in words.
"""

import ipaddress
import socket
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings

from .. import http
from ..errors import CollectorError, ConfigProblem
from .base import Period, Provider, Row, Source

#: The most of a page a check reads; the rest is never downloaded.
MAX_BYTES = 256 * 1024


@dataclass(frozen=True)
class Try:
    """One request's outcome: up or not, the status (if any answer), time and why not."""

    up: bool
    status: int | None
    milliseconds: float
    reason: str = ""


def is_private(address: str) -> bool:
    """Whether an IP address is not on the public internet (loopback, private, link-local,
    reserved...), IPv4 inside IPv6 included."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return not ip.is_global or ip.is_multicast


def literal_address_problem(url: str) -> str | None:
    """Why ``url`` may not be checked, judged from the address alone (no DNS lookup): an
    IP address or ``localhost`` that is not on the public internet. ``None`` if fine, or
    if private addresses are allowed."""
    if settings.AVAILABILITY_PRIVATE_ADDRESSES:
        return None
    host = (urlsplit(url).hostname or "").lower().rstrip(".")
    if host == "localhost" or host.endswith(".localhost"):
        return "Enter a public web address: this one is on this computer."
    try:
        private = is_private(host)
    except ValueError:
        return None  # a name, not an address: looked up when the check is made
    return "Enter a public web address: this one is on a private network." if private else None


def _resolve(url: str) -> list[str]:
    parts = urlsplit(url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    infos = socket.getaddrinfo(parts.hostname, port, type=socket.SOCK_STREAM)
    return [info[4][0] for info in infos]


class Availability(Provider):
    """An HTTP check of one page, every 5 minutes unless the collector says otherwise."""

    key = "availability"
    title = "Availability check"
    backfills = False
    periodic = False
    record_shape = "check"
    default_every = 300
    query_schema = {
        "type": "object",
        "properties": {"check": {"type": "string", "minLength": 1, "maxLength": 200}},
        "additionalProperties": False,
    }
    credentials_schema = {"type": "object", "additionalProperties": False}

    def fetch(self, source: Source, period: Period | None) -> list[Row]:
        """One check of the page (two tries if the first fails), as one row at ``now``."""
        outcome = self.attempt(source)
        tries = 1
        if not outcome.up:
            # One failure may be a blip (a dropped connection, a deploy): look again.
            time.sleep(settings.AVAILABILITY_RETRY_DELAY)
            outcome = self.attempt(source)
            tries = 2
        covered = round(source.interval or self.default_every)
        metrics: dict = {
            "uptime": covered if outcome.up else 0,
            "downtime": 0 if outcome.up else covered,
            "unmonitored": 0,
            "up": outcome.up,
            "tries": tries,
        }
        if outcome.status is not None:
            metrics["status"] = outcome.status
        if outcome.up:
            metrics["avgresponse"] = round(outcome.milliseconds, 1)
        else:
            metrics["reason"] = outcome.reason[:300]
        name = source.query.get("check") or urlsplit(source.endpoint).hostname or "check"
        return [Row(source.now, {"check": name}, metrics)]

    def attempt(self, source: Source) -> Try:
        """One request to the page. Raises :class:`ConfigProblem` for an address that must
        not be checked; every other failure is a :class:`Try` that is not up."""
        timeout = min(source.timeout, settings.AVAILABILITY_TIMEOUT)
        if not settings.AVAILABILITY_PRIVATE_ADDRESSES:
            problem = literal_address_problem(source.endpoint)
            if problem:
                raise ConfigProblem(problem)
            try:
                addresses = _resolve(source.endpoint)
            except (OSError, UnicodeError):
                return Try(False, None, 0.0, "The address's host name does not resolve.")
            if any(is_private(a) for a in addresses):
                raise ConfigProblem(
                    "The address leads to a private network, which checks may not call "
                    "(AVAILABILITY_PRIVATE_ADDRESSES)."
                )
        started = time.perf_counter()
        try:
            answer = http.call(
                source.endpoint,
                source.endpoint,
                headers={"User-Agent": "Performance Platform availability check"},
                timeout=timeout,
                max_bytes=MAX_BYTES,
                raise_for_status=False,
                truncate=True,
                total_timeout=timeout,
            )
        except CollectorError as exc:
            # A timeout, a refused connection, a redirect to another host, too many
            # redirects or an answer that cannot be decoded: no page for the user either.
            return Try(False, None, _since(started), exc.message)
        took = _since(started)
        if took > timeout * 1000:
            # Answered each read in time but not the whole page (a slow trickle, or many
            # redirects): too slow for the person waiting for it.
            slow = f"The page took longer than {timeout:g} seconds."
            return Try(False, answer.status, took, slow)
        if answer.status >= 400:
            return Try(False, answer.status, took, f"The page answered HTTP {answer.status}.")
        return Try(True, answer.status, took)


def _since(started: float) -> float:
    return (time.perf_counter() - started) * 1000
