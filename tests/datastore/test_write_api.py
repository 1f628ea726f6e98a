"""The write API: every rule and message of the reference's sections 2.3 to 2.7.

Requests go through the Django test client against the real views, validation and
storage; assertions check exact status codes, JSON bodies and headers, and what was
(or was not) stored.
"""

import base64
import gzip
import json
from datetime import UTC, datetime, timedelta

import pytest
from django.test import RequestFactory, override_settings
from django.utils import timezone

from performance_platform.datastore import views
from performance_platform.datastore.models import DataSet, Record, WriteAudit, WriteToken

from .helpers import (
    CONTENT_TYPE_MESSAGE,
    NAME,
    TOKEN,
    TS,
    URL,
    post,
    send,
    snapshot,
    stored,
)

pytestmark = pytest.mark.django_db

NOT_FOUND_URL = (
    "The requested URL was not found on the server.  "
    "If you entered the URL manually please check your spelling and try again."
)
METHOD_NOT_ALLOWED = "The method is not allowed for the requested URL."
DEPRECATION = (
    "Deprecation Warning: accessing by data-set name is deprecated, "
    "Please use the /data-group/data-type form"
)
BAD_FORMAT = "the _timestamp must be a date in the format yyyy-MM-ddT00:00:00Z"
NOT_DATETIME = "_timestamp is not a valid datetime object"
MISSING_TS = "_timestamp is required: every record needs the date it refers to"
STAGECRAFT_SCHEMA = {
    "description": "Schema for foo/foo",
    "definitions": {
        "_timestamp": {
            "$schema": "http://json-schema.org/schema#",
            "title": "Timestamps",
            "type": "object",
            "required": ["_timestamp"],
            "properties": {
                "_timestamp": {
                    "type": "string",
                    "format": "date-time",
                    "description": "An ISO8601 formatted date time",
                }
            },
        }
    },
    "allOf": [{"$ref": "#/definitions/_timestamp"}],
}


def b64(text: str) -> str:
    return base64.b64encode(text.encode("utf-8")).decode("ascii")


def assert_error(response, status, message, *, cache=False):
    """``{"status": "error", "message": ...}`` with the given status."""
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"status": "error", "message": message}
    if cache:
        assert response["Cache-Control"] == "no-cache"


def assert_messages(response, messages):
    """Record validation failures: 400 ``{"messages": [...]}`` and no caching."""
    assert response.status_code == 400, response.content
    assert response["Content-Type"] == "application/json"
    assert response["Cache-Control"] == "no-cache"
    assert json.loads(response.content) == {"messages": messages}


def assert_ok(response, message=None):
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "application/json"
    assert response["Cache-Control"] == "no-cache"
    expected = {"status": "ok"}
    if message is not None:
        expected["message"] = message
    assert response.json() == expected


def rec(**fields):
    """A valid record with a timestamp, plus ``fields``."""
    return {"_timestamp": TS, **fields}


def only_record(data_set) -> dict:
    records = stored(data_set)
    assert len(records) == 1, records
    return records[0]


# --- status, routing, 404 and 405 ---------------------------------------------------------


def test_status(client):
    response = client.get("/_status")
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-cache"
    assert response.json() == {"status": "ok", "message": "app is up", "cache": "ok"}


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE", "PATCH"])
def test_status_other_methods_are_405(client, method):
    response = client.generic(method, "/_status")
    assert_error(response, 405, METHOD_NOT_ALLOWED)
    assert response["Allow"] == "GET, HEAD"


@pytest.mark.parametrize(
    "method,path,allow",
    [
        ("DELETE", URL, {"POST", "PUT"}),
        ("PATCH", URL, {"POST", "PUT"}),
        ("GET", URL + "/some-id", {"PATCH", "DELETE"}),
        ("POST", URL + "/some-id", {"PATCH", "DELETE"}),
        ("PUT", URL + "/some-id", {"PATCH", "DELETE"}),
        ("GET", "/data-sets/" + NAME, {"DELETE"}),
        ("POST", "/data-sets/" + NAME, {"DELETE"}),
        ("PUT", "/" + NAME, {"POST"}),
        ("DELETE", "/" + NAME, {"POST"}),
    ],
)
def test_wrong_method_is_405_json(client, data_set, method, path, allow):
    before = snapshot(data_set)
    response = send(client, method, path, [rec()])
    assert_error(response, 405, METHOD_NOT_ALLOWED)
    allowed = {m.strip() for m in response["Allow"].split(",")}
    assert allow <= allowed
    assert method not in allowed
    assert snapshot(data_set) == before


@pytest.mark.parametrize(
    "path", ["/no/such/path", "/data/test-group", "/_data_set", "/some-name", "/a", "/x/"]
)
@pytest.mark.parametrize("method", ["GET", "POST"])
def test_unknown_path_is_404_json(client, data_set, path, method):
    response = send(client, method, path, [rec()])
    assert_error(response, 404, NOT_FOUND_URL)


@pytest.mark.parametrize(
    "method,path",
    [
        ("POST", "/data/no-group/test-type"),
        ("PUT", "/data/test-group/no-type"),
        ("PATCH", "/data/no-group/no-type/some-id"),
        ("DELETE", "/data/no-group/no-type/some-id"),
    ],
)
def test_unknown_data_set_is_404_before_auth(client, data_set, method, path):
    # No Authorization header at all: the lookup comes first.
    response = send(client, method, path, [rec()], token=None)
    assert_error(response, 404, "Could not find data_set_config")
    assert "WWW-Authenticate" not in response
    assert "Cache-Control" not in response


def test_group_and_type_must_both_match(client, make_data_set):
    make_data_set(group="g1", data_type="t1", token="token-one-0123456789")
    make_data_set(group="g2", data_type="t2", token="token-two-0123456789")
    response = send(client, "POST", "/data/g1/t2", [rec()], token="token-one-0123456789")
    assert_error(response, 404, "Could not find data_set_config")


def test_trailing_slash_on_data_set_url_is_accepted(client, data_set):
    assert_ok(send(client, "POST", URL + "/", [rec()]))
    assert len(stored(data_set)) == 1


# --- authentication -------------------------------------------------------------------------


MISSING_AUTH = "Expected header of form: Authorization: Bearer <token>"


def invalid(token: str) -> str:
    return f"Unauthorized: Invalid bearer token '{token}' for '{NAME}'"


@pytest.mark.parametrize(
    "headers,message",
    [
        ({}, MISSING_AUTH),
        ({"Authorisation": f"Bearer {TOKEN}"}, MISSING_AUTH),
        ({"Authorization": f"Basic {TOKEN}"}, invalid("None")),
        ({"Authorization": "Basic abc"}, invalid("None")),
        ({"Authorization": f"bearer {TOKEN}"}, invalid("None")),
        ({"Authorization": f"Bearer  {TOKEN}"}, invalid(f" {TOKEN}")),
        ({"Authorization": "Bearer"}, invalid("None")),
        ({"Authorization": "Bearer "}, invalid("None")),
        ({"Authorization": ""}, invalid("None")),
        ({"Authorization": "Bearer wrong-token"}, invalid("wrong-token")),
        ({"Authorization": f"Bearer {TOKEN[:-1]}"}, invalid(TOKEN[:-1])),
        ({"Authorization": f"Bearer {TOKEN}x"}, invalid(f"{TOKEN}x")),
    ],
)
@pytest.mark.parametrize("method,path", [("POST", URL), ("PUT", URL), ("POST", "/" + NAME)])
def test_bad_auth_is_401(client, data_set, headers, message, method, path):
    assert_ok(post(client, [rec(_id="keep")]))
    before = snapshot(data_set)
    body = [] if method == "PUT" else [rec()]
    response = send(client, method, path, body, token=None, headers=headers)
    assert_error(response, 401, message)
    assert response["WWW-Authenticate"] == "bearer"
    assert "Cache-Control" not in response
    assert snapshot(data_set) == before


@pytest.mark.parametrize("method", ["PATCH", "DELETE"])
def test_bad_auth_on_one_record_is_401(client, data_set, method):
    assert_ok(post(client, [rec(_id="r1", count=1)]))
    before = snapshot(data_set)
    response = send(client, method, URL + "/r1", {"count": 2}, token="nope-nope-nope")
    assert_error(response, 401, invalid("nope-nope-nope"))
    assert response["WWW-Authenticate"] == "bearer"
    response = send(client, method, URL + "/r1", {"count": 2}, token=None)
    assert_error(response, 401, MISSING_AUTH)
    assert snapshot(data_set) == before


def test_long_wrong_token_is_shortened_in_the_message(client, data_set):
    token = "x" * 300
    response = post(client, [rec()], token=token)
    assert_error(response, 401, invalid("x" * 100 + "…"))


def test_revoked_token_is_refused(client, data_set):
    WriteToken.objects.get(data_set=data_set).revoke()
    response = post(client, [rec()])
    assert_error(response, 401, invalid(TOKEN))
    assert response["WWW-Authenticate"] == "bearer"
    assert stored(data_set) == []


def test_token_of_another_data_set_is_refused(client, data_set, make_data_set):
    other, other_token = make_data_set(
        group="other-group", data_type="other-type", token="the-other-token-0123456789"
    )
    response = post(client, [rec()], token=other_token)
    assert_error(response, 401, invalid(other_token))
    assert stored(data_set) == []
    # ...and it does work for its own data set.
    assert_ok(send(client, "POST", "/data/other-group/other-type", [rec()], token=other_token))
    assert len(stored(other)) == 1


def test_data_set_without_tokens_refuses_everyone(client, make_data_set):
    make_data_set(token=None)
    assert_error(post(client, [rec()], token=""), 401, invalid("None"))
    assert_error(post(client, [rec()], token="anything-at-all"), 401, invalid("anything-at-all"))


def test_any_active_token_of_the_data_set_works(client, data_set):
    _, second = WriteToken.issue(data_set, "second")
    assert_ok(post(client, [rec(_id="a1")], token=second))
    assert_ok(post(client, [rec(_id="a2")]))
    assert len(stored(data_set)) == 2


def test_auth_comes_before_the_body(client, data_set):
    # An empty body with a wrong content type still gets 401 first.
    response = send(client, "POST", URL, b"", token="wrong-wrong", content_type="text/plain")
    assert_error(response, 401, invalid("wrong-wrong"))
    response = send(client, "POST", URL, b"{bad json", token=None)
    assert_error(response, 401, MISSING_AUTH)


# --- body, content type and JSON --------------------------------------------------------------

ZERO_BYTES = "Expected JSON request body but received zero bytes."


@pytest.mark.parametrize("method", ["POST", "PUT"])
def test_zero_byte_body(client, data_set, method):
    response = send(client, method, URL, b"")
    assert_error(response, 400, ZERO_BYTES)


def test_zero_bytes_after_gzip_decompression(client, data_set):
    response = post(client, gzip.compress(b""), headers={"Content-Encoding": "gzip"})
    assert_error(response, 400, ZERO_BYTES)


def test_zero_bytes_wins_over_content_type(client, data_set):
    response = send(client, "POST", URL, b"", content_type="text/plain")
    assert_error(response, 400, ZERO_BYTES)


@pytest.mark.parametrize(
    "content_type",
    [
        "application/json",
        "application/json; charset=utf-8",
        "application/json;charset=UTF-8",
        "Application/JSON",
        " application/json ; charset=utf-8",
    ],
)
def test_json_content_types_are_accepted(client, data_set, content_type):
    assert_ok(post(client, [rec(count=1)], content_type=content_type))
    assert only_record(data_set)["count"] == 1


@pytest.mark.parametrize(
    "content_type",
    [
        "text/plain",
        "text/json",
        "application/x-www-form-urlencoded",
        "application/json-patch+json",
        "application/jsonx",
        "multipart/form-data; boundary=xyz",
        "",
    ],
)
def test_other_content_types_are_refused_on_post(client, data_set, content_type):
    response = post(client, [rec()], content_type=content_type)
    assert_messages(response, [CONTENT_TYPE_MESSAGE])
    assert stored(data_set) == []


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", ""])
def test_other_content_types_are_refused_on_put_with_one_message(client, data_set, content_type):
    assert_ok(post(client, [rec()]))
    response = send(client, "PUT", URL, [], content_type=content_type)
    assert_error(response, 400, CONTENT_TYPE_MESSAGE)
    assert len(stored(data_set)) == 1


def test_missing_content_type_header_is_refused(data_set):
    # The test client always sets CONTENT_TYPE; build a request without one at all.
    request = RequestFactory().generic(
        "POST",
        URL,
        json.dumps([rec()]).encode(),
        content_type="application/json",
        headers={"Authorization": f"Bearer {TOKEN}"},
    )
    del request.META["CONTENT_TYPE"]
    response = views.data_set(request, "test-group", "test-type")
    assert_messages(response, [CONTENT_TYPE_MESSAGE])
    assert stored(data_set) == []


@pytest.mark.parametrize(
    "body,detail",
    [
        (b"{foo", "unexpected character, expected a string key: line 1 column 2 (char 1)"),
        (b"[1,", "unexpected end of data: line 1 column 4 (char 3)"),
        (b"NaN", "unexpected character, expected a JSON value: line 1 column 1 (char 0)"),
    ],
)
@pytest.mark.parametrize("method", ["POST", "PUT"])
def test_json_syntax_error(client, data_set, body, detail, method):
    response = send(client, method, URL, body)
    assert_error(response, 400, f'Error parsing JSON: "{detail}"')


@pytest.mark.parametrize(
    "body",
    [b"\xff\xfe[]", b'[{"_timestamp": "' + TS.encode() + b'", "foo": "\xe9"}]', b'"\\ud800"'],
)
def test_invalid_text_is_a_json_error(client, data_set, body):
    response = post(client, body)
    assert response.status_code == 400
    assert response.json()["status"] == "error"
    assert response.json()["message"].startswith("Error parsing JSON: ")
    assert stored(data_set) == []


def test_byte_order_mark_is_tolerated(client, data_set):
    assert_ok(post(client, b"\xef\xbb\xbf" + json.dumps([rec(count=3)]).encode()))
    assert only_record(data_set)["count"] == 3


def test_json_null_is_refused_like_a_wrong_content_type(client, data_set):
    assert_messages(post(client, b"null"), [CONTENT_TYPE_MESSAGE])


def test_json_null_on_put_uses_the_single_message_form(client, data_set):
    assert_error(send(client, "PUT", URL, b"null"), 400, CONTENT_TYPE_MESSAGE)


@pytest.mark.parametrize(
    "body,kind",
    [
        (b'"foo"', "string"),
        (b"5", "number"),
        (b"-1.5", "number"),
        (b"true", "boolean"),
        (b"false", "boolean"),
    ],
)
def test_top_level_scalar_is_400(client, data_set, body, kind):
    response = post(client, body)
    assert_error(response, 400, f"Expected a JSON object or a list of JSON objects, not a {kind}")
    assert stored(data_set) == []


def test_list_with_non_objects_is_400(client, data_set):
    response = post(client, [rec(), 1, "x", None, [], rec(), True])
    assert_messages(response, ["Every item must be a JSON object; these are not: 2, 3, 4, 5, 7"])
    assert stored(data_set) == []


def test_many_non_objects_are_listed_briefly(client, data_set):
    response = post(client, list(range(15)))
    assert_messages(
        response,
        ["Every item must be a JSON object; these are not: 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, …"],
    )


def test_empty_list_is_accepted_and_stores_nothing(client, data_set):
    before = snapshot(data_set)
    assert_ok(post(client, []))
    assert snapshot(data_set) == before
    assert not WriteAudit.objects.exists()


def test_single_object_is_wrapped_in_a_list(client, data_set):
    assert_ok(post(client, rec(foo="bar")))
    assert only_record(data_set)["foo"] == "bar"


# --- record validation ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "key,message",
    [
        ("a", "a is not a valid key"),
        ("Z", "Z is not a valid key"),
        ("", " is not a valid key"),
        ("foo-bar", "foo-bar is not a valid key"),
        ("foo bar", "foo bar is not a valid key"),
        ("foo.bar", "foo.bar is not a valid key"),
        ("9lives", "9lives is not a valid key"),
        ("café", "café is not a valid key"),
        ("ﬁeld", "ﬁeld is not a valid key"),
        ("foo\n", "foo\n is not a valid key"),
        ("\nfoo", "\nfoo is not a valid key"),
        ("k" * 201, "k" * 201 + " is not a valid key"),
        ("_updated_at", "_updated_at is not a recognised internal field"),
        ("_week_start_at", "_week_start_at is not a recognised internal field"),
        ("_day_start_at", "_day_start_at is not a recognised internal field"),
        ("_count", "_count is not a recognised internal field"),
        ("__", "__ is not a recognised internal field"),
    ],
)
def test_invalid_keys(client, data_set, key, message):
    response = post(client, [rec(**{key: 1})])
    assert_messages(response, [message])
    assert stored(data_set) == []


@pytest.mark.parametrize("key", ["ab", "FooBar", "x1y", "a_", "A1", "k" * 200, "UPPER_CASE"])
def test_valid_keys_are_stored_as_sent(client, data_set, key):
    assert_ok(post(client, [rec(**{key: 1})]))
    assert only_record(data_set)[key] == 1


@pytest.mark.parametrize(
    "value",
    [[], [1, 2], {}, {"a": 1}],
)
def test_invalid_values(client, data_set, value):
    response = post(client, [rec(field=value)])
    assert_messages(response, ["field has an invalid value"])
    assert stored(data_set) == []


@pytest.mark.parametrize(
    "value",
    ["text", "café ☕", "", 0, -1, 2**63 - 1, -(2**63), 1.5, -0.25, 1.5e10, True, False, None],
)
def test_valid_values_round_trip(client, data_set, value):
    assert_ok(post(client, [rec(field=value)]))
    assert only_record(data_set)["field"] == value


def test_nul_in_a_string_is_refused(client, data_set):
    assert_messages(post(client, [rec(field="a\x00b")]), ["field contains a NUL character"])
    assert_messages(post(client, [rec(_id="a\x00b")]), ['_id "a\x00b" is not a valid id'])
    assert stored(data_set) == []


@pytest.mark.parametrize(
    "value,shown",
    [
        (7, "7"),
        (1.5, "1.5"),
        (True, "True"),
        (None, "None"),
        ("", ""),
        (" ", " "),
        ("a b", "a b"),
        ("a\tb", "a\tb"),
        ("ab\n", "ab\n"),
        ("a\u00a0b", "a\u00a0b"),
        ("x" * 513, "x" * 80 + "…"),
    ],
)
def test_invalid_ids(client, data_set, value, shown):
    response = post(client, [rec(_id=value)])
    assert_messages(response, [f'_id "{shown}" is not a valid id'])
    assert stored(data_set) == []


def test_list_and_object_ids_are_refused(client, data_set):
    response = post(client, [rec(_id=["a"]), rec(_id={"a": 1})])
    assert_messages(
        response, ["_id \"['a']\" is not a valid id", "_id \"{'a': 1}\" is not a valid id"]
    )


@pytest.mark.parametrize("value", ["x" * 512, "a/b:c;d", "ünïcödé", "0"])
def test_valid_ids(client, data_set, value):
    assert_ok(post(client, [rec(_id=value)]))
    record = only_record(data_set)
    assert record["_id"] == value
    assert Record.objects.get(data_set=data_set).record_id == value


def test_only_the_first_problem_of_a_record_is_reported(client, data_set):
    response = post(client, [{"_timestamp": TS, "a": 1, "bad-key": 2, "obj": {}, "_id": ""}])
    assert_messages(response, ["a is not a valid key"])
    response = post(client, [{"obj": {}, "a": 1, "_timestamp": TS}])
    assert_messages(response, ["obj has an invalid value"])


def test_missing_timestamp_is_400(client, data_set):
    assert_messages(post(client, [{"count": 1}]), [MISSING_TS])
    assert_messages(post(client, [{}]), [MISSING_TS])
    assert stored(data_set) == []


def test_one_message_per_bad_record_in_batch_order(client, data_set):
    response = post(
        client,
        [rec(a=1), rec(ok_field=1), rec(obj=[]), {"count": 1}, rec(_id="a b")],
    )
    assert_messages(
        response,
        [
            "a is not a valid key",
            "obj has an invalid value",
            MISSING_TS,
            '_id "a b" is not a valid id',
        ],
    )


# --- schema -----------------------------------------------------------------------------------


@pytest.fixture
def schema_data_set(make_data_set):
    ds, _ = make_data_set(schema=STAGECRAFT_SCHEMA)
    return ds


def test_schema_requires_timestamp(client, schema_data_set):
    response = post(client, [{"foo": "bar"}])
    assert_messages(response, ["'_timestamp' is a required property", MISSING_TS])


@pytest.mark.parametrize(
    "value",
    [
        "2014-01-01T00:00:00",
        "2014-01-01T00:00:00Z",
        "2014-01-01T00:00:00+0000",
        "2014-01-01T00:00:00+00:00",
    ],
)
def test_schema_date_time_accepts(client, schema_data_set, value):
    assert_ok(post(client, [{"_timestamp": value}]))
    assert only_record(schema_data_set)["_timestamp"] == "2014-01-01T00:00:00+00:00"


def test_schema_date_time_refuses_a_date_only(client, schema_data_set):
    assert_messages(
        post(client, [{"_timestamp": "2014-01-01"}]), ["'2014-01-01' is not a 'date-time'"]
    )


def test_schema_type_error_comes_before_timestamp_errors(client, schema_data_set):
    assert_messages(
        post(client, [{"_timestamp": 5}]),
        ["5 is not of type 'string'", BAD_FORMAT, NOT_DATETIME],
    )


def test_schema_with_data_type_rules(client, make_data_set):
    schema = {
        "type": "object",
        "required": ["_timestamp", "count"],
        "properties": {"count": {"type": "integer", "minimum": 0}, "channel": {"enum": ["web"]}},
    }
    data_set, _ = make_data_set(schema=schema)
    response = post(
        client,
        [
            rec(count=1, channel="web"),
            rec(count="1"),
            {"count": -1, "channel": "post"},
        ],
    )
    assert_messages(
        response,
        [
            "'1' is not of type 'integer'",
            # Per record, in the order of the schema's keywords.
            "'_timestamp' is a required property",
            "-1 is less than the minimum of 0",
            "'post' is not one of ['web']",
            MISSING_TS,
        ],
    )
    assert stored(data_set) == []
    assert_ok(post(client, [rec(count=0, channel="web")]))
    assert len(stored(data_set)) == 1


def test_data_set_without_schema_needs_no_schema_fields(client, data_set):
    assert_ok(post(client, [rec(anything="goes")]))


# --- auto ids ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "auto_ids,record,expected",
    [
        (
            ["_timestamp", "key"],
            {"_timestamp": "2014-01-01T00:00:00Z", "key": "k1"},
            "MjAxNC0wMS0wMVQwMDowMDowMFouazE=",
        ),
        (["foo"], {"_timestamp": TS, "foo": "foo"}, "Zm9v"),
        (["foo", "bar"], {"_timestamp": TS, "foo": 1, "bar": "foo"}, "MS5mb28="),
        (
            ["aa", "bb", "cc", "dd"],
            rec(aa=True, bb=None, cc=1.5, dd=False),
            b64("True.None.1.5.False"),
        ),
        (["uni"], rec(uni="café"), b64("café")),
    ],
)
def test_auto_ids(client, make_data_set, auto_ids, record, expected):
    data_set, _ = make_data_set(auto_ids=auto_ids)
    assert_ok(post(client, [record]))
    stored_record = only_record(data_set)
    assert stored_record["_id"] == expected
    assert Record.objects.get(data_set=data_set).record_id == expected


def test_auto_id_uses_the_timestamp_in_its_canonical_form(client, make_data_set):
    # The original used the text as sent; equal instants now make one id (see
    # test_auto_id_instants.py), the one the original made for the "Z" form.
    data_set, _ = make_data_set(auto_ids=["_timestamp"])
    assert_ok(post(client, [{"_timestamp": "2014-01-01T02:00:00+02:00"}]))
    record = only_record(data_set)
    assert record["_id"] == b64("2014-01-01T00:00:00Z")
    assert record["_timestamp"] == "2014-01-01T00:00:00+00:00"


def test_auto_id_overwrites_a_client_id(client, make_data_set):
    data_set, _ = make_data_set(auto_ids=["foo"])
    assert_ok(post(client, [rec(foo="foo", _id="mine")]))
    assert only_record(data_set)["_id"] == "Zm9v"


def test_auto_id_makes_repeated_posts_idempotent(client, make_data_set):
    data_set, _ = make_data_set(auto_ids=["_timestamp", "key"])
    assert_ok(post(client, [rec(key="k1", num=1), rec(key="k2", num=2)]))
    assert_ok(post(client, [rec(key="k1", num=10)]))
    assert sorted((r["key"], r["num"]) for r in stored(data_set)) == [("k1", 10), ("k2", 2)]


def test_auto_id_missing_fields(client, make_data_set):
    data_set, _ = make_data_set(auto_ids=["_timestamp", "key", "other"])
    response = post(client, [rec(key="k1", other=1), rec(), rec(key="k")])
    # One message per batch, fields in the configured order.
    assert_messages(response, ["The following required id fields are missing: key, other"])
    assert stored(data_set) == []


def test_auto_id_error_comes_after_schema_and_before_timestamp_errors(client, make_data_set):
    data_set, _ = make_data_set(auto_ids=["key"], schema=STAGECRAFT_SCHEMA)
    response = post(client, [{"_timestamp": "bad"}, {"key": "k", "bad-key": 1}])
    assert_messages(
        response,
        [
            "'bad' is not a 'date-time'",
            "'_timestamp' is a required property",
            "The following required id fields are missing: key",
            BAD_FORMAT,
            NOT_DATETIME,
            # The second record has no _timestamp; its first key problem is reported.
            "bad-key is not a valid key",
        ],
    )


# --- timestamps -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "sent,expected",
    [
        ("2014-01-01T12:30:00+02:00", "2014-01-01T10:30:00+00:00"),
        ("2014-01-01T12:30:00-05:30", "2014-01-01T18:00:00+00:00"),
        ("2014-01-01T10:00:00", "2014-01-01T10:00:00+00:00"),
        ("2014-01-01T10:00:00Z", "2014-01-01T10:00:00+00:00"),
        ("2014-01-01T10:00:00.250000Z", "2014-01-01T10:00:00.250000+00:00"),
        ("2014-01-05", "2014-01-05T00:00:00+00:00"),
        ("2014-01-05 10:00:00", "2014-01-05T10:00:00+00:00"),
        ("12/01/2013", "2013-12-01T00:00:00+00:00"),
        ("Jan 5 2014", "2014-01-05T00:00:00+00:00"),
        ("2014-01-01T00:30:00+01:00", "2013-12-31T23:30:00+00:00"),
    ],
)
def test_timestamps_are_parsed_to_utc(client, data_set, sent, expected):
    assert_ok(post(client, [{"_timestamp": sent}]))
    record = only_record(data_set)
    assert record["_timestamp"] == expected
    assert Record.objects.get(data_set=data_set).timestamp == datetime.fromisoformat(expected)


@pytest.mark.parametrize("value", ["invalid", "hammer time", "", "   ", "10:00", "2014", "x" * 150])
def test_unparseable_timestamp_gives_two_messages(client, data_set, value):
    assert_messages(post(client, [{"_timestamp": value}]), [BAD_FORMAT, NOT_DATETIME])


@pytest.mark.parametrize(
    "value", ["2013-02-30T00:00:00Z", "2014-01-01T00:00:00+24:00", "1357000000", "2014-13-01"]
)
def test_impossible_date(client, data_set, value):
    assert_messages(
        post(client, [{"_timestamp": value}]),
        [f"{value} in the _timestamp field is not a valid date", NOT_DATETIME],
    )


@pytest.mark.parametrize("value", [1357000000, 1.5, True, False, None, [], {}])
def test_non_string_timestamp_is_400(client, data_set, value):
    assert_messages(post(client, [{"_timestamp": value}]), [BAD_FORMAT, NOT_DATETIME])
    assert stored(data_set) == []


def test_timestamp_out_of_range_after_conversion(client, data_set):
    value = "9999-12-31T23:00:00-05:00"
    assert_messages(
        post(client, [{"_timestamp": value}]),
        [f"{value} in the _timestamp field is not a valid date", NOT_DATETIME],
    )


def test_start_and_end_at(client, data_set):
    assert_ok(
        post(
            client,
            [rec(_start_at="2014-01-01T01:00:00+01:00", _end_at="2014-01-08")],
        )
    )
    record = only_record(data_set)
    assert record["_start_at"] == "2014-01-01T00:00:00+00:00"
    assert record["_end_at"] == "2014-01-08T00:00:00+00:00"


def test_start_and_end_at_messages(client, data_set):
    response = post(
        client,
        [rec(_start_at="nope"), rec(_end_at="nope"), rec(_start_at="2013-02-30")],
    )
    assert_messages(
        response,
        [
            "_start_at must be a date in the format yyyy-MM-ddT00:00:00Z",
            "_end_at must be a date in the format yyyy-MM-ddT00:00:00Z",
            "2013-02-30 in the _start_at field is not a valid date",
            "_start_at is not a valid datetime object",
            "_end_at is not a valid datetime object",
            "_start_at is not a valid datetime object",
        ],
    )


def test_only_the_last_failing_timestamp_field_is_reported(client, data_set):
    response = post(client, [{"_timestamp": "bad", "_start_at": "bad", "_end_at": "2013-02-30"}])
    assert_messages(
        response,
        ["2013-02-30 in the _end_at field is not a valid date", NOT_DATETIME],
    )


def test_message_order_across_a_batch(client, make_data_set):
    schema = {"properties": {"count": {"type": "integer"}}}
    data_set, _ = make_data_set(schema=schema)
    response = post(
        client,
        [
            {"_timestamp": "bad", "count": 1},
            {"_timestamp": TS, "count": "x", "bad-key": 1},
            {"_timestamp": "2013-02-30T00:00:00Z"},
            {"_timestamp": TS, "count": 1.5},
        ],
    )
    assert_messages(
        response,
        [
            "'x' is not of type 'integer'",
            "1.5 is not of type 'integer'",
            BAD_FORMAT,
            "2013-02-30T00:00:00Z in the _timestamp field is not a valid date",
            NOT_DATETIME,
            "bad-key is not a valid key",
            NOT_DATETIME,
        ],
    )
    assert stored(data_set) == []


# --- what is stored ---------------------------------------------------------------------------


def test_stored_record_matches_the_reference_example(client, data_set):
    before = timezone.now()
    body = {
        "_timestamp": "2014-01-01T12:30:00+02:00",
        "foo": "bar",
        "num": 1,
        "flt": 1.5,
        "bln": True,
        "nul": None,
        "_id": "abc",
        "uni": "café",
    }
    assert_ok(post(client, body))
    after = timezone.now()
    record = only_record(data_set)
    updated_at = datetime.fromisoformat(record.pop("_updated_at"))
    assert before <= updated_at <= after
    assert updated_at.utcoffset() == timedelta(0)
    assert record == {
        "_day_start_at": "2014-01-01T00:00:00+00:00",
        "_hour_start_at": "2014-01-01T10:00:00+00:00",
        "_id": "abc",
        "_month_start_at": "2014-01-01T00:00:00+00:00",
        "_quarter_start_at": "2014-01-01T00:00:00+00:00",
        "_timestamp": "2014-01-01T10:30:00+00:00",
        "_week_start_at": "2013-12-30T00:00:00+00:00",
        "_year_start_at": "2014-01-01T00:00:00+00:00",
        "bln": True,
        "flt": 1.5,
        "foo": "bar",
        "nul": None,
        "num": 1,
        "uni": "café",
    }
    row = Record.objects.get(data_set=data_set)
    assert row.record_id == "abc"
    assert row.week_start == datetime(2013, 12, 30, tzinfo=UTC)
    assert row.hour_start == datetime(2014, 1, 1, 10, tzinfo=UTC)
    assert row.updated_at == updated_at


@pytest.mark.parametrize(
    "ts,week,quarter",
    [
        ("2014-01-05T23:59:59Z", "2013-12-30", "2014-01-01"),  # Sunday
        ("2014-01-06T00:00:00Z", "2014-01-06", "2014-01-01"),  # Monday
        ("2014-03-31T12:00:00Z", "2014-03-31", "2014-01-01"),
        ("2014-04-01T00:00:00Z", "2014-03-31", "2014-04-01"),
        ("2014-08-15T00:00:00Z", "2014-08-11", "2014-07-01"),
        ("2014-12-31T23:00:00Z", "2014-12-29", "2014-10-01"),
        ("2015-01-01T00:30:00+01:00", "2014-12-29", "2014-10-01"),
    ],
)
def test_period_keys(client, data_set, ts, week, quarter):
    assert_ok(post(client, [{"_timestamp": ts}]))
    record = only_record(data_set)
    assert record["_week_start_at"] == f"{week}T00:00:00+00:00"
    assert datetime.fromisoformat(record["_week_start_at"]).weekday() == 0
    assert record["_quarter_start_at"] == f"{quarter}T00:00:00+00:00"
    row = Record.objects.get(data_set=data_set)
    assert row.week_start.date().isoformat() == week
    assert row.quarter_start.date().isoformat() == quarter


def test_records_without_id_get_distinct_ids(client, data_set):
    assert_ok(post(client, [rec(num=1), rec(num=2)]))
    ids = [r["_id"] for r in stored(data_set)]
    assert len(set(ids)) == 2
    assert all(len(i) == 36 for i in ids)


def test_same_id_overwrites_the_whole_record(client, data_set):
    assert_ok(post(client, [rec(_id="same", a_field=1, b_field=2)]))
    first = only_record(data_set)
    assert_ok(post(client, [{"_id": "same", "_timestamp": "2015-06-01T00:00:00Z", "a_field": 3}]))
    record = only_record(data_set)
    assert record["a_field"] == 3
    assert "b_field" not in record
    assert record["_timestamp"] == "2015-06-01T00:00:00+00:00"
    assert record["_updated_at"] >= first["_updated_at"]
    assert Record.objects.get(data_set=data_set).timestamp == datetime(2015, 6, 1, tzinfo=UTC)


def test_posting_the_same_batch_twice_is_idempotent(client, data_set):
    batch = [rec(_id="a1", num=1), rec(_id="a2", num=2)]
    assert_ok(post(client, batch))
    assert_ok(post(client, batch))
    assert [(r["_id"], r["num"]) for r in stored(data_set)] == [("a1", 1), ("a2", 2)]


def test_later_record_in_a_batch_wins(client, data_set):
    assert_ok(post(client, [rec(_id="x1", num=1), rec(_id="x2", num=5), rec(_id="x1", num=2)]))
    assert sorted((r["_id"], r["num"]) for r in stored(data_set)) == [("x1", 2), ("x2", 5)]
    audit = WriteAudit.objects.get(data_set=data_set)
    assert audit.record_count == 3


def test_records_of_other_data_sets_are_separate(client, data_set, make_data_set):
    other, other_token = make_data_set(group="g2", data_type="t2", token="other-token-0123456789")
    assert_ok(post(client, [rec(_id="same", num=1)]))
    assert_ok(send(client, "POST", "/data/g2/t2", [rec(_id="same", num=2)], token=other_token))
    assert only_record(data_set)["num"] == 1
    assert only_record(other)["num"] == 2


def test_all_or_nothing(client, data_set):
    assert_ok(post(client, [rec(_id="existing", num=1)]))
    before = snapshot(data_set)
    response = post(client, [rec(_id="new1"), rec(_id="existing", num=2), rec(bad_value=[1])])
    assert_messages(response, ["bad_value has an invalid value"])
    assert snapshot(data_set) == before
    assert only_record(data_set)["num"] == 1


def test_successful_write_bumps_version_and_last_written_at(client, data_set):
    assert data_set.version == 0
    before = timezone.now()
    assert_ok(post(client, [rec()]))
    data_set.refresh_from_db()
    assert data_set.version == 1
    assert data_set.last_written_at >= before
    assert_ok(post(client, [rec()]))
    data_set.refresh_from_db()
    assert data_set.version == 2


# --- audit trail and token use ----------------------------------------------------------------


def test_audit_row_and_last_used_at(client, data_set):
    token = WriteToken.objects.get(data_set=data_set)
    assert token.last_used_at is None
    before = timezone.now()
    assert_ok(post(client, [rec(_id="r1"), rec(_id="r2")]))
    audit = WriteAudit.objects.get()
    assert audit.data_set == data_set
    assert audit.token == token
    assert audit.token_label == "test"
    assert audit.action == "append"
    assert audit.record_count == 2
    assert audit.source == "api"
    assert audit.at >= before
    token.refresh_from_db()
    assert token.last_used_at == audit.at


def test_refused_writes_leave_no_audit_and_do_not_touch_the_token(client, data_set):
    post(client, [rec(a=1)])
    post(client, b"{bad")
    post(client, [rec()], token="wrong-wrong-wrong")
    assert not WriteAudit.objects.exists()
    assert WriteToken.objects.get(data_set=data_set).last_used_at is None


def test_audit_label_follows_the_token_used(client, data_set):
    _, secret = WriteToken.issue(data_set, "collector")
    assert_ok(post(client, [rec()], token=secret))
    assert_ok(post(client, [rec()]))
    assert sorted(WriteAudit.objects.values_list("token_label", flat=True)) == ["collector", "test"]


# --- gzip and size limits ---------------------------------------------------------------------


@pytest.mark.parametrize("encoding", ["gzip", "x-gzip", "GZIP", " gzip ", "x-gzip, identity"])
def test_gzip_bodies(client, data_set, encoding):
    body = gzip.compress(json.dumps([rec(num=1), rec(num=2)]).encode())
    assert_ok(post(client, body, headers={"Content-Encoding": encoding}))
    assert sorted(r["num"] for r in stored(data_set)) == [1, 2]


def test_multi_member_gzip(client, data_set):
    text = json.dumps([rec(num=1), rec(num=2), rec(num=3)]).encode()
    body = gzip.compress(text[:20]) + gzip.compress(text[20:50]) + gzip.compress(text[50:])
    assert_ok(post(client, body, headers={"Content-Encoding": "gzip"}))
    assert sorted(r["num"] for r in stored(data_set)) == [1, 2, 3]


def test_multi_member_gzip_with_a_member_of_whole_inflate_chunks(client, data_set):
    # A member whose output ends exactly on the 64 KiB inflate chunk used to loop for ever.
    text = b"[" + b" " * (2 * 64 * 1024 - 1) + json.dumps(rec(num=1)).encode() + b"]"
    body = gzip.compress(text[: 2 * 64 * 1024]) + gzip.compress(text[2 * 64 * 1024 :])
    assert_ok(post(client, body, headers={"Content-Encoding": "gzip"}))
    assert only_record(data_set)["num"] == 1


@pytest.mark.parametrize(
    "body", [b"not gzip at all", json.dumps([rec()]).encode(), b"\x1f\x8b\x08garbage"]
)
def test_bad_gzip_is_400(client, data_set, body):
    response = post(client, body, headers={"Content-Encoding": "gzip"})
    assert_error(response, 400, "The request body is labelled gzip but is not valid gzip data")
    assert stored(data_set) == []


def test_truncated_gzip_is_400(client, data_set):
    body = gzip.compress(json.dumps([rec()]).encode())[:-10]
    response = post(client, body, headers={"Content-Encoding": "gzip"})
    assert_error(response, 400, "The gzip request body is truncated")


def test_gzip_member_followed_by_garbage_is_400(client, data_set):
    body = gzip.compress(json.dumps([rec()]).encode()) + b"trailing junk"
    response = post(client, body, headers={"Content-Encoding": "gzip"})
    assert response.status_code == 400
    assert response.json()["status"] == "error"
    assert stored(data_set) == []


def test_gzip_bomb_is_413_json(client, data_set):
    bomb = gzip.compress(b"\0" * (11 * 1024 * 1024))
    assert len(bomb) < 100_000
    response = post(client, bomb, headers={"Content-Encoding": "gzip"})
    assert_error(
        response,
        413,
        "Request body too large: the decompressed request body is limited to 10485760 bytes",
        cache=True,
    )
    assert stored(data_set) == []


def test_gzip_bomb_across_members_is_413(client, data_set):
    member = gzip.compress(b" " * (4 * 1024 * 1024))
    response = post(client, member * 3, headers={"Content-Encoding": "gzip"})
    assert response.status_code == 413
    assert response.json()["status"] == "error"


def test_gzip_limit_boundary(client, data_set):
    text = json.dumps([rec()]).encode()
    with override_settings(WRITE_MAX_GZIP_BYTES=len(text)):
        assert_ok(post(client, gzip.compress(text), headers={"Content-Encoding": "gzip"}))
    with override_settings(WRITE_MAX_GZIP_BYTES=len(text) - 1):
        response = post(client, gzip.compress(text), headers={"Content-Encoding": "gzip"})
        assert_error(
            response,
            413,
            f"Request body too large: the decompressed request body is limited to "
            f"{len(text) - 1} bytes",
            cache=True,
        )
    assert len(stored(data_set)) == 1


def test_uncompressed_body_cap(client, data_set):
    text = json.dumps([rec()]).encode()
    with override_settings(WRITE_MAX_BODY_BYTES=len(text)):
        assert_ok(post(client, text))
    with override_settings(WRITE_MAX_BODY_BYTES=len(text) - 1):
        response = post(client, text)
        assert_error(
            response,
            413,
            f"Request body too large: the request body is limited to {len(text) - 1} bytes",
            cache=True,
        )
    assert len(stored(data_set)) == 1


def test_body_cap_applies_to_the_compressed_size_too(client, data_set):
    body = gzip.compress(json.dumps([rec()]).encode())
    with override_settings(WRITE_MAX_BODY_BYTES=len(body) - 1):
        response = post(client, body, headers={"Content-Encoding": "gzip"})
    assert response.status_code == 413
    assert response.json() == {
        "status": "error",
        "message": f"Request body too large: the request body is limited to {len(body) - 1} bytes",
    }


def test_declared_content_length_over_the_cap_is_413_before_reading(client, data_set):
    with override_settings(WRITE_MAX_BODY_BYTES=100):
        response = post(client, [rec()], CONTENT_LENGTH="1000000")
    assert_error(
        response,
        413,
        "Request body too large: the request body is limited to 100 bytes",
        cache=True,
    )
    assert stored(data_set) == []


def test_body_cap_on_put(client, data_set):
    with override_settings(WRITE_MAX_BODY_BYTES=1):
        response = send(client, "PUT", URL, b"[ ]")
    assert_error(
        response, 413, "Request body too large: the request body is limited to 1 bytes", cache=True
    )


def test_non_numeric_content_length_is_400(client, data_set):
    response = post(client, [rec()], CONTENT_LENGTH="abc")
    assert_error(response, 400, "Content-Length must be a whole number of bytes")
    assert stored(data_set) == []


@pytest.mark.parametrize("encoding", ["br", "deflate", "compress", "zstd"])
def test_unsupported_content_encoding_is_415(client, data_set, encoding):
    response = post(client, [rec()], headers={"Content-Encoding": encoding})
    assert_error(
        response,
        415,
        f"Content-Encoding '{encoding}' is not supported: send gzip or no encoding",
    )
    assert stored(data_set) == []


def test_identity_encoding_is_accepted(client, data_set):
    assert_ok(post(client, [rec()], headers={"Content-Encoding": "identity"}))
    assert len(stored(data_set)) == 1


def test_gzip_on_put(client, data_set):
    assert_ok(post(client, [rec()]))
    response = send(client, "PUT", URL, gzip.compress(b"[]"), headers={"Content-Encoding": "gzip"})
    assert_ok(response, f"{NAME} now contains 0 records")
    assert stored(data_set) == []


# --- PUT ----------------------------------------------------------------------------------


def test_put_empty_list_empties_the_data_set(client, data_set, make_data_set):
    other, other_token = make_data_set(group="g2", data_type="t2", token="other-token-0123456789")
    assert_ok(post(client, [rec(num=1), rec(num=2), rec(num=3)]))
    assert_ok(send(client, "POST", "/data/g2/t2", [rec()], token=other_token))
    data_set.refresh_from_db()
    version = data_set.version
    response = send(client, "PUT", URL, [])
    assert_ok(response, "test_group_test_type now contains 0 records")
    assert stored(data_set) == []
    assert len(stored(other)) == 1
    data_set.refresh_from_db()
    assert data_set.version == version + 1
    audit = WriteAudit.objects.filter(data_set=data_set).order_by("-id").first()
    assert (audit.action, audit.record_count, audit.token_label) == ("empty", 3, "test")


def test_put_on_an_empty_data_set(client, data_set):
    assert_ok(send(client, "PUT", URL, b"[]"), f"{NAME} now contains 0 records")
    assert WriteAudit.objects.get(data_set=data_set).record_count == 0


@pytest.mark.parametrize("body", [[rec()], rec(), [[]], {}, [{}], '"x"', 0, True])
def test_put_non_empty_is_not_implemented(client, data_set, body):
    assert_ok(post(client, [rec()]))
    before = snapshot(data_set)
    response = send(client, "PUT", URL, body)
    assert_error(response, 400, "Not implemented: you can only pass an empty JSON list")
    assert snapshot(data_set) == before


# --- DELETE and PATCH one record ----------------------------------------------------------


def test_delete_a_record(client, data_set):
    assert_ok(post(client, [rec(_id="r1"), rec(_id="r2")]))
    response = send(client, "DELETE", URL + "/r1")
    assert_ok(response)
    assert [r["_id"] for r in stored(data_set)] == ["r2"]
    audit = WriteAudit.objects.filter(action="delete").get()
    assert (audit.record_count, audit.token_label) == (1, "test")


def test_delete_needs_no_body(client, data_set):
    assert_ok(post(client, [rec(_id="r1")]))
    assert_ok(client.delete(URL + "/r1", headers={"Authorization": f"Bearer {TOKEN}"}))
    assert stored(data_set) == []


def test_delete_an_id_with_a_slash(client, data_set):
    assert_ok(post(client, [rec(_id="a/b")]))
    assert_ok(send(client, "DELETE", URL + "/a/b"))
    assert stored(data_set) == []


def test_delete_unknown_id_is_404(client, data_set):
    assert_ok(post(client, [rec(_id="r1")]))
    before = snapshot(data_set)
    response = send(client, "DELETE", URL + "/nope")
    assert_error(response, 404, "No record found with id nope")
    assert snapshot(data_set) == before


def test_delete_only_touches_its_own_data_set(client, data_set, make_data_set):
    other, other_token = make_data_set(group="g2", data_type="t2", token="other-token-0123456789")
    assert_ok(send(client, "POST", "/data/g2/t2", [rec(_id="shared")], token=other_token))
    assert_error(send(client, "DELETE", URL + "/shared"), 404, "No record found with id shared")
    assert len(stored(other)) == 1


def test_long_unknown_id_is_shortened_in_the_message(client, data_set):
    response = send(client, "DELETE", URL + "/" + "z" * 300)
    assert_error(response, 404, "No record found with id " + "z" * 200 + "…")


@pytest.fixture
def patched(client, data_set):
    """A data set holding record ``r1``."""
    assert_ok(post(client, [rec(_id="r1", a_field=1, b_field=2), rec(_id="r2", a_field=9)]))
    return data_set


def by_id(data_set, record_id):
    return Record.objects.get(data_set=data_set, record_id=record_id)


def test_patch_merges_and_keeps_other_fields(client, patched):
    before = by_id(patched, "r1").data
    response = send(client, "PATCH", URL + "/r1", {"b_field": 3, "c_field": None})
    assert_ok(response)
    after = by_id(patched, "r1").data
    assert after["a_field"] == 1
    assert after["b_field"] == 3
    assert after["c_field"] is None
    assert after["_id"] == "r1"
    assert after["_timestamp"] == before["_timestamp"]
    assert after["_week_start_at"] == before["_week_start_at"]
    assert after["_updated_at"] >= before["_updated_at"]
    assert by_id(patched, "r2").data["a_field"] == 9
    audit = WriteAudit.objects.filter(action="patch").get()
    assert (audit.record_count, audit.token_label) == (1, "test")


def test_patch_timestamp_moves_the_periods(client, patched):
    assert_ok(send(client, "PATCH", URL + "/r1", {"_timestamp": "2015-05-17T10:00:00+01:00"}))
    row = by_id(patched, "r1")
    assert row.data["_timestamp"] == "2015-05-17T09:00:00+00:00"
    assert row.data["_week_start_at"] == "2015-05-11T00:00:00+00:00"
    assert row.data["_quarter_start_at"] == "2015-04-01T00:00:00+00:00"
    assert row.timestamp == datetime(2015, 5, 17, 9, tzinfo=UTC)
    assert row.week_start == datetime(2015, 5, 11, tzinfo=UTC)


def test_patch_with_the_same_id_is_allowed(client, patched):
    assert_ok(send(client, "PATCH", URL + "/r1", {"_id": "r1", "a_field": 5}))
    assert by_id(patched, "r1").data["a_field"] == 5


def test_patch_cannot_change_the_id(client, patched):
    before = snapshot(patched)
    response = send(client, "PATCH", URL + "/r1", {"_id": "r9", "a_field": 5})
    assert_error(response, 400, "A PATCH cannot change a record's _id")
    assert snapshot(patched) == before


@pytest.mark.parametrize(
    "body,messages",
    [
        ({"bad-key": 1}, ["bad-key is not a valid key"]),
        ({"a_field": [1]}, ["a_field has an invalid value"]),
        ({"_timestamp": "invalid"}, [BAD_FORMAT, NOT_DATETIME]),
        ({"_timestamp": None}, [BAD_FORMAT, NOT_DATETIME]),
        ({"_updated_at": "2014-01-01"}, ["_updated_at is not a recognised internal field"]),
    ],
)
def test_patch_is_revalidated(client, patched, body, messages):
    before = snapshot(patched)
    assert_messages(send(client, "PATCH", URL + "/r1", body), messages)
    assert snapshot(patched) == before


def test_patch_applies_the_schema(client, make_data_set):
    schema = {"properties": {"count": {"type": "integer"}}}
    data_set, _ = make_data_set(schema=schema)
    assert_ok(post(client, [rec(_id="r1", count=1)]))
    assert_messages(
        send(client, "PATCH", URL + "/r1", {"count": "x"}), ["'x' is not of type 'integer'"]
    )
    assert by_id(data_set, "r1").data["count"] == 1


@pytest.mark.parametrize("body", [[], [{"a_field": 1}], '"x"', 1])
def test_patch_body_must_be_an_object(client, patched, body):
    before = snapshot(patched)
    response = send(client, "PATCH", URL + "/r1", body)
    assert_error(response, 400, "A PATCH body must be a JSON object of the fields to change")
    assert snapshot(patched) == before


def test_patch_body_rules(client, patched):
    assert_error(send(client, "PATCH", URL + "/r1", b""), 400, ZERO_BYTES)
    response = send(client, "PATCH", URL + "/r1", {"a_field": 1}, content_type="text/plain")
    assert_error(response, 400, CONTENT_TYPE_MESSAGE)
    response = send(client, "PATCH", URL + "/r1", b"{x")
    assert response.status_code == 400
    assert response.json()["message"].startswith("Error parsing JSON: ")


def test_patch_unknown_id_is_404(client, patched):
    before = snapshot(patched)
    response = send(client, "PATCH", URL + "/nope", {"a_field": 1})
    assert_error(response, 404, "No record found with id nope")
    assert snapshot(patched) == before


def test_patch_keeps_the_url_id_with_auto_ids(client, make_data_set):
    data_set, _ = make_data_set(auto_ids=["key"])
    assert_ok(post(client, [rec(key="k1", num=1)]))
    record_id = b64("k1")
    assert_ok(send(client, "PATCH", f"{URL}/{record_id}", {"key": "k2", "num": 2}))
    row = by_id(data_set, record_id)
    assert (row.data["key"], row.data["num"], row.data["_id"]) == ("k2", 2, record_id)


# --- deprecated POST /<name> ----------------------------------------------------------------


def test_legacy_post_by_name(client, data_set):
    response = send(client, "POST", "/" + NAME, [rec(num=1)])
    assert_ok(response, DEPRECATION)
    assert only_record(data_set)["num"] == 1
    assert WriteAudit.objects.get().action == "append"


def test_legacy_name_is_case_insensitive(client, data_set):
    assert_ok(send(client, "POST", "/Test_Group_Test_Type", [rec()]), DEPRECATION)
    assert len(stored(data_set)) == 1


def test_legacy_unknown_name_is_404(client, data_set):
    response = send(client, "POST", "/no_such_data_set", [rec()])
    assert_error(response, 404, "Could not find data_set_config")


def test_legacy_post_validates_like_the_main_endpoint(client, data_set):
    assert_messages(send(client, "POST", "/" + NAME, [rec(a=1)]), ["a is not a valid key"])
    assert_messages(send(client, "POST", "/" + NAME, [{"num": 1}]), [MISSING_TS])
    assert_ok(send(client, "POST", "/" + NAME, []), DEPRECATION)
    assert stored(data_set) == []


# --- DELETE /data-sets/<name> ---------------------------------------------------------------

ADMIN_TOKEN = "platform-admin-token-0123456789"


def unauthorized_collection(name):
    return f'Unauthorized: invalid or no token given for "{name}".'


@override_settings(DATA_SET_ADMIN_TOKEN="")
@pytest.mark.parametrize("token", [None, "", TOKEN, "anything"])
def test_delete_collection_is_disabled_without_an_admin_token(client, data_set, token):
    assert_ok(post(client, [rec()]))
    response = send(client, "DELETE", "/data-sets/" + NAME, token=token)
    assert_error(response, 401, unauthorized_collection(NAME))
    assert response["WWW-Authenticate"] == "bearer"
    assert len(stored(data_set)) == 1


@override_settings(DATA_SET_ADMIN_TOKEN=ADMIN_TOKEN)
def test_delete_collection_with_the_admin_token(client, data_set):
    assert_ok(post(client, [rec(), rec()]))
    for bad in [None, TOKEN, ADMIN_TOKEN + "x", ADMIN_TOKEN[:-1]]:
        response = send(client, "DELETE", "/data-sets/" + NAME, token=bad)
        assert_error(response, 401, unauthorized_collection(NAME))
        assert response["WWW-Authenticate"] == "bearer"
    response = send(client, "DELETE", "/data-sets/" + NAME, authorization=f"bearer {ADMIN_TOKEN}")
    assert response.status_code == 401
    assert len(stored(data_set)) == 2
    response = send(client, "DELETE", "/data-sets/" + NAME, token=ADMIN_TOKEN)
    assert_ok(response, f"Deleted {NAME}")
    assert stored(data_set) == []
    assert DataSet.objects.filter(pk=data_set.pk).exists()
    audit = WriteAudit.objects.filter(action="empty").get()
    assert (audit.record_count, audit.source, audit.token_label, audit.token) == (
        2,
        "admin-api",
        "",
        None,
    )


@override_settings(DATA_SET_ADMIN_TOKEN=ADMIN_TOKEN)
def test_delete_collection_unknown_name_is_404(client, data_set):
    response = send(client, "DELETE", "/data-sets/no_such", token=ADMIN_TOKEN)
    assert_error(response, 404, 'No collection exists with name "no_such"')


@override_settings(DATA_SET_ADMIN_TOKEN=ADMIN_TOKEN)
def test_delete_collection_checks_the_token_before_the_name(client, data_set):
    response = send(client, "DELETE", "/data-sets/no_such", token="wrong")
    assert_error(response, 401, unauthorized_collection("no_such"))
