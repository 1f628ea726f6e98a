"""Property tests for the write API: whatever arrives, the answer is a JSON envelope
(never a 5xx), and a refused request stores nothing.

Each test uses one data set for all of its examples; ``snapshot`` (records, version,
last write time and audit rows) is compared around every request, so state left by
earlier examples does not matter.
"""

import base64
import gzip
import json

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from performance_platform.datastore.models import Record

from .helpers import TOKEN, URL, snapshot

pytestmark = pytest.mark.django_db

SETTINGS = settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
)
AUTO_IDS_AND_SCHEMA = {
    "auto_ids": ["_timestamp", "key"],
    "schema": {
        "type": "object",
        "required": ["_timestamp"],
        "properties": {
            "_timestamp": {"type": "string", "format": "date-time"},
            "count": {"type": "integer"},
        },
    },
}

# --- strategies -------------------------------------------------------------------------------

scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20)
)
json_values = st.recursive(
    scalars,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=15,
)
timestamps = st.one_of(
    st.datetimes().map(lambda d: d.isoformat()),
    st.datetimes().map(lambda d: d.isoformat() + "Z"),
    st.sampled_from(
        [
            "2014-01-01T00:00:00Z",
            "2014-01-01T12:30:00+02:00",
            "2014-01-05",
            "12/01/2013",
            "2013-02-30T00:00:00Z",
            "0001-01-01T00:00:00+01:00",
            "9999-12-31T23:59:59-12:00",
            "",
            "invalid",
            "1357000000",
        ]
    ),
    scalars,
)
keys = st.sampled_from(
    [
        "_timestamp",
        "_start_at",
        "_end_at",
        "_id",
        "_updated_at",
        "key",
        "count",
        "a",
        "FooBar",
        "foo\n",
        "café",
        "",
    ]
) | st.text(max_size=12)
record_values = st.one_of(scalars, timestamps, json_values)
records = st.fixed_dictionaries(
    {"_timestamp": timestamps},
    optional={
        "_id": st.text(max_size=10) | scalars,
        "key": st.text(max_size=5),
        "count": scalars,
        "_start_at": timestamps,
        "_end_at": timestamps,
    },
).flatmap(
    lambda base: st.dictionaries(keys, record_values, max_size=3).map(
        lambda extra: {**extra, **base}
    )
)
bodies = st.one_of(json_values, records, st.lists(records, max_size=5))


def encode(value, ascii_only: bool) -> bytes:
    return json.dumps(value, ensure_ascii=ascii_only).encode("utf-8", "surrogatepass")


# --- the invariants ---------------------------------------------------------------------------


def check_envelope(response) -> dict:
    """No 5xx, and a JSON body in one of the two envelopes."""
    assert response.status_code < 500, response.content
    assert response["Content-Type"] == "application/json"
    body = json.loads(response.content)
    assert isinstance(body, dict), body
    if "messages" in body:
        assert set(body) == {"messages"}
        assert response.status_code == 400
        assert response["Cache-Control"] == "no-cache"
        assert body["messages"]
        assert all(isinstance(m, str) and m for m in body["messages"])
    else:
        assert set(body) <= {"status", "message"}, body
        assert body["status"] == ("ok" if response.status_code == 200 else "error")
        if body["status"] == "error":
            assert isinstance(body["message"], str) and body["message"]
    return body


def check_request(data_set, do_request):
    """Send a request; refused ones must leave everything as it was."""
    before = snapshot(data_set)
    response = do_request()
    event(f"status {response.status_code}")
    check_envelope(response)
    if response.status_code != 200:
        assert snapshot(data_set) == before
    return response


def auth():
    return {"Authorization": f"Bearer {TOKEN}"}


# --- properties -------------------------------------------------------------------------------


@pytest.fixture(params=["plain", "auto_ids_and_schema"])
def data_set(request, make_data_set):
    settings_ = AUTO_IDS_AND_SCHEMA if request.param == "auto_ids_and_schema" else {}
    ds, _ = make_data_set(**settings_)
    return ds


@SETTINGS
@given(body=bodies, ascii_only=st.booleans())
def test_arbitrary_json_bodies(client, data_set, body, ascii_only):
    before = snapshot(data_set)
    response = check_request(
        data_set,
        lambda: client.post(
            URL, encode(body, ascii_only), content_type="application/json", headers=auth()
        ),
    )
    if response.status_code == 200:
        items = body if isinstance(body, list) else [body]
        version_before = before[0]
        data_set.refresh_from_db()
        # Something was written exactly when the batch was not empty.
        assert data_set.version == version_before + (1 if items else 0)


@SETTINGS
@given(
    body=st.binary(max_size=300), content_type=st.sampled_from(["application/json", "text/plain"])
)
def test_arbitrary_byte_bodies(client, data_set, body, content_type):
    check_request(
        data_set,
        lambda: client.generic("POST", URL, body, content_type=content_type, headers=auth()),
    )


@SETTINGS
@given(body=bodies)
def test_arbitrary_put_bodies(client, data_set, body):
    response = check_request(
        data_set,
        lambda: client.put(
            URL, encode(body, True), content_type="application/json", headers=auth()
        ),
    )
    assert (response.status_code == 200) == (body == [])


header_text = st.text(
    alphabet=st.characters(min_codepoint=32, max_codepoint=255, blacklist_characters="\x7f"),
    max_size=30,
)
VALID_TYPE = st.just("application/json")
content_types = st.one_of(
    VALID_TYPE,
    VALID_TYPE,
    VALID_TYPE,
    st.sampled_from(
        [
            "application/json; charset=utf-8",
            "APPLICATION/JSON;charset=latin-1",
            "text/plain",
            "application/x-www-form-urlencoded",
            "multipart/form-data; boundary=x",
            "",
            ";",
        ]
    ),
    header_text,
)
COMMON_ENCODINGS = st.sampled_from(["", "gzip", "x-gzip"])
encodings = st.one_of(
    COMMON_ENCODINGS,
    COMMON_ENCODINGS,
    COMMON_ENCODINGS,
    st.sampled_from(["identity", "br", "deflate", "GZIP, br", "gzip;q=1"]),
    header_text,
)
VALID_AUTH = st.just(f"Bearer {TOKEN}")
# one_of picks its branches about equally often: repeat the valid ones to weight them.
authorizations = st.one_of(
    VALID_AUTH,
    VALID_AUTH,
    VALID_AUTH,
    VALID_AUTH,
    st.sampled_from(
        [None, "Bearer", "Bearer ", f"bearer {TOKEN}", "Basic abc", f"Bearer {TOKEN} "]
    ),
    header_text.map(lambda t: f"Bearer {t}"),
    header_text,
)
# Mostly the write routes with their own methods, sometimes a wrong one.
WRITE_ROUTES = st.sampled_from(
    [
        ("POST", URL),
        ("PUT", URL),
        ("PATCH", URL + "/r1"),
        ("DELETE", URL + "/r1"),
        ("POST", "/test_group_test_type"),
    ]
)
routes = st.one_of(
    WRITE_ROUTES,
    WRITE_ROUTES,
    WRITE_ROUTES,
    st.tuples(
        st.sampled_from(["POST", "PUT", "PATCH", "DELETE"]),
        st.sampled_from([URL, URL + "/nope", "/test_group_test_type", "/data/no/such"]),
    ),
)


@SETTINGS
@given(
    route=routes,
    body=bodies,
    gzipped=st.booleans(),
    content_type=content_types,
    encoding=encodings,
    authorization=authorizations,
    extra=st.dictionaries(
        st.sampled_from(["X-Requested-With", "Accept", "Transfer-Encoding", "Origin"]),
        header_text,
        max_size=2,
    ),
)
def test_random_header_combinations(
    client, data_set, route, body, gzipped, content_type, encoding, authorization, extra
):
    method, path = route
    raw = encode(body, True)
    if gzipped:
        raw = gzip.compress(raw)
    headers = dict(extra)
    if encoding:
        headers["Content-Encoding"] = encoding
    if authorization is not None:
        headers["Authorization"] = authorization
    check_request(
        data_set,
        lambda: client.generic(method, path, raw, content_type=content_type, headers=headers),
    )


def corrupt(data: bytes, how: str, at: int) -> bytes:
    if not data:
        return data
    at %= len(data)
    if how == "flip":
        return data[:at] + bytes([data[at] ^ 0xFF]) + data[at + 1 :]
    if how == "truncate":
        return data[:at]
    if how == "garbage":
        return data + b"\x00garbage"
    if how == "split":
        return gzip.compress(gzip.decompress(data)[:at]) + gzip.compress(gzip.decompress(data)[at:])
    return data


@SETTINGS
@given(
    payload=st.one_of(bodies.map(lambda b: encode(b, False)), st.binary(max_size=200)),
    how=st.sampled_from(["none", "flip", "truncate", "garbage", "split"]),
    at=st.integers(min_value=0, max_value=10_000),
    encoding=st.sampled_from(["gzip", "x-gzip"]),
)
def test_arbitrary_gzip_payloads(client, data_set, payload, how, at, encoding):
    body = corrupt(gzip.compress(payload), how, at)
    response = check_request(
        data_set,
        lambda: client.post(
            URL,
            body,
            content_type="application/json",
            headers={**auth(), "Content-Encoding": encoding},
        ),
    )
    if how == "none" and payload == b"[]":
        assert response.status_code == 200


SEED = {"_timestamp": "2014-01-01T00:00:00Z", "key": "k", "_id": "r1"}


@SETTINGS
@given(patch=json_values | records)
def test_arbitrary_patch_bodies(client, data_set, patch):
    # (Re)write the record to patch; with auto ids its _id comes from _timestamp and key.
    first = client.post(URL, encode([SEED], True), content_type="application/json", headers=auth())
    assert first.status_code == 200
    record_id = base64.b64encode(b"2014-01-01T00:00:00Z.k").decode() if data_set.auto_ids else "r1"
    assert Record.objects.filter(data_set=data_set, record_id=record_id).exists()
    check_request(
        data_set,
        lambda: client.patch(
            f"{URL}/{record_id}",
            encode(patch, True),
            content_type="application/json",
            headers=auth(),
        ),
    )
