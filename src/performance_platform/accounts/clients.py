"""Who is asking: the client's address, for lock-out and the audit trail.

``REMOTE_ADDR`` is the address that opened the connection. Behind a reverse proxy that is
the proxy, so every client would share one lock-out count; then the operator sets
``TRUST_X_FORWARDED_FOR`` and the address the proxy appended to ``X-Forwarded-For`` (the
last one: anything before it came from the client and may be made up) is used instead.
"""

import ipaddress

from django.conf import settings


def _valid(address: str) -> str | None:
    try:
        return str(ipaddress.ip_address(address.strip()))
    except ValueError:
        return None


def client_ip(request) -> str | None:
    """The client's IP address, or None when there is no valid one (never raises)."""
    if request is None:
        return None
    meta = getattr(request, "META", {})
    if getattr(settings, "TRUST_X_FORWARDED_FOR", False):
        forwarded = meta.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded:
            last = _valid(forwarded.split(",")[-1])
            if last:
                return last
    return _valid(meta.get("REMOTE_ADDR", "") or "")


def lockout_username(request, credentials: dict | None) -> str | None:
    """The email address a sign-in tried, as django-axes counts it: lower-cased, so that
    changing its case does not start a fresh count."""
    value = (credentials or {}).get("username")
    if value is None and request is not None:
        value = getattr(request, "POST", {}).get("username")
    if not isinstance(value, str):
        return None
    return value.strip().lower()[:254] or None
