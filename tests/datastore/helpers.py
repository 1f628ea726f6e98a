"""Request helpers shared by the write API tests."""

import json

from performance_platform.datastore.models import DataSet, Record, WriteAudit

URL = "/data/test-group/test-type"
NAME = "test_group_test_type"
TOKEN = "a-secret-token-0123456789"
CONTENT_TYPE_MESSAGE = "ValidationError('Expected header: Content-type: application/json',)"
TS = "2014-01-01T00:00:00Z"


def body_bytes(body) -> bytes:
    if isinstance(body, bytes):
        return body
    if isinstance(body, str):
        return body.encode("utf-8")
    return json.dumps(body).encode("utf-8")


def send(
    client,
    method,
    path=URL,
    body=b"",
    *,
    token=TOKEN,
    authorization=None,
    content_type="application/json",
    headers=None,
    **extra,
):
    """Send a write request. ``token=None`` sends no Authorization header at all."""
    all_headers = {}
    if authorization is not None:
        all_headers["Authorization"] = authorization
    elif token is not None:
        all_headers["Authorization"] = f"Bearer {token}"
    all_headers.update(headers or {})
    return client.generic(
        method, path, body_bytes(body), content_type=content_type, headers=all_headers, **extra
    )


def post(client, body, **kwargs):
    return send(client, "POST", body=body, **kwargs)


def stored(data_set) -> list[dict]:
    """The stored records of a data set, as the raw read API would show them."""
    return [r.data for r in Record.objects.filter(data_set=data_set).order_by("timestamp", "id")]


def snapshot(data_set) -> tuple:
    """What a refused request must leave untouched."""
    fresh = DataSet.objects.get(pk=data_set.pk)
    records = sorted(
        (r.record_id, json.dumps(r.data, sort_keys=True))
        for r in Record.objects.filter(data_set=data_set)
    )
    audit = WriteAudit.objects.filter(data_set=data_set).count()
    return fresh.version, fresh.last_written_at, tuple(records), audit
