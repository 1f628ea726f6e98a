"""The example requests of the original write API documentation, replayed byte for byte.

``docs/api-write-api.rst`` of the original platform shows one POST and one PUT. Clients
were written from those examples, so they must work unchanged against a real server
process: the same request line, the same headers in the same order (including the
production ``Host``), the same token and the body exactly as the documentation indents it.
"""

from datetime import UTC, datetime

import pytest

from performance_platform.datastore.models import Record

from .conftest import DOC_TOKEN
from .rawhttp import exchange

pytestmark = [pytest.mark.server, pytest.mark.django_db(transaction=True)]

# The documented request heads, byte for byte (HTTP requires CRLF line ends; the
# documentation's code block shows them as plain lines). A real client must add two
# headers the documentation leaves out, and so do we, after the documented ones:
# Content-Length, because a body without it (or chunked encoding) cannot be delimited,
# and Connection: close, so the end of the server's response is the end of the stream.
POST_HEAD = (
    b"POST /data/carers-allowance/transaction-count HTTP/1.1\r\n"
    b"Host: www.performance.service.gov.uk\r\n"
    b"Authorization: Bearer abcdefghijklmnopqrstuvwxyz0123456789abcdefghijklmnopqrstuvwxyz01\r\n"
    b"Content-Type: application/json\r\n"
)
# The body exactly as the documentation indents it (two spaces per level, LF line ends).
POST_BODY = b"""[
  {
    "_id": "unique-identifier-1",
    "_timestamp": "2015-01-01T00:00:00Z",
    "count": 123
  },
  {
    "_id": "unique-identifier-2",
    "_timestamp": "2015-01-02T00:00:00Z",
    "count": 456
  }
]"""

PUT_HEAD = (
    b"PUT /data/carers-allowance/transaction-count HTTP/1.1\r\n"
    b"Host: www.performance.service.gov.uk\r\n"
    b"Authorization: Bearer abcdefghijklmnopqrstuvwxyz0123456789abcdefghijklmnopqrstuvwxyz01\r\n"
    b"Content-Type: application/json\r\n"
)
PUT_BODY = b"[]"


def as_sent(head: bytes, body: bytes) -> bytes:
    """The documented head, the two headers any real client adds, the blank line, the body."""
    return head + b"Content-Length: %d\r\n" % len(body) + b"Connection: close\r\n" + b"\r\n" + body


@pytest.fixture
def carers_allowance(make_data_set):
    data_set, token = make_data_set(
        group="carers-allowance", data_type="transaction-count", token=DOC_TOKEN
    )
    assert data_set.name == "carers_allowance_transaction_count"
    return data_set


def stored(data_set) -> dict[str, dict]:
    return {r.record_id: r for r in Record.objects.filter(data_set=data_set)}


def assert_documented_ok(response, payload):
    assert response.version == "HTTP/1.1"
    assert (response.status, response.reason) == (200, "OK"), response.body
    assert response.content_type == "application/json"
    assert response.json() == payload


def test_documented_post_then_put(live_server_process, carers_allowance):
    response = exchange(live_server_process.url, as_sent(POST_HEAD, POST_BODY))
    assert_documented_ok(response, {"status": "ok"})

    records = stored(carers_allowance)
    assert sorted(records) == ["unique-identifier-1", "unique-identifier-2"]
    first, second = records["unique-identifier-1"], records["unique-identifier-2"]
    assert first.timestamp == datetime(2015, 1, 1, tzinfo=UTC)
    assert second.timestamp == datetime(2015, 1, 2, tzinfo=UTC)
    assert first.data["count"] == 123
    assert second.data["count"] == 456
    assert first.data["_id"] == "unique-identifier-1"
    assert first.data["_timestamp"] == "2015-01-01T00:00:00+00:00"

    response = exchange(live_server_process.url, as_sent(PUT_HEAD, PUT_BODY))
    assert_documented_ok(
        response,
        {"message": "carers_allowance_transaction_count now contains 0 records", "status": "ok"},
    )
    assert stored(carers_allowance) == {}


def test_documented_post_replayed_overwrites_by_id(live_server_process, carers_allowance):
    """ "If a record with that identifier already exists, it will be overwritten"."""
    request = as_sent(POST_HEAD, POST_BODY)
    assert_documented_ok(exchange(live_server_process.url, request), {"status": "ok"})
    before = {k: r.updated_at for k, r in stored(carers_allowance).items()}
    assert_documented_ok(exchange(live_server_process.url, request), {"status": "ok"})
    after = stored(carers_allowance)
    assert sorted(after) == sorted(before) == ["unique-identifier-1", "unique-identifier-2"]
    assert all(after[k].updated_at > before[k] for k in before)
    assert [after[k].data["count"] for k in sorted(after)] == [123, 456]


def test_documented_put_on_an_empty_data_set(live_server_process, carers_allowance):
    response = exchange(live_server_process.url, as_sent(PUT_HEAD, PUT_BODY))
    assert_documented_ok(
        response,
        {"message": "carers_allowance_transaction_count now contains 0 records", "status": "ok"},
    )
    assert stored(carers_allowance) == {}


def test_documented_post_with_another_token_stores_nothing(live_server_process, make_data_set):
    """The same bytes against a data set with a different token are refused."""
    data_set, _ = make_data_set(
        group="carers-allowance", data_type="transaction-count", token="some-other-token-0123"
    )
    response = exchange(live_server_process.url, as_sent(POST_HEAD, POST_BODY))
    assert response.status == 401
    assert response.content_type == "application/json"
    assert response.headers.get("www-authenticate") == "bearer"
    assert response.json() == {
        "status": "error",
        "message": f"Unauthorized: Invalid bearer token '{DOC_TOKEN}' for '{data_set.name}'",
    }
    assert stored(data_set) == {}
