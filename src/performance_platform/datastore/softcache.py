"""The cache, used so that it can only make the platform faster, never break it.

Every answer the platform caches (read API responses, rendered pages) can be worked out
again, so a cache that is down, slow or full must cost time, not requests. Each function
here catches whatever the cache backend raises (Redis refusing or dropping connections,
timing out, refusing an entry too large for it), logs it, and carries on as if the entry
were missing. The Redis connection's own timeouts (``REDIS_TIMEOUT_SECONDS`` in
settings.py) bound how long one attempt can take.

After a failure the process leaves the cache alone for ``CACHE_RETRY_SECONDS``, so
while Redis is down only one request in that time, per process, waits for it; the rest
go straight to the database. :func:`health` always asks the cache itself (``/_status``
reports it), and a healthy answer ends the pause at once.

Entries larger than ``CACHE_MAX_ENTRY_BYTES`` are never stored: one huge answer must
not evict hundreds of small ones, or exceed what Redis accepts in one value.
"""

import logging
import os
import threading
import time

from django.conf import settings
from django.core.cache import cache

log = logging.getLogger(__name__)
_PROBE_KEY = "_status:cache-probe"
_lock = threading.Lock()
_resting_until = 0.0  # time.monotonic() before which the cache is not tried


def _resting() -> bool:
    return time.monotonic() < _resting_until


def _failed(action: str, exc: Exception) -> None:
    global _resting_until
    with _lock:
        was_resting = _resting()
        _resting_until = time.monotonic() + settings.CACHE_RETRY_SECONDS
    if not was_resting:
        # Once per outage, not once per request: while resting nothing is tried.
        log.warning(
            "cache unavailable (%s failed: %s: %s); answers are worked out without it "
            "for the next %s seconds",
            action,
            type(exc).__name__,
            exc,
            settings.CACHE_RETRY_SECONDS,
        )


def _recovered() -> None:
    global _resting_until
    with _lock:
        if _resting_until:
            log.warning("cache available again")
        _resting_until = 0.0


def size_of(value) -> int:
    """The bytes ``value`` takes (bytes, text, or a tuple or list of them); others 0."""
    if isinstance(value, bytes | bytearray | memoryview):
        return len(value)
    if isinstance(value, str):
        # ASCII text is one byte a character; str.isascii() reads a flag, no scan.
        return len(value) if value.isascii() else len(value.encode("utf-8", "surrogatepass"))
    if isinstance(value, tuple | list):
        return sum(size_of(item) for item in value)
    return 0


def get(key: str):
    """The cached value, or None when it is missing or the cache cannot be reached."""
    if _resting():
        return None
    try:
        return cache.get(key)
    except Exception as exc:  # any backend failure: the answer is worked out instead
        _failed("get", exc)
        return None


def put(key: str, value, timeout: int) -> bool:
    """Keep ``value`` for ``timeout`` seconds unless it is too large; True when kept."""
    if size_of(value) > settings.CACHE_MAX_ENTRY_BYTES or _resting():
        return False
    try:
        cache.set(key, value, timeout)
    except Exception as exc:  # the response is already worked out: send it anyway
        _failed("set", exc)
        return False
    return True


def health() -> str:
    """``"ok"`` when the cache answers a write and a read now, else ``"unavailable"``."""
    # A key of this process and thread, so concurrent checks cannot overwrite each other.
    key = f"{_PROBE_KEY}:{os.getpid()}:{threading.get_ident()}"
    token = str(time.monotonic())
    try:
        cache.set(key, token, 30)
        ok = cache.get(key) == token
    except Exception as exc:
        _failed("health check", exc)
        return "unavailable"
    if ok:
        _recovered()
        return "ok"
    return "unavailable"
