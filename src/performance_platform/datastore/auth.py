"""Bearer-token authentication for the write API, compatible with the original."""

import logging

from django.http import HttpRequest

from . import responses
from .models import DataSet, WriteToken, hash_token

log = logging.getLogger(__name__)
_PREFIX = "Bearer "


def presented_token(request: HttpRequest) -> str | None:
    """The token after the exact ``Bearer `` prefix, or None (as the original parsed it)."""
    header = request.META.get("HTTP_AUTHORIZATION")
    if header is None:
        return None
    if not header.startswith(_PREFIX):
        return None
    return header[len(_PREFIX) :] or None


def authenticate(request: HttpRequest, data_set: DataSet):
    """Return ``(token_row, None)`` when allowed, else ``(None, 401 response)``.

    The lookup is by the token's SHA-256, so the secret itself is never compared
    character by character; the final check uses a constant-time comparison.
    """
    if "HTTP_AUTHORIZATION" not in request.META:
        log.warning("bad auth: no Authorization header for %s", data_set.name)
        return None, responses.error(
            "Expected header of form: Authorization: Bearer <token>",
            401,
            WWW_Authenticate="bearer",
        )
    token = presented_token(request)
    row = None
    if token is not None:
        row = (
            WriteToken.objects.active()
            .filter(data_set=data_set, token_hash=hash_token(token))
            .first()
        )
    if row is None or not row.matches(token):
        log.warning("bad auth: invalid bearer token for %s", data_set.name)
        shown = token if token is None or len(token) <= 100 else token[:100] + "…"
        return None, responses.error(
            f"Unauthorized: Invalid bearer token '{shown}' for '{data_set.name}'",
            401,
            WWW_Authenticate="bearer",
        )
    return row, None
