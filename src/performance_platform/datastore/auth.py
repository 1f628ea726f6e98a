"""Bearer-token authentication for the write API, compatible with the original.

:func:`write_handler` is the one opening every write handler shares: authenticate the
data set's token, then read the body. A handler that is refused either way never runs.
"""

import functools
import logging

from django.http import HttpRequest

from . import requestbody, responses
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


#: What :func:`write_handler` does with the body: nothing, or parse it as JSON.
NO_BODY = "none"
SINGLE_MESSAGE = "single"
MESSAGES = "messages"


def write_handler(body: str = SINGLE_MESSAGE, *, null_allowed: bool = False):
    """Decorate ``handler(request, data_set, *args, token=..., body=...)``.

    The token is checked first (401 without a valid one), then, unless ``body`` is
    :data:`NO_BODY`, the JSON body is read with :func:`requestbody.json_body`, errors
    given in the :data:`SINGLE_MESSAGE` or :data:`MESSAGES` envelope. The handler gets
    the token's row as ``token`` and the parsed JSON as ``body``.
    """

    def decorate(handler):
        @functools.wraps(handler)
        def wrapper(request, data_set: DataSet, *args, **kwargs):
            token, refusal = authenticate(request, data_set)
            if refusal:
                return refusal
            if body != NO_BODY:
                try:
                    kwargs["body"] = requestbody.json_body(
                        request, single_message=body == SINGLE_MESSAGE, null_allowed=null_allowed
                    )
                except requestbody.BodyError as exc:
                    return exc.response
            return handler(request, data_set, *args, token=token, **kwargs)

        return wrapper

    return decorate
