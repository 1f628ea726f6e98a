"""``POST /data/<group>/<type>/transform``: re-run a data set's transforms for a range."""

import gzip
import json
from datetime import UTC, datetime

import pytest
from django_tasks_db.models import DBTaskResult

from performance_platform.kpis.models import Transform

from .conftest import (
    TAKEUP,
    TX,
    by_start,
    day,
    drain,
    iso,
    make_transform,
    records,
    token_for,
    write,
)

pytestmark = pytest.mark.django_db

URL = f"/data/svc/{TX}/transform"
START_REQUIRED = "You must specify a _start_at timestamp"
BAD_START = "_start_at must be an ISO 8601 date or date-time"
BAD_END = "_end_at must be an ISO 8601 date or date-time"


@pytest.fixture
def setup(source):
    data_set = source()
    transform = make_transform("digital_takeup", TX, TAKEUP)
    return data_set, transform


def send(client, body, *, method="post", token="default", content_type="application/json", **extra):
    headers = {}
    if token == "default":
        token = token_for("svc", TX)
    if token is not None:
        headers["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    if not isinstance(body, bytes):
        body = json.dumps(body).encode()
    return client.generic(method.upper(), URL, body, content_type=content_type, **headers, **extra)


def assert_error(response, status, message=None):
    assert response.status_code == status, response.content
    payload = response.json()
    assert payload["status"] == "error"
    if message is not None:
        assert payload["message"] == message
    assert DBTaskResult.objects.count() == 0, "a refused request queued work"


def test_unknown_data_set_is_404(setup, client):
    response = client.post(
        f"/data/nobody/{TX}/transform",
        data=json.dumps({"_start_at": "2015-01-01"}),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token_for('svc', TX)}",
    )
    assert_error(response, 404, "Could not find data_set_config")


def test_token_is_required(setup, client):
    body = {"_start_at": "2015-01-01"}
    assert_error(send(client, body, token=None), 401)
    response = send(client, body, token="wrong-token-0123456789")
    assert_error(response, 401)
    assert "Invalid bearer token" in response.json()["message"]
    # Another data set's token is not this one's.
    assert_error(send(client, body, token=token_for("svc", "other-type")), 401)


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"_end_at": "2015-01-31"},
        {"start_at": "2015-01-01"},
        [],
        [{"_start_at": "2015-01-01"}],
        "2015-01-01",
        "_start_at",
        5,
        1.5,
        True,
        None,
    ],
    ids=repr,
)
def test_start_is_required_and_body_must_be_an_object(setup, client, body):
    assert_error(send(client, body), 400, START_REQUIRED)


@pytest.mark.parametrize(
    "body, message",
    [
        ({"_start_at": "yesterday"}, BAD_START),
        ({"_start_at": ""}, BAD_START),
        ({"_start_at": None}, BAD_START),
        ({"_start_at": 1420070400}, BAD_START),
        ({"_start_at": ["2015-01-01"]}, BAD_START),
        ({"_start_at": {"date": "2015-01-01"}}, BAD_START),
        ({"_start_at": "2015-02-30"}, BAD_START),
        ({"_start_at": "2015"}, BAD_START),
        ({"_start_at": "0001-01-01T00:00:00+01:00"}, BAD_START),  # before year 1 in UTC
        ({"_start_at": "2015-01-01", "_end_at": "soon"}, BAD_END),
        ({"_start_at": "2015-01-01", "_end_at": 5}, BAD_END),
        ({"_start_at": "2015-01-01", "_end_at": "9999-12-31T23:00:00-05:00"}, BAD_END),
        (
            {"_start_at": "2015-02-01", "_end_at": "2015-01-01"},
            "_end_at must not be before _start_at",
        ),
    ],
    ids=repr,
)
def test_bad_dates_are_400(setup, client, body, message):
    assert_error(send(client, body), 400, message)


@pytest.mark.parametrize(
    "body, content_type",
    [
        (b"", "application/json"),
        (b"{", "application/json"),
        (b'{"_start_at": "2015-01-01"', "application/json"),
        (b'{"_start_at": "\xff\xfe"}', "application/json"),
        (b'{"_start_at": "2015-01-01\x00"}', "application/json"),
        (json.dumps({"_start_at": "2015-01-01\u0000"}).encode(), "application/json"),
        (json.dumps({"_start_at": "2015-01-01" + "9" * 200_000}).encode(), "application/json"),
        (json.dumps({"_start_at": "x" * 1_000_000}).encode(), "application/json"),
        (
            json.dumps({"_start_at": "2015-01-01", "_end_at": "\u202e" * 1000}).encode(),
            "application/json",
        ),
        (b"[" * 100_000 + b"]" * 100_000, "application/json"),
        (json.dumps({"_start_at": "2015-01-01"}).encode(), "text/plain"),
        (json.dumps({"_start_at": "2015-01-01"}).encode(), "application/x-www-form-urlencoded"),
        (json.dumps({"_start_at": "2015-01-01"}).encode(), ""),
        (b"\x1f\x8b\x08\x00garbage", "application/json"),
    ],
    ids=lambda v: repr(v)[:40],
)
def test_hostile_bodies_are_refused_without_500(setup, client, body, content_type):
    response = client.generic(
        "POST",
        URL,
        body,
        content_type=content_type,
        HTTP_AUTHORIZATION=f"Bearer {token_for('svc', TX)}",
    )
    assert 400 <= response.status_code < 500, response.content[:300]
    assert response.json()["status"] == "error"
    assert DBTaskResult.objects.count() == 0


def test_gzip_body_is_accepted_and_content_encoding_checked(setup, client):
    _, transform = setup
    body = gzip.compress(json.dumps({"_start_at": "2015-01-01", "_end_at": "2015-01-31"}).encode())
    response = client.generic(
        "POST",
        URL,
        body,
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token_for('svc', TX)}",
        HTTP_CONTENT_ENCODING="gzip",
    )
    assert response.status_code == 200, response.content
    (task,) = DBTaskResult.objects.all()
    assert task.args_kwargs["args"][:4] == [
        transform.pk,
        task.args_kwargs["args"][1],
        "2015-01-01T00:00:00+00:00",
        "2015-01-31T00:00:00+00:00",
    ]
    # Garbage labelled gzip is a 400.
    response = client.generic(
        "POST",
        URL,
        b"not gzip",
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token_for('svc', TX)}",
        HTTP_CONTENT_ENCODING="gzip",
    )
    assert response.status_code == 400


def test_success_queues_the_range(setup, client):
    data_set, transform = setup
    response = send(client, {"_start_at": "2015-01-01T00:00:00Z", "_end_at": "2015-03-01"})
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "message": "queued 1 transform(s)"}
    assert response["Cache-Control"] == "no-cache"
    (task,) = DBTaskResult.objects.all()
    assert task.args_kwargs["args"] == [
        transform.pk,
        data_set.pk,
        "2015-01-01T00:00:00+00:00",
        "2015-03-01T00:00:00+00:00",
        0,
    ]


def test_offsets_are_converted_to_utc(setup, client):
    send(client, {"_start_at": "2015-01-01T02:00:00+02:00", "_end_at": "2015-01-02T00:00:00-01:00"})
    (task,) = DBTaskResult.objects.all()
    assert task.args_kwargs["args"][2:4] == [
        "2015-01-01T00:00:00+00:00",
        "2015-01-02T01:00:00+00:00",
    ]


@pytest.mark.parametrize(
    "body", [{"_start_at": "2015-01-01"}, {"_start_at": "2015-01-01", "_end_at": None}]
)
def test_end_defaults_to_now_without_microseconds(setup, client, body):
    before = datetime.now(UTC).replace(microsecond=0)
    assert send(client, body).status_code == 200
    after = datetime.now(UTC)
    (task,) = DBTaskResult.objects.all()
    end = datetime.fromisoformat(task.args_kwargs["args"][3])
    assert before <= end <= after
    assert end.microsecond == 0


def test_extreme_but_valid_range_is_queued_and_runs(setup, client):
    write(
        client,
        "svc",
        TX,
        [{"_timestamp": day("2015-01-05"), "channel": "digital", "count": 1}],
    )
    drain()
    response = send(client, {"_start_at": "0001-01-01", "_end_at": "9999-12-31T23:59:59Z"})
    assert response.status_code == 200
    assert drain() == 1
    assert Transform.objects.get().last_error == ""
    assert by_start("svc", TAKEUP)[iso("2015-01-05")]["rate"] == 1.0


def test_data_set_without_transforms_queues_nothing(source, client):
    source(data_type="lonely")
    response = client.post(
        "/data/svc/lonely/transform",
        data=json.dumps({"_start_at": "2015-01-01"}),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token_for('svc', 'lonely')}",
    )
    assert response.json() == {"status": "ok", "message": "queued 0 transform(s)"}
    assert DBTaskResult.objects.count() == 0


def test_other_methods_are_405(setup, client):
    for method in ("get", "put"):
        response = send(client, {"_start_at": "2015-01-01"}, method=method)
        assert response.status_code == 405
        assert "POST" in response["Allow"]


def test_a_record_whose_id_is_transform_can_be_patched_and_deleted(setup, client):
    write(
        client,
        "svc",
        TX,
        [{"_id": "transform", "_timestamp": day("2015-01-05"), "channel": "digital", "count": 1}],
    )
    drain()
    assert by_start("svc", TAKEUP)[iso("2015-01-05")]["numerator"] == 1
    response = send(client, {"count": 4}, method="patch")
    assert response.status_code == 200, response.content
    drain()
    (stored,) = records("svc", TX)
    assert stored["_id"] == "transform"
    assert stored["count"] == 4
    assert by_start("svc", TAKEUP)[iso("2015-01-05")]["numerator"] == 4
    response = send(client, b"", method="delete")
    assert response.status_code == 200, response.content
    assert records("svc", TX) == []
    drain()
    assert by_start("svc", TAKEUP) == {}
