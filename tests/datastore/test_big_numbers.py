"""Whole numbers beyond what can be stored exactly are refused, wherever they are.

orjson reads a whole number of 2**64 or more (or below -2**63) as a float, so
``10**30 + 1`` arrived as ``1e30`` and was stored without a word, while 2**63 to
2**64 - 1 were refused. Both kinds are now refused alike, naming the field, and a
number written as a float (``1e30``, ``1.0e30``) stays a float.
"""

import json

import pytest

from performance_platform.datastore.models import Record
from performance_platform.datastore.validation import INT64_MAX, INT64_MIN

from .helpers import TS, URL, post, send, snapshot, stored

pytestmark = pytest.mark.django_db

TOO_BIG = [2**63, 2**64 - 1, 2**64, 10**30 + 1, -(2**63) - 1, -(2**64), -(10**30) - 1, 10**100]
FITS = [2**63 - 1, -(2**63), 0, -1, 10**18]


def out_of_range(field: str) -> str:
    return (
        f"{field} is a whole number outside the range {INT64_MIN} to {INT64_MAX}, "
        "so it cannot be stored exactly: send it as text"
    )


def assert_refused(response, messages):
    assert response.status_code == 400, response.content
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"messages": messages}


@pytest.mark.parametrize("value", TOO_BIG)
def test_whole_numbers_that_cannot_be_stored_exactly_are_refused(client, data_set, value):
    before = snapshot(data_set)
    response = post(client, [{"_timestamp": TS, "count": value}])
    assert_refused(response, [out_of_range("count")])
    assert snapshot(data_set) == before


@pytest.mark.parametrize("value", FITS)
def test_whole_numbers_at_the_edges_are_stored_exactly(client, data_set, value):
    response = post(client, [{"_timestamp": TS, "count": value}])
    assert response.status_code == 200, response.content
    (record,) = stored(data_set)
    assert record["count"] == value and isinstance(record["count"], int)


@pytest.mark.parametrize("text", [b"1e30", b"1.0e30", b"-1E+30", b"123456789012345678901234.5"])
def test_huge_numbers_written_as_floats_stay_floats(client, data_set, text):
    body = b'[{"_timestamp": "' + TS.encode() + b'", "count": ' + text + b"}]"
    response = post(client, body)
    assert response.status_code == 200, response.content
    (record,) = stored(data_set)
    assert record["count"] == float(text) and isinstance(record["count"], float)


def test_the_field_is_named_in_a_later_record_of_a_batch(client, data_set):
    items = [{"_timestamp": TS, "a_count": 1}] * 3 + [{"_timestamp": TS, "b_count": 10**30 + 1}]
    response = post(client, items)
    assert_refused(response, [out_of_range("b_count")])
    assert stored(data_set) == []


@pytest.mark.parametrize("nested", [[1, 10**30 + 1], {"inner": 2**64}, [[-(2**63) - 1]]])
def test_in_a_list_or_an_object_the_value_is_refused(client, data_set, nested):
    # Lists and objects are not values a record may hold, whatever is inside them; the
    # point is that nothing inside turns into something else on the way.
    response = post(client, [{"_timestamp": TS, "tags": nested}])
    assert_refused(response, ["tags has an invalid value"])
    assert stored(data_set) == []


def test_a_long_digit_string_in_text_is_kept_as_text(client, data_set):
    # The body is read a second time when it holds 19 digits in a row; text is untouched.
    value = "12345678901234567890123456789"
    response = post(client, [{"_timestamp": TS, "ref": value, "count": 2**63 - 1}])
    assert response.status_code == 200, response.content
    (record,) = stored(data_set)
    assert record["ref"] == value and record["count"] == 2**63 - 1


def test_an_exact_schema_sees_the_exact_number(client, make_data_set):
    schema = {"properties": {"count": {"type": "integer", "maximum": 10**30}}}
    data_set, _ = make_data_set(schema=schema)
    response = post(client, [{"_timestamp": TS, "count": 10**30 + 1}])
    # The schema compares the number sent, not a rounded float (1e30 would pass).
    assert_refused(
        response,
        [f"{10**30 + 1} is greater than the maximum of {10**30}", out_of_range("count")],
    )
    assert stored(data_set) == []


def test_thousands_of_digits_are_refused_not_a_server_error(client, data_set):
    body = b'[{"_timestamp": "' + TS.encode() + b'", "count": ' + b"9" * 5000 + b"}]"
    response = post(client, body)
    assert_refused(response, [out_of_range("count")])
    assert stored(data_set) == []


@pytest.mark.parametrize("value", TOO_BIG)
def test_patch_refuses_them_too(client, data_set, value):
    assert post(client, [{"_id": "r1", "_timestamp": TS, "count": 1}]).status_code == 200
    before = snapshot(data_set)
    response = send(client, "PATCH", URL + "/r1", json.dumps({"count": value}))
    assert_refused(response, [out_of_range("count")])
    assert snapshot(data_set) == before
    assert Record.objects.get(data_set=data_set, record_id="r1").data["count"] == 1


@pytest.mark.parametrize("value", [2**63 - 1, -(2**63)])
def test_patch_stores_the_edges_exactly(client, data_set, value):
    assert post(client, [{"_id": "r1", "_timestamp": TS, "count": 1}]).status_code == 200
    response = send(client, "PATCH", URL + "/r1", json.dumps({"count": value}))
    assert response.status_code == 200, response.content
    assert Record.objects.get(data_set=data_set, record_id="r1").data["count"] == value


def test_deep_nesting_beside_long_digits_is_a_400_not_a_500(client, data_set):
    # orjson accepts 1,024 levels; the exact second reading may not (its depth depends on
    # the stack), and must then refuse the body rather than fail.
    deep = b"[" * 1023 + b"]" * 1023
    body = b'[{"_timestamp": "' + TS.encode() + b'", "ref": 1234567890123456789, "x": ' + deep
    response = post(client, body + b"}]")
    assert response.status_code == 400, response.content
    assert stored(data_set) == []


@pytest.mark.parametrize(
    "tail",
    [
        b', "note": "\\ud800"',  # a lone surrogate, which orjson refuses
        b', "ratio": NaN',
        b', "ratio": 1e400',
        b', "note": "\xff"',  # not UTF-8
    ],
)
def test_the_exact_reading_lets_through_nothing_orjson_refuses(client, data_set, tail):
    # orjson stops at the first number it reads as infinity; what follows it must still
    # be refused as orjson would have refused it.
    body = b'[{"_timestamp": "' + TS.encode() + b'", "count": ' + b"9" * 400 + tail + b"}]"
    response = post(client, body)
    assert response.status_code == 400, response.content
    assert response.json()["status"] == "error"
    assert response.json()["message"].startswith('Error parsing JSON: "')
    assert stored(data_set) == []
