"""``POST /data/<group>/<type>/transform``: re-run a data set's transforms for a range."""

from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt

from performance_platform.datastore import responses, write_api
from performance_platform.datastore import views as data_views
from performance_platform.datastore.auth import SINGLE_MESSAGE, write_handler

from . import dispatch
from .reading import parse_range_value

START_REQUIRED = "You must specify a _start_at timestamp"


@csrf_exempt
def transform(request, group: str, data_type: str):
    """Queue the transforms of a data set for ``_start_at``..``_end_at`` (default: now).

    As the original, but the data set's bearer token is required: the original let
    anyone queue work. A record whose ``_id`` is "transform" can still be patched or
    deleted here.
    """
    if request.method in ("PATCH", "DELETE"):
        return data_views.record(request, group, data_type, "transform")
    if request.method != "POST":
        return data_views.method_not_allowed(["POST", "PATCH", "DELETE"])
    data_set = write_api.find_data_set(group, data_type)
    if data_set is None:
        return responses.error(write_api.NOT_FOUND, 404)
    return _queue(request, data_set)


# JSON ``null`` is "not an object" here (so "You must specify a _start_at timestamp"),
# not the content-type error the write API gives it.
@write_handler(SINGLE_MESSAGE, null_allowed=True)
def _queue(request, data_set, *, token, body):
    """Queue the data set's transforms for the body's range (its token already checked)."""
    if not isinstance(body, dict) or "_start_at" not in body:
        return responses.error(START_REQUIRED)
    start = _when(body.get("_start_at"))
    if start is None:
        return responses.error("_start_at must be an ISO 8601 date or date-time")
    end = timezone.now().replace(microsecond=0)
    if body.get("_end_at") is not None:
        end = _when(body.get("_end_at"))
        if end is None:
            return responses.error("_end_at must be an ISO 8601 date or date-time")
    if end < start:
        return responses.error("_end_at must not be before _start_at")
    queued = dispatch.queue_for(data_set, start, end)
    return responses.ok(f"queued {len(queued)} transform(s)")


def _when(value):
    return parse_range_value(value) if isinstance(value, str) else None
