"""The server's own settings, read from ``SERVE_*`` environment variables.

They are read before Django starts (the supervising process never loads it), so they
live here rather than in ``settings.py``. docs/configuration.md describes each one.
"""

import os
from collections.abc import Mapping
from dataclasses import dataclass

#: (field, environment variable, default in seconds) of each timeout.
_TIMEOUTS = (
    ("header_timeout", "SERVE_HEADER_TIMEOUT", 10.0),
    ("body_timeout", "SERVE_BODY_TIMEOUT", 60.0),
    ("keepalive_timeout", "SERVE_KEEPALIVE_TIMEOUT", 5.0),
    ("graceful_timeout", "SERVE_GRACEFUL_TIMEOUT", 10.0),
)
_SMALLEST, _LARGEST = 0.1, 3600.0


def seconds(value: float) -> str:
    """A number of seconds as people write it: ``3``, ``2.5``."""
    return f"{value:g}"


@dataclass(frozen=True)
class ServerSettings:
    """How long the server waits for clients, in seconds."""

    #: From the connection opening (or the previous response) to the end of a request head.
    header_timeout: float = 10.0
    #: From the end of the head to the end of the body.
    body_timeout: float = 60.0
    #: How long an idle kept-alive connection stays open.
    keepalive_timeout: float = 5.0
    #: On shutdown, how long requests under way may take to finish.
    graceful_timeout: float = 10.0

    @classmethod
    def from_environ(cls, environ: Mapping[str, str] | None = None) -> "ServerSettings":
        """Read the ``SERVE_*`` variables; ValueError names the first bad one."""
        environ = os.environ if environ is None else environ
        values = {}
        for field, name, default in _TIMEOUTS:
            raw = environ.get(name, "").strip()
            if not raw:
                values[field] = default
                continue
            try:
                number = float(raw)
            except ValueError:
                number = float("nan")
            if not _SMALLEST <= number <= _LARGEST:  # NaN fails this too
                raise ValueError(
                    f"{name} must be a number of seconds from {seconds(_SMALLEST)} to "
                    f"{seconds(_LARGEST)}, not {raw[:40]!r}"
                )
            values[field] = number
        return cls(**values)
