"""HTTP routing for the data API: picks the handler by method; no logic of its own."""

from django.db import connection
from django.views.decorators.csrf import csrf_exempt

from . import openapi, read_api, responses, softcache, write_api
from .models import DataSet

METHOD_NOT_ALLOWED = "The method is not allowed for the requested URL."
NOT_FOUND = (
    "The requested URL was not found on the server.  "
    "If you entered the URL manually please check your spelling and try again."
)


def method_not_allowed(allowed: list[str]):
    return responses.error(
        METHOD_NOT_ALLOWED, 405, Allow=", ".join(allowed), Access_Control_Allow_Origin="*"
    )


@csrf_exempt
def status(request):
    """``GET /_status``: the app is up and can reach its database; how its cache is.

    Without the database nothing works: 503. Without the cache everything works, only
    slower (see :mod:`.softcache`), so the app is still up: 200, ``"cache": "unavailable"``,
    for monitoring to warn about rather than page anyone for.
    """
    if request.method not in ("GET", "HEAD"):
        return method_not_allowed(["GET", "HEAD"])
    cache_state = softcache.health()
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception:
        return responses.json_response(
            {"status": "error", "message": "database unavailable", "cache": cache_state},
            503,
            Cache_Control="no-cache",
            Access_Control_Allow_Origin="*",
        )
    message = "app is up" if cache_state == "ok" else "app is up, without its cache"
    return responses.json_response(
        {"status": "ok", "message": message, "cache": cache_state},
        200,
        Cache_Control="no-cache",
        Access_Control_Allow_Origin="*",
    )


READ_METHODS = ("GET", "HEAD", "OPTIONS")


def _read(request, found):
    if found is None:
        return read_api._with_cors(responses.error(read_api.NOT_FOUND, 404))
    if request.method == "OPTIONS":
        return read_api.options_response()
    return read_api.read(request, found)


@csrf_exempt
def data_sets_status(request):
    """``GET /_status/data-sets``: data sets older than their ``max_age_expected``."""
    if request.method not in ("GET", "HEAD"):
        return method_not_allowed(["GET", "HEAD"])
    return responses.json_response(
        read_api.freshness(),
        200,
        Cache_Control="no-cache",
        Access_Control_Allow_Origin="*",
    )


@csrf_exempt
def data_set(request, group: str, data_type: str):
    """``/data/<group>/<type>``: GET reads, POST appends, PUT empties."""
    if request.method in READ_METHODS:
        return _read(request, read_api.find_readable(group, data_type))
    if request.method not in ("POST", "PUT"):
        return method_not_allowed(["GET", "HEAD", "OPTIONS", "POST", "PUT"])
    found = write_api.find_data_set(group, data_type)
    if found is None:
        return responses.error(write_api.NOT_FOUND, 404)
    if request.method == "POST":
        return write_api.append(request, found)
    return write_api.empty(request, found)


@csrf_exempt
def record(request, group: str, data_type: str, record_id: str):
    """``/data/<group>/<type>/<id>``: PATCH merges into one record, DELETE removes it."""
    if request.method not in ("PATCH", "DELETE"):
        return method_not_allowed(["PATCH", "DELETE"])
    found = write_api.find_data_set(group, data_type)
    if found is None:
        return responses.error(write_api.NOT_FOUND, 404)
    if request.method == "PATCH":
        return write_api.patch(request, found, record_id)
    return write_api.delete(request, found, record_id)


@csrf_exempt
def legacy_data_set(request, name: str):
    """Legacy ``/<name>``: GET reads (with ETags), deprecated POST writes."""
    if request.method in READ_METHODS:
        return read_api.legacy_read(request, name)
    if request.method != "POST":
        return method_not_allowed(["GET", "HEAD", "OPTIONS", "POST"])
    found = DataSet.objects.filter(name=name.lower()).first()
    if found is None:
        return responses.error(write_api.NOT_FOUND, 404)
    return write_api.append(request, found, deprecated=True)


@csrf_exempt
def collection(request, name: str):
    """``DELETE /data-sets/<name>``: empty a data set with the platform admin token."""
    if request.method != "DELETE":
        return method_not_allowed(["DELETE"])
    return write_api.delete_collection(request, name)


@csrf_exempt
def openapi_document(request):
    """The OpenAPI 3.1 description of the data API."""
    if request.method not in ("GET", "HEAD"):
        return method_not_allowed(["GET", "HEAD"])
    return responses.json_response(openapi.document())


def not_found(request, exception=None):
    """Every unknown URL answers in the API's JSON envelope."""
    return responses.error(NOT_FOUND, 404, Access_Control_Allow_Origin="*")


def bad_request(request, exception=None):
    """A request Django refused before any view ran (e.g. a Host not in ALLOWED_HOSTS)."""
    return responses.error("Bad Request", 400)


def permission_denied(request, exception=None):
    return responses.error("Forbidden", 403)


def server_error(request):
    """Last resort: a JSON 500 that does not leak internals."""
    return responses.error("Internal Server Error", 500)
