"""JSON responses in the original platform's envelopes.

Two shapes exist and clients rely on both: ``{"status": "error", "message": ...}`` for
request-level errors and ``{"messages": [...]}`` for record validation failures.
"""

import orjson
from django.http import HttpResponse

JSON = "application/json"


def json_bytes(payload) -> bytes:
    """``payload`` as the API writes JSON: sorted keys (as the original's ``jsonify`` did)."""
    return orjson.dumps(payload, option=orjson.OPT_SORT_KEYS | orjson.OPT_INDENT_2)


def error_body(message: str) -> bytes:
    """The bytes of ``{"status": "error", "message": ...}``, for answers sent outside Django.

    The HTTP server (``performance_platform.server``) refuses some requests before Django
    sees them; it answers in the same envelope as :func:`error`, built here.
    """
    return json_bytes({"status": "error", "message": message})


def json_response(payload, status: int = 200, **headers) -> HttpResponse:
    """Serialise ``payload`` with sorted keys (as the original's ``jsonify`` did)."""
    body = json_bytes(payload)
    response = HttpResponse(body, status=status, content_type=JSON)
    for name, value in headers.items():
        response[name.replace("_", "-")] = value
    return response


def error(message: str, status: int = 400, *, parameter: str | None = None, **headers):
    """``{"status": "error", "message": ...}``, naming the parameter to blame if there is one."""
    payload = {"status": "error", "message": message}
    if parameter is not None:
        payload["parameter"] = parameter
    return json_response(payload, status, **headers)


def messages(items, status: int = 400) -> HttpResponse:
    """``{"messages": [...]}``: record validation failures, never cached."""
    return json_response({"messages": items}, status, Cache_Control="no-cache")


def ok(message: str | None = None) -> HttpResponse:
    """``{"status": "ok"}`` with an optional message, never cached."""
    payload = {"status": "ok"}
    if message is not None:
        payload["message"] = message
    return json_response(payload, 200, Cache_Control="no-cache")
