"""The write API: ``POST``/``PUT`` ``/data/<group>/<type>``, ``PATCH``/``DELETE`` one record,
the deprecated ``POST /<name>``, and ``DELETE /data-sets/<name>``.

Views only translate HTTP; validation lives in :mod:`.validation` and storage in
:mod:`.storage`. The processing order follows the original platform, because clients
see its messages: data set lookup (404), auth (401), body, content type, JSON, records.
"""

import hmac

from django.conf import settings
from django.utils import timezone

from . import responses, storage
from .auth import MESSAGES, NO_BODY, SINGLE_MESSAGE, presented_token, write_handler
from .models import DataSet
from .periods import PERIOD_KEYS
from .requestbody import BodyError
from .validation import finish_record, iso, validate_records

NOT_FOUND = "Could not find data_set_config"
DEPRECATION = (
    "Deprecation Warning: accessing by data-set name is deprecated, "
    "Please use the /data-group/data-type form"
)
DERIVED_KEYS = frozenset({"_updated_at", *PERIOD_KEYS})


def find_data_set(group: str, data_type: str) -> DataSet | None:
    """The data set for a group/type pair, or None."""
    return (
        DataSet.objects.filter(data_group__name=group, data_type__name=data_type)
        .select_related("data_group", "data_type")
        .first()
    )


def _as_items(parsed) -> list:
    if isinstance(parsed, dict):
        return [parsed]
    if isinstance(parsed, list):
        return parsed
    kind = type(parsed).__name__.replace("str", "string").replace("int", "number")
    kind = kind.replace("float", "number").replace("bool", "boolean")
    raise BodyError(
        responses.error(f"Expected a JSON object or a list of JSON objects, not a {kind}")
    )


@write_handler(MESSAGES)
def append(request, data_set: DataSet, *, token, body, deprecated: bool = False):
    """POST: validate a batch and store all of it, or none of it."""
    try:
        items = _as_items(body)
    except BodyError as exc:
        return exc.response
    limit = settings.WRITE_MAX_RECORDS
    if len(items) > limit:
        # Before any record is looked at: the work and memory of a write grow with it.
        return responses.error(
            f"Too many records: a request may hold at most {limit}, this one holds "
            f"{len(items)}. Send them in several requests",
            413,
            Cache_Control="no-cache",
        )
    not_objects = [str(i + 1) for i, item in enumerate(items) if not isinstance(item, dict)]
    if not_objects:
        shown = ", ".join(not_objects[:10]) + (", …" if len(not_objects) > 10 else "")
        return responses.messages([f"Every item must be a JSON object; these are not: {shown}"])
    now = timezone.now()
    # The parsed body is ours: normalise it in place, and finish each record only as
    # storage takes it, so a large batch is never held in three forms at once.
    records, errors = validate_records(
        items, schema=data_set.schema, auto_ids=data_set.auto_ids or None, copy=False
    )
    if errors:
        return responses.messages(errors)
    if records:
        now_iso = iso(now)
        prepared = (finish_record(r, now, now_iso=now_iso) for r in records)
        storage.store_records(data_set, prepared, now=now, token=token, source="api")
    return responses.ok(DEPRECATION if deprecated else None)


@write_handler(SINGLE_MESSAGE)
def empty(request, data_set: DataSet, *, token, body):
    """PUT with ``[]``: delete every record of the data set."""
    if body != []:
        return responses.error("Not implemented: you can only pass an empty JSON list")
    storage.empty_data_set(data_set, token=token)
    return responses.ok(f"{data_set.name} now contains 0 records")


def _no_record(record_id: str):
    shown = record_id if len(record_id) <= 200 else record_id[:200] + "…"
    return responses.error(f"No record found with id {shown}", 404)


@write_handler(NO_BODY)
def delete(request, data_set: DataSet, record_id: str, *, token):
    """DELETE one record by ``_id``."""
    if not storage.delete_record(data_set, record_id, token=token):
        return _no_record(record_id)
    return responses.ok()


@write_handler(SINGLE_MESSAGE)
def patch(request, data_set: DataSet, record_id: str, *, token, body):
    """PATCH: merge the body into the stored record, re-validate it, store it.

    The original replaced the whole record on PostgreSQL and skipped validation; here
    the fields sent replace those stored, the rest are kept, and the merged record must
    pass the same rules as a new one. ``auto_ids`` are not recomputed: the record keeps
    the ``_id`` in its URL.
    """
    parsed = body
    if not isinstance(parsed, dict):
        return responses.error("A PATCH body must be a JSON object of the fields to change")
    if "_id" in parsed and parsed["_id"] != record_id:
        return responses.error("A PATCH cannot change a record's _id")
    stored = storage.get_record(data_set, record_id)
    if stored is None:
        return _no_record(record_id)
    merged = {k: v for k, v in stored.items() if k not in DERIVED_KEYS}
    merged.update(parsed)
    merged["_id"] = record_id
    records, errors = validate_records([merged], schema=data_set.schema, auto_ids=None)
    if errors:
        return responses.messages(errors)
    now = timezone.now()
    storage.replace_record(data_set, finish_record(records[0], now), now=now, token=token)
    return responses.ok()


def delete_collection(request, name: str):
    """``DELETE /data-sets/<name>``: remove every record, with the platform admin token."""
    expected = settings.DATA_SET_ADMIN_TOKEN
    given = presented_token(request) or ""
    if not expected or not given or not hmac.compare_digest(given.encode(), expected.encode()):
        return responses.error(
            f'Unauthorized: invalid or no token given for "{name[:200]}".',
            401,
            WWW_Authenticate="bearer",
        )
    data_set = DataSet.objects.filter(name=name).first()
    if data_set is None:
        return responses.error(f'No collection exists with name "{name[:200]}"', 404)
    storage.empty_data_set(data_set, source="admin-api")
    return responses.ok(f"Deleted {name}")
