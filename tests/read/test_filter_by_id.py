"""``filter_by=_id:…`` reads one record by its id (through the unique index on record
ids), and answers exactly as a filter on any other field would."""

import pytest

from .helpers import http_json, run_paths, write

pytestmark = pytest.mark.django_db

ITEMS = [
    {"_id": "a", "_timestamp": "2013-01-07T00:00:00Z", "kind": "x", "count": 1},
    {"_id": "b", "_timestamp": "2013-01-14T00:00:00Z", "kind": "x", "count": 2},
    {"_id": "true", "_timestamp": "2013-01-21T00:00:00Z", "kind": "y", "count": 3},
]


@pytest.fixture
def data_set(make_data_set):
    ds, _ = make_data_set(group="g", data_type="ids", raw_queries_allowed=True)
    write(ds, ITEMS)
    return ds


def test_an_id_filter_finds_that_record_only(client, data_set):
    data = http_json(client, data_set, {"filter_by": "_id:b"})["data"]
    assert [(r["_id"], r["count"]) for r in data] == [("b", 2)]
    assert run_paths(data_set, {"filter_by": "_id:b"}, rollup=False) == data


def test_an_id_filter_combines_with_other_filters(client, data_set):
    both = {"filter_by": ["_id:a", "kind:x"]}
    assert [r["_id"] for r in http_json(client, data_set, both)["data"]] == ["a"]
    neither = {"filter_by": ["_id:a", "kind:y"]}
    assert http_json(client, data_set, neither)["data"] == []


def test_an_unknown_id_finds_nothing(client, data_set):
    assert http_json(client, data_set, {"filter_by": "_id:zzz"})["data"] == []


def test_an_id_that_reads_as_a_boolean_is_matched_as_the_engine_reads_it(client, data_set):
    # filter_by turns "true" into the JSON true, which no (text) _id equals.
    assert http_json(client, data_set, {"filter_by": "_id:true"})["data"] == []


def test_an_id_filter_in_a_period_query_counts_that_record(client, data_set):
    params = {
        "filter_by": "_id:b",
        "period": "week",
        "collect": "count:sum",
        "start_at": "2013-01-07T00:00:00Z",
        "end_at": "2013-01-28T00:00:00Z",
    }
    data = http_json(client, data_set, params)["data"]
    assert [r["count:sum"] for r in data] == [None, 2, None]
