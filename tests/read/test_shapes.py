"""Read API response shapes (reference sections 3.5-3.9), compared as exact JSON.

The ``licensing`` fixture is the equivalent of the reference's ``licensing_2.json``: one
record in the week of 2012-12-03 (Westminster) and four in the week of 2012-12-10
(Camden 1, Westminster 3), laid out so that every verified example in section 3.6
holds. Aggregates are checked over HTTP and through the Python API on the records path
and, where the planner may use it, the daily-rollup path; both must agree.
"""

import csv
import hashlib
import io
import json
from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from performance_platform.datastore.models import DataSet
from performance_platform.datastore.query import parse_query, run_query
from performance_platform.datastore.query.engine import execute
from performance_platform.datastore.read_api import freshness

from .helpers import (
    WRITTEN_AT,
    WRITTEN_AT_ISO,
    error,
    http_get,
    http_json,
    query,
    run_paths,
    url_for,
    write,
)

pytestmark = pytest.mark.django_db

TEN = "Temporary events notice"
CAT = "Cat herding licence"
LICENSING_TOKEN = "licensing-token-0123456789abcdef"
UNPUBLISHED = (
    "Warning: This data-set is unpublished. Data may be subject to change or be inaccurate."
)

LICENSING = [
    {
        "_id": "1",
        "_timestamp": "2012-12-04T10:00:00+00:00",
        "authority": "Westminster",
        "licence_name": TEN,
        "isPaymentRequired": False,
    },
    {
        "_id": "2",
        "_timestamp": "2012-12-11T01:01:01+00:00",
        "authority": "Camden",
        "licence_name": TEN,
        "isPaymentRequired": False,
    },
    {
        "_id": "3",
        "_timestamp": "2012-12-12T01:01:01+00:00",
        "authority": "Westminster",
        "licence_name": CAT,
        "isPaymentRequired": True,
    },
    {
        "_id": "4",
        "_timestamp": "2012-12-13T01:01:01+00:00",
        "authority": "Westminster",
        "licence_name": TEN,
        "isPaymentRequired": False,
    },
    {
        "_id": "5",
        "_timestamp": "2012-12-14T01:01:01+00:00",
        "authority": "Westminster",
        "licence_name": TEN,
        "isPaymentRequired": False,
    },
]

W03, W10, W17, W24 = (f"2012-12-{d:02d}T00:00:00+00:00" for d in (3, 10, 17, 24))
THREE_WEEKS = {
    "period": "week",
    "start_at": "2012-12-03T00:00:00Z",
    "end_at": "2012-12-24T00:00:00Z",
}


def week(start, end, count, **extra):
    return {"_start_at": start, "_end_at": end, "_count": count, **extra}


def stored(_id, ts, hour, day, week_, month, quarter, year, fields, updated=WRITTEN_AT_ISO) -> dict:
    """A stored record as the raw read API returns it (period starts computed by hand)."""
    return {
        "_id": _id,
        "_timestamp": ts,
        **fields,
        "_hour_start_at": hour,
        "_day_start_at": day,
        "_week_start_at": week_,
        "_month_start_at": month,
        "_quarter_start_at": quarter,
        "_year_start_at": year,
        "_updated_at": updated,
    }


@pytest.fixture
def licensing(make_data_set):
    ds, _ = make_data_set(
        "licensing", "applications", token=LICENSING_TOKEN, raw_queries_allowed=True
    )
    write(ds, LICENSING)
    return ds


# The equivalent of the reference's sort_and_limit.json: a "wild" group and a "domestic" one.
ANIMALS = [
    {
        "_id": "a",
        "_timestamp": "2013-01-07T00:00:00Z",
        "type": "wild",
        "name": "aardvark",
        "value": 4,
    },
    {
        "_id": "b",
        "_timestamp": "2013-01-08T09:30:00Z",
        "type": "wild",
        "name": "buffalo",
        "value": 7,
    },
    {
        "_id": "c",
        "_timestamp": "2013-01-09T23:59:59Z",
        "type": "domestic",
        "name": "cat",
        "value": 2,
    },
    {
        "_id": "e",
        "_timestamp": "2013-01-15T00:00:00Z",
        "type": "wild",
        "name": "elephant",
        "value": 8,
    },
    {"_id": "f", "_timestamp": "2013-01-16T12:00:00Z", "type": "wild", "name": "frog", "value": 8},
    {
        "_id": "d",
        "_timestamp": "2013-01-22T06:00:00Z",
        "type": "domestic",
        "name": "dog",
        "value": 5,
    },
]


@pytest.fixture
def animals(make_data_set):
    ds, _ = make_data_set("sort", "limit", token=None, raw_queries_allowed=True)
    write(ds, ANIMALS)
    return ds


# --- raw ----------------------------------------------------------------------------------


def test_raw_returns_records_verbatim_in_insertion_order(client, licensing):
    def rec(_id, ts, hour, day, wk, authority, licence, paid):
        fields = {"authority": authority, "licence_name": licence, "isPaymentRequired": paid}
        return stored(
            _id,
            ts,
            hour,
            day,
            wk,
            "2012-12-01T00:00:00+00:00",
            "2012-10-01T00:00:00+00:00",
            "2012-01-01T00:00:00+00:00",
            fields,
        )

    expected = [
        rec(
            "1",
            "2012-12-04T10:00:00+00:00",
            "2012-12-04T10:00:00+00:00",
            "2012-12-04T00:00:00+00:00",
            W03,
            "Westminster",
            TEN,
            False,
        ),
        rec(
            "2",
            "2012-12-11T01:01:01+00:00",
            "2012-12-11T01:00:00+00:00",
            "2012-12-11T00:00:00+00:00",
            W10,
            "Camden",
            TEN,
            False,
        ),
        rec(
            "3",
            "2012-12-12T01:01:01+00:00",
            "2012-12-12T01:00:00+00:00",
            "2012-12-12T00:00:00+00:00",
            W10,
            "Westminster",
            CAT,
            True,
        ),
        rec(
            "4",
            "2012-12-13T01:01:01+00:00",
            "2012-12-13T01:00:00+00:00",
            "2012-12-13T00:00:00+00:00",
            W10,
            "Westminster",
            TEN,
            False,
        ),
        rec(
            "5",
            "2012-12-14T01:01:01+00:00",
            "2012-12-14T01:00:00+00:00",
            "2012-12-14T00:00:00+00:00",
            W10,
            "Westminster",
            TEN,
            False,
        ),
    ]
    assert http_json(client, licensing) == {"data": expected}
    assert run_paths(licensing, {}, rollup=False) == expected
    # The time filter is on _timestamp: start inclusive, end exclusive.
    body = http_json(
        client,
        licensing,
        {"start_at": "2012-12-11T01:01:01Z", "end_at": "2012-12-13T01:01:01Z"},
    )
    assert body == {"data": expected[1:3]}
    assert http_json(client, licensing, {"limit": "2"}) == {"data": expected[:2]}
    assert http_json(client, licensing, {"limit": "0"}) == {"data": expected}


def test_raw_time_range_converts_offsets_to_utc(client, licensing):
    # 2012-12-11T02:01:01+01:00 is 01:01:01 UTC: record 2 is at the start (included).
    body = http_json(
        client,
        licensing,
        {"start_at": "2012-12-11T02:01:01+01:00", "end_at": "2012-12-12T02:01:01+0100"},
    )
    assert [r["_id"] for r in body["data"]] == ["2"]


# --- group_by -----------------------------------------------------------------------------


def test_group_by_one_field(client, licensing):
    data = query(client, licensing, {"group_by": "authority"}, rollup=True)
    assert data == [{"_count": 1, "authority": "Camden"}, {"_count": 4, "authority": "Westminster"}]


def test_group_by_two_fields_one_row_per_existing_combination(client, licensing):
    expected = [
        {"_count": 1, "authority": "Camden", "licence_name": TEN},
        {"_count": 1, "authority": "Westminster", "licence_name": CAT},
        {"_count": 3, "authority": "Westminster", "licence_name": TEN},
    ]
    params = {"group_by": ["authority", "licence_name"]}
    assert query(client, licensing, params, rollup=True) == expected
    assert query(client, licensing, {**params, "flatten": "true"}, rollup=True) == expected
    # The order of the group_by values decides the key order of the sort.
    swapped = query(client, licensing, {"group_by": ["licence_name", "authority"]}, rollup=True)
    assert swapped == [
        {"_count": 1, "authority": "Westminster", "licence_name": CAT},
        {"_count": 1, "authority": "Camden", "licence_name": TEN},
        {"_count": 3, "authority": "Westminster", "licence_name": TEN},
    ]


def test_group_by_with_time_range(client, licensing):
    params = {
        "group_by": "authority",
        "start_at": "2012-12-10T00:00:00Z",
        "end_at": "2012-12-17T00:00:00Z",
    }
    assert query(client, licensing, params, rollup=True) == [
        {"_count": 1, "authority": "Camden"},
        {"_count": 3, "authority": "Westminster"},
    ]


def test_group_by_skips_records_without_the_field_and_groups_null(client, make_data_set):
    ds, _ = make_data_set("nulls", "groups", token=None)
    write(
        ds,
        [
            {"_timestamp": "2013-01-01T00:00:00Z", "region": "north", "kind": "a"},
            {"_timestamp": "2013-01-02T00:00:00Z", "region": None, "kind": "a"},
            {"_timestamp": "2013-01-03T00:00:00Z", "region": None, "kind": "b"},
            {"_timestamp": "2013-01-04T00:00:00Z", "kind": "b"},
            {"_timestamp": "2013-01-05T00:00:00Z", "region": "north"},
        ],
    )
    assert query(client, ds, {"group_by": "region"}, rollup=True) == [
        {"_count": 2, "region": "north"},
        {"_count": 2, "region": None},
    ]
    assert query(client, ds, {"group_by": ["region", "kind"]}, rollup=True) == [
        {"_count": 1, "kind": "a", "region": "north"},
        {"_count": 1, "kind": "a", "region": None},
        {"_count": 1, "kind": "b", "region": None},
    ]


def test_group_values_of_mixed_types_sort_numbers_text_booleans_null(client, make_data_set):
    ds, _ = make_data_set("mixed", "groups", token=None)
    values = ["b", 10, True, None, 2, "A", False, 2.5]
    write(ds, [{"_timestamp": "2013-01-01T00:00:00Z", "key": v} for v in values])
    data = query(client, ds, {"group_by": "key"}, rollup=False)
    assert [row["key"] for row in data] == [2, 2.5, 10, "A", "b", False, True, None]
    assert all(row["_count"] == 1 for row in data)


# --- period -------------------------------------------------------------------------------


PERIOD_ONLY = [week(W03, W10, 1), week(W10, W17, 4), week(W17, W24, 0)]


def test_period_only_zero_fills(client, licensing):
    assert query(client, licensing, THREE_WEEKS, rollup=True) == PERIOD_ONLY
    flat = query(client, licensing, {**THREE_WEEKS, "flatten": "true"}, rollup=True)
    assert flat == PERIOD_ONLY


def test_period_with_group_by_nested(client, licensing):
    params = {**THREE_WEEKS, "group_by": "authority"}
    assert query(client, licensing, params, rollup=True) == [
        {
            "_count": 1,
            "_group_count": 1,
            "authority": "Camden",
            "values": [week(W03, W10, 0), week(W10, W17, 1), week(W17, W24, 0)],
        },
        {
            "_count": 4,
            "_group_count": 2,
            "authority": "Westminster",
            "values": [week(W03, W10, 1), week(W10, W17, 3), week(W17, W24, 0)],
        },
    ]


def test_period_with_two_group_by_fields_nested(client, licensing):
    params = {**THREE_WEEKS, "group_by": ["authority", "licence_name"]}
    assert query(client, licensing, params, rollup=True) == [
        {
            "_count": 1,
            "_group_count": 1,
            "authority": "Camden",
            "licence_name": TEN,
            "values": [week(W03, W10, 0), week(W10, W17, 1), week(W17, W24, 0)],
        },
        {
            "_count": 1,
            "_group_count": 1,
            "authority": "Westminster",
            "licence_name": CAT,
            "values": [week(W03, W10, 0), week(W10, W17, 1), week(W17, W24, 0)],
        },
        {
            "_count": 3,
            "_group_count": 2,
            "authority": "Westminster",
            "licence_name": TEN,
            "values": [week(W03, W10, 1), week(W10, W17, 2), week(W17, W24, 0)],
        },
    ]


def test_period_with_group_by_flat_is_the_cartesian_product(client, licensing):
    params = {**THREE_WEEKS, "group_by": ["authority", "licence_name"], "flatten": "true"}
    rows = []
    counts = {
        W03: {("Westminster", TEN): 1},
        W10: {("Camden", TEN): 1, ("Westminster", CAT): 1, ("Westminster", TEN): 2},
        W17: {},
    }
    ends = {W03: W10, W10: W17, W17: W24}
    for start in (W03, W10, W17):
        # Camden never had a Cat herding licence: the combination still gets rows.
        for authority, licence in (
            ("Camden", CAT),
            ("Camden", TEN),
            ("Westminster", CAT),
            ("Westminster", TEN),
        ):
            rows.append(
                {
                    "authority": authority,
                    "licence_name": licence,
                    "_start_at": start,
                    "_end_at": ends[start],
                    "_count": counts[start].get((authority, licence), 0),
                }
            )
    data = query(client, licensing, params, rollup=True)
    assert len(data) == 12
    assert data == rows


def test_period_with_one_group_by_flat(client, licensing):
    params = {**THREE_WEEKS, "group_by": "authority", "flatten": "true"}
    assert query(client, licensing, params, rollup=True) == [
        {"authority": "Camden", "_start_at": W03, "_end_at": W10, "_count": 0},
        {"authority": "Westminster", "_start_at": W03, "_end_at": W10, "_count": 1},
        {"authority": "Camden", "_start_at": W10, "_end_at": W17, "_count": 1},
        {"authority": "Westminster", "_start_at": W10, "_end_at": W17, "_count": 3},
        {"authority": "Camden", "_start_at": W17, "_end_at": W24, "_count": 0},
        {"authority": "Westminster", "_start_at": W17, "_end_at": W24, "_count": 0},
    ]


def test_period_calendar_months_quarters_years(client, licensing):
    months = {
        "period": "month",
        "start_at": "2012-10-01T00:00:00Z",
        "end_at": "2013-01-01T00:00:00Z",
    }
    assert query(client, licensing, months, rollup=True) == [
        week("2012-10-01T00:00:00+00:00", "2012-11-01T00:00:00+00:00", 0),
        week("2012-11-01T00:00:00+00:00", "2012-12-01T00:00:00+00:00", 0),
        week("2012-12-01T00:00:00+00:00", "2013-01-01T00:00:00+00:00", 5),
    ]
    quarters = {
        "period": "quarter",
        "start_at": "2012-07-01T00:00:00Z",
        "end_at": "2013-04-01T00:00:00Z",
    }
    assert query(client, licensing, quarters, rollup=True) == [
        week("2012-07-01T00:00:00+00:00", "2012-10-01T00:00:00+00:00", 0),
        week("2012-10-01T00:00:00+00:00", "2013-01-01T00:00:00+00:00", 5),
        week("2013-01-01T00:00:00+00:00", "2013-04-01T00:00:00+00:00", 0),
    ]
    years = {"period": "year", "start_at": "2012-01-01T00:00:00Z", "end_at": "2014-01-01T00:00:00Z"}
    assert query(client, licensing, years, rollup=True) == [
        week("2012-01-01T00:00:00+00:00", "2013-01-01T00:00:00+00:00", 5),
        week("2013-01-01T00:00:00+00:00", "2014-01-01T00:00:00+00:00", 0),
    ]
    days = {"period": "day", "start_at": "2012-12-10T00:00:00Z", "end_at": "2012-12-13T00:00:00Z"}
    assert query(client, licensing, days, rollup=True) == [
        week("2012-12-10T00:00:00+00:00", "2012-12-11T00:00:00+00:00", 0),
        week("2012-12-11T00:00:00+00:00", "2012-12-12T00:00:00+00:00", 1),
        week("2012-12-12T00:00:00+00:00", "2012-12-13T00:00:00+00:00", 1),
    ]


def test_week_buckets_start_on_monday(client, make_data_set):
    ds, _ = make_data_set("weeks", "monday", token=None)
    write(
        ds,
        [
            {"_timestamp": "2013-01-06T23:59:59Z", "day_name": "sunday"},  # the week of Mon 12-31
            {"_timestamp": "2013-01-07T00:00:00Z", "day_name": "monday"},
            {"_timestamp": "2013-01-13T23:59:59Z", "day_name": "sunday"},
        ],
    )
    params = {
        "period": "week",
        "start_at": "2012-12-31T00:00:00Z",
        "end_at": "2013-01-14T00:00:00Z",
    }
    assert query(client, ds, params, rollup=True) == [
        week("2012-12-31T00:00:00+00:00", "2013-01-07T00:00:00+00:00", 1),
        week("2013-01-07T00:00:00+00:00", "2013-01-14T00:00:00+00:00", 2),
    ]


# --- collect ------------------------------------------------------------------------------


def test_collect_every_method(client, animals):
    params = {
        "group_by": "type",
        "collect": ["value:sum", "value:mean", "value:count", "value:set", "name"],
    }
    assert query(client, animals, params, rollup=False) == [
        {
            "_count": 2,
            "type": "domestic",
            "value:sum": 7,
            "value:mean": 3.5,
            "value:count": 2,
            "value:set": [2, 5],
            "name": ["cat", "dog"],
            "name:set": ["cat", "dog"],
        },
        {
            "_count": 4,
            "type": "wild",
            "value:sum": 27,
            "value:mean": 6.75,
            "value:count": 4,
            "value:set": [4, 7, 8],
            "name": ["aardvark", "buffalo", "elephant", "frog"],
            "name:set": ["aardvark", "buffalo", "elephant", "frog"],
        },
    ]


def test_collect_sum_and_mean_use_the_rollup(client, animals):
    params = {"group_by": "type", "collect": ["value:sum", "value:mean"]}
    assert query(client, animals, params, rollup=True) == [
        {"_count": 2, "type": "domestic", "value:sum": 7, "value:mean": 3.5},
        {"_count": 4, "type": "wild", "value:sum": 27, "value:mean": 6.75},
    ]


def test_collect_default_and_set_together(client, animals):
    params = {"group_by": "type", "collect": ["name", "name:set"], "filter_by": "type:domestic"}
    assert query(client, animals, params, rollup=False) == [
        {"_count": 2, "type": "domestic", "name": ["cat", "dog"], "name:set": ["cat", "dog"]}
    ]


def test_collect_with_period_only_and_gap_filled_nulls(client, animals):
    params = {
        "period": "week",
        "start_at": "2013-01-07T00:00:00Z",
        "end_at": "2013-02-04T00:00:00Z",
        "collect": ["value:sum", "value:mean"],
    }
    expected = [
        week(
            "2013-01-07T00:00:00+00:00",
            "2013-01-14T00:00:00+00:00",
            3,
            **{"value:sum": 13, "value:mean": 13 / 3},
        ),
        week(
            "2013-01-14T00:00:00+00:00",
            "2013-01-21T00:00:00+00:00",
            2,
            **{"value:sum": 16, "value:mean": 8.0},
        ),
        week(
            "2013-01-21T00:00:00+00:00",
            "2013-01-28T00:00:00+00:00",
            1,
            **{"value:sum": 5, "value:mean": 5.0},
        ),
        week(
            "2013-01-28T00:00:00+00:00",
            "2013-02-04T00:00:00+00:00",
            0,
            **{"value:sum": None, "value:mean": None},
        ),
    ]
    assert query(client, animals, params, rollup=True) == expected
    counted = {**params, "collect": ["value:count", "name"]}
    assert query(client, animals, counted, rollup=False) == [
        week(
            "2013-01-07T00:00:00+00:00",
            "2013-01-14T00:00:00+00:00",
            3,
            **{
                "value:count": 3,
                "name": ["aardvark", "buffalo", "cat"],
                "name:set": ["aardvark", "buffalo", "cat"],
            },
        ),
        week(
            "2013-01-14T00:00:00+00:00",
            "2013-01-21T00:00:00+00:00",
            2,
            **{"value:count": 2, "name": ["elephant", "frog"], "name:set": ["elephant", "frog"]},
        ),
        week(
            "2013-01-21T00:00:00+00:00",
            "2013-01-28T00:00:00+00:00",
            1,
            **{"value:count": 1, "name": ["dog"], "name:set": ["dog"]},
        ),
        # A filled row: the collect keys are null and there is no bare "name" key.
        week(
            "2013-01-28T00:00:00+00:00",
            "2013-02-04T00:00:00+00:00",
            0,
            **{"value:count": None, "name:set": None},
        ),
    ]


def test_collect_in_period_and_group_nested_and_flat(client, animals):
    base = {
        "period": "week",
        "start_at": "2013-01-07T00:00:00Z",
        "end_at": "2013-01-28T00:00:00Z",
        "group_by": "type",
        "collect": "value:sum",
    }
    j7, j14, j21, j28 = (f"2013-01-{d:02d}T00:00:00+00:00" for d in (7, 14, 21, 28))
    assert query(client, animals, base, rollup=True) == [
        {
            "_count": 2,
            "_group_count": 2,
            "type": "domestic",
            "value:sum": 7,
            "values": [
                week(j7, j14, 1, **{"value:sum": 2}),
                week(j14, j21, 0, **{"value:sum": None}),
                week(j21, j28, 1, **{"value:sum": 5}),
            ],
        },
        {
            "_count": 4,
            "_group_count": 2,
            "type": "wild",
            "value:sum": 27,
            "values": [
                week(j7, j14, 2, **{"value:sum": 11}),
                week(j14, j21, 2, **{"value:sum": 16}),
                week(j21, j28, 0, **{"value:sum": None}),
            ],
        },
    ]
    flat = query(client, animals, {**base, "flatten": "true", "collect": "name"}, rollup=False)
    assert flat == [
        {"type": "domestic", **week(j7, j14, 1, **{"name": ["cat"], "name:set": ["cat"]})},
        {
            "type": "wild",
            **week(
                j7, j14, 2, **{"name": ["aardvark", "buffalo"], "name:set": ["aardvark", "buffalo"]}
            ),
        },
        {"type": "domestic", **week(j14, j21, 0, **{"name:set": None})},
        {
            "type": "wild",
            **week(j14, j21, 2, **{"name": ["elephant", "frog"], "name:set": ["elephant", "frog"]}),
        },
        {"type": "domestic", **week(j21, j28, 1, **{"name": ["dog"], "name:set": ["dog"]})},
        {"type": "wild", **week(j21, j28, 0, **{"name:set": None})},
    ]


def test_collect_booleans(client, licensing):
    params = {"group_by": "authority", "collect": "isPaymentRequired"}
    assert query(client, licensing, params, rollup=False) == [
        {
            "_count": 1,
            "authority": "Camden",
            "isPaymentRequired": [False],
            "isPaymentRequired:set": [False],
        },
        {
            "_count": 4,
            "authority": "Westminster",
            "isPaymentRequired": [False, True],
            "isPaymentRequired:set": [False, True],
        },
    ]


def test_collect_skips_missing_and_null_values(client, make_data_set):
    ds, _ = make_data_set("gaps", "values", token=None)
    write(
        ds,
        [
            {"_timestamp": "2013-01-01T00:00:00Z", "kind": "x", "value": 3},
            {"_timestamp": "2013-01-02T00:00:00Z", "kind": "x", "value": None},
            {"_timestamp": "2013-01-03T00:00:00Z", "kind": "x"},
            {"_timestamp": "2013-01-04T00:00:00Z", "kind": "x", "value": 6},
            {"_timestamp": "2013-01-05T00:00:00Z", "kind": "y"},
            {"_timestamp": "2013-01-06T00:00:00Z", "kind": "y", "value": None},
        ],
    )
    params = {
        "group_by": "kind",
        "collect": ["value:sum", "value:mean", "value:count", "value:set"],
    }
    assert query(client, ds, params, rollup=False) == [
        {
            "_count": 4,
            "kind": "x",
            "value:sum": 9,
            "value:mean": 4.5,
            "value:count": 2,
            "value:set": [3, 6],
        },
        # No numbers at all: sum and mean are null, not an error.
        {
            "_count": 2,
            "kind": "y",
            "value:sum": None,
            "value:mean": None,
            "value:count": 0,
            "value:set": [],
        },
    ]
    # Sum and mean alone come from the rollup (value held numbers and nulls, never text).
    only_sums = {"group_by": "kind", "collect": ["value:sum", "value:mean"]}
    assert query(client, ds, only_sums, rollup=True) == [
        {"_count": 4, "kind": "x", "value:sum": 9, "value:mean": 4.5},
        {"_count": 2, "kind": "y", "value:sum": None, "value:mean": None},
    ]


def test_collect_sum_of_missing_field_via_rollup_is_null(client, animals):
    params = {"group_by": "type", "collect": ["weight:sum", "value:mean"]}
    assert query(client, animals, params, rollup=True) == [
        {"_count": 2, "type": "domestic", "weight:sum": None, "value:mean": 3.5},
        {"_count": 4, "type": "wild", "weight:sum": None, "value:mean": 6.75},
    ]


def test_collect_floats(client, make_data_set):
    ds, _ = make_data_set("floats", "values", token=None)
    write(
        ds,
        [
            {"_timestamp": "2013-01-01T00:00:00Z", "kind": "x", "value": 0.5},
            {"_timestamp": "2013-01-02T00:00:00Z", "kind": "x", "value": 2},
            {"_timestamp": "2013-01-02T10:00:00Z", "kind": "x", "value": 0.25},
        ],
    )
    params = {"group_by": "kind", "collect": ["value:sum", "value:mean"]}
    assert query(client, ds, params, rollup=True) == [
        {"_count": 3, "kind": "x", "value:sum": 2.75, "value:mean": 2.75 / 3}
    ]


@pytest.mark.parametrize("method", ["sum", "mean"])
@pytest.mark.parametrize("bad", ["text", True], ids=["text", "boolean"])
def test_sum_or_mean_of_non_numbers_is_invalid(client, make_data_set, method, bad):
    ds, _ = make_data_set("bad", "collect", token=None)
    write(
        ds,
        [
            {"_timestamp": "2013-01-01T00:00:00Z", "kind": "x", "value": 1},
            {"_timestamp": "2013-01-02T00:00:00Z", "kind": "x", "value": bad},
        ],
    )
    for params in (
        {"group_by": "kind", "collect": f"value:{method}"},
        {
            "period": "day",
            "start_at": "2013-01-01T00:00:00Z",
            "end_at": "2013-01-08T00:00:00Z",
            "collect": f"value:{method}",
        },
    ):
        assert error(client, ds, params) == {
            "status": "error",
            "message": "invalid collect function",
            "parameter": "collect",
        }
    # Count and set still work on mixed values.
    assert query(client, ds, {"group_by": "kind", "collect": "value:set"}, rollup=False) == [
        {"_count": 2, "kind": "x", "value:set": [1, bad]}
    ]


# --- sort_by and limit ------------------------------------------------------------------------


def test_sort_and_limit_grouped_results(client, animals):
    def types(params, rollup=True):
        return [(r["type"], r["_count"]) for r in query(client, animals, params, rollup=rollup)]

    assert types({"group_by": "type"}) == [("domestic", 2), ("wild", 4)]
    assert types({"group_by": "type", "sort_by": "type:descending"}) == [
        ("wild", 4),
        ("domestic", 2),
    ]
    assert types({"group_by": "type", "sort_by": "_count:descending"}) == [
        ("wild", 4),
        ("domestic", 2),
    ]
    assert types({"group_by": "type", "sort_by": "_count:ascending", "limit": "1"}) == [
        ("domestic", 2)
    ]
    assert types({"group_by": "type", "sort_by": "_count:descending", "limit": "1"}) == [
        ("wild", 4)
    ]
    assert types({"group_by": "type", "limit": "5"}) == [("domestic", 2), ("wild", 4)]
    # A computed key can be sorted by: the split is at the last colon.
    by_sum = {"group_by": "type", "collect": "value:sum", "sort_by": "value:sum:descending"}
    assert query(client, animals, by_sum, rollup=True) == [
        {"_count": 4, "type": "wild", "value:sum": 27},
        {"_count": 2, "type": "domestic", "value:sum": 7},
    ]
    assert query(
        client, animals, {**by_sum, "limit": "1", "sort_by": "value:sum:ascending"}, rollup=True
    ) == [{"_count": 2, "type": "domestic", "value:sum": 7}]
    # Sorting by a key the rows do not have keeps the group order (stable) and is no error.
    assert types({"group_by": "type", "sort_by": "nothing:descending"}) == [
        ("domestic", 2),
        ("wild", 4),
    ]


def test_sort_and_limit_period_and_group(client, animals):
    params = {
        "period": "week",
        "start_at": "2013-01-07T00:00:00Z",
        "end_at": "2013-01-21T00:00:00Z",
        "group_by": "type",
        "sort_by": "_count:descending",
        "limit": "1",
    }
    j7, j14, j21 = (f"2013-01-{d:02d}T00:00:00+00:00" for d in (7, 14, 21))
    assert query(client, animals, params, rollup=True) == [
        {
            "_count": 4,
            "_group_count": 2,
            "type": "wild",
            "values": [week(j7, j14, 2), week(j14, j21, 2)],
        }
    ]


@pytest.fixture
def sortable(make_data_set):
    ds, _ = make_data_set("sorting", "raw", token=None, raw_queries_allowed=True)
    values = [10, 100, "abc", 20, None, 3, True, "Abc", "missing", 2.5, False, None]
    items = []
    for i, value in enumerate(values):
        item = {"_id": f"r{i:02d}", "_timestamp": f"2013-01-{i + 1:02d}T00:00:00Z"}
        if value != "missing":
            item["num"] = value
        items.append(item)
    write(ds, items)
    return ds


def test_raw_sort_numbers_as_numbers_then_text_booleans_null(client, sortable):
    body = http_json(client, sortable, {"sort_by": "num:ascending"})
    got = [(r["_id"], r.get("num", "missing")) for r in body["data"]]
    assert got == [
        ("r09", 2.5),
        ("r05", 3),
        ("r00", 10),
        ("r03", 20),
        ("r01", 100),
        ("r07", "Abc"),
        ("r02", "abc"),
        ("r10", False),
        ("r06", True),
        # null and missing alike come last, in storage order
        ("r04", None),
        ("r08", "missing"),
        ("r11", None),
    ]
    body = http_json(client, sortable, {"sort_by": "num:descending"})
    got = [(r["_id"], r.get("num", "missing")) for r in body["data"]]
    assert got == [
        ("r11", None),
        ("r08", "missing"),
        ("r04", None),
        ("r06", True),
        ("r10", False),
        ("r02", "abc"),
        ("r07", "Abc"),
        ("r01", 100),
        ("r03", 20),
        ("r00", 10),
        ("r05", 3),
        ("r09", 2.5),
    ]
    limited = http_json(client, sortable, {"sort_by": "num:descending", "limit": "3"})
    assert [r["_id"] for r in limited["data"]] == ["r11", "r08", "r04"]


def test_raw_sort_ten_hundred_twenty_three(client, make_data_set):
    ds, _ = make_data_set("sorting", "numbers", token=None, raw_queries_allowed=True)
    write(ds, [{"_timestamp": "2013-01-01T00:00:00Z", "num": n} for n in (10, 100, 20, 3)])
    up = http_json(client, ds, {"sort_by": "num:ascending"})["data"]
    assert [r["num"] for r in up] == [3, 10, 20, 100]
    down = http_json(client, ds, {"sort_by": "num:descending"})["data"]
    assert [r["num"] for r in down] == [100, 20, 10, 3]


def test_raw_sort_by_internal_fields(client, sortable):
    by_ts = http_json(client, sortable, {"sort_by": "_timestamp:descending", "limit": "2"})
    assert [r["_id"] for r in by_ts["data"]] == ["r11", "r10"]
    by_id = http_json(client, sortable, {"sort_by": "_id:descending", "limit": "2"})
    assert [r["_id"] for r in by_id["data"]] == ["r11", "r10"]


# --- filters ---------------------------------------------------------------------------------


@pytest.fixture
def filterable(make_data_set):
    ds, _ = make_data_set("filter", "things", token=None, raw_queries_allowed=True)
    write(
        ds,
        [
            {
                "_id": "num",
                "_timestamp": "2013-01-01T00:00:00Z",
                "value": 8,
                "flag": True,
                "kind": "a",
            },
            {
                "_id": "str",
                "_timestamp": "2013-01-02T00:00:00Z",
                "value": "8",
                "flag": "true",
                "kind": "a",
            },
            {
                "_id": "no",
                "_timestamp": "2013-01-03T00:00:00Z",
                "value": "9",
                "flag": False,
                "kind": "b",
            },
        ],
    )
    return ds


def test_filter_by_values_are_strings_or_booleans(client, filterable):
    def ids(params):
        return [r["_id"] for r in http_json(client, filterable, params)["data"]]

    assert ids({"filter_by": "value:8"}) == ["str"]
    assert ids({"filter_by": "flag:true"}) == ["num"]
    assert ids({"filter_by": "flag:false"}) == ["no"]
    assert ids({"filter_by": "kind:a"}) == ["num", "str"]
    assert ids({"filter_by": ["kind:a", "value:8"]}) == ["str"]
    assert ids({"filter_by": ["kind:b", "value:8"]}) == []
    assert ids({"filter_by": "kind:A"}) == []
    # Split at the first colon: the value may contain colons.
    assert ids({"filter_by": "kind:a:b"}) == []


def test_filter_by_with_group_by(client, filterable, licensing):
    assert query(
        client, filterable, {"group_by": "kind", "filter_by": "value:8"}, rollup=False
    ) == [{"_count": 1, "kind": "a"}]
    assert query(
        client, filterable, {"group_by": "kind", "filter_by": "flag:true"}, rollup=True
    ) == [{"_count": 1, "kind": "a"}]
    params = {"group_by": "licence_name", "filter_by": "authority:Westminster"}
    assert query(client, licensing, params, rollup=True) == [
        {"_count": 1, "licence_name": CAT},
        {"_count": 3, "licence_name": TEN},
    ]
    params = {**THREE_WEEKS, "filter_by": "isPaymentRequired:true"}
    assert query(client, licensing, params, rollup=True) == [
        week(W03, W10, 0),
        week(W10, W17, 1),
        week(W17, W24, 0),
    ]


def test_filter_by_prefix(client, licensing):
    def authorities(params):
        return query(client, licensing, {"group_by": "authority", **params}, rollup=False)

    assert authorities({"filter_by_prefix": "authority:West"}) == [
        {"_count": 4, "authority": "Westminster"}
    ]
    assert authorities({"filter_by_prefix": "authority:C"}) == [
        {"_count": 1, "authority": "Camden"}
    ]
    # Not a regular expression, not a LIKE pattern, and case-sensitive.
    assert authorities({"filter_by_prefix": "authority:.*"}) == []
    assert authorities({"filter_by_prefix": "authority:%"}) == []
    assert authorities({"filter_by_prefix": "authority:_amden"}) == []
    assert authorities({"filter_by_prefix": "authority:west"}) == []
    assert authorities({"filter_by_prefix": ["authority:W", "licence_name:Cat"]}) == [
        {"_count": 1, "authority": "Westminster"}
    ]
    raw = http_json(client, licensing, {"filter_by_prefix": "licence_name:Temp"})["data"]
    assert [r["_id"] for r in raw] == ["1", "2", "4", "5"]


def test_filter_by_prefix_matches_text_only(client, filterable):
    raw = http_json(client, filterable, {"filter_by_prefix": "value:8"})["data"]
    assert [r["_id"] for r in raw] == ["str"]
    raw = http_json(client, filterable, {"filter_by_prefix": "flag:tr"})["data"]
    assert [r["_id"] for r in raw] == ["str"]


# --- relative ranges ------------------------------------------------------------------------


def at(*args):
    return datetime(*args, tzinfo=UTC)


def test_duration_forward_backward_and_from_now(licensing):
    two = [week(W03, W10, 1), week(W10, W17, 4)]
    forward = {"period": "week", "duration": "2", "start_at": "2012-12-03T00:00:00Z"}
    assert run_paths(licensing, forward, rollup=True) == two
    # start_at inside a week: the window starts at that week's Monday.
    mid = {"period": "week", "duration": "2", "start_at": "2012-12-05T00:00:00Z"}
    assert run_paths(licensing, mid, rollup=True) == two
    backward = {"period": "week", "duration": "2", "end_at": "2012-12-17T00:00:00Z"}
    assert run_paths(licensing, backward, rollup=True) == two
    # end_at inside a week: the window ends at that week's Monday.
    inside = {"period": "week", "duration": "2", "end_at": "2012-12-19T12:00:00Z"}
    assert run_paths(licensing, inside, rollup=True) == two
    from_now = {"period": "week", "duration": "2"}
    assert run_paths(licensing, from_now, rollup=True, now=at(2012, 12, 19, 15)) == two
    assert run_paths(licensing, from_now, rollup=True, now=at(2012, 12, 17)) == two
    # The current, incomplete week is excluded.
    assert run_paths(licensing, from_now, rollup=True, now=at(2012, 12, 16, 23, 59, 59)) == [
        week("2012-11-26T00:00:00+00:00", W03, 0),
        week(W03, W10, 1),
    ]
    grouped = {"period": "week", "duration": "1", "group_by": "authority"}
    assert run_paths(licensing, grouped, rollup=True, now=at(2012, 12, 17, 9)) == [
        {"_count": 1, "_group_count": 1, "authority": "Camden", "values": [week(W10, W17, 1)]},
        {"_count": 3, "_group_count": 1, "authority": "Westminster", "values": [week(W10, W17, 3)]},
    ]


def test_duration_over_http_equals_the_python_api(client, licensing):
    params = {"period": "week", "duration": "2", "start_at": "2012-12-03T00:00:00Z"}
    assert http_json(client, licensing, params) == run_query(licensing, params)
    assert run_query(licensing, params)["data"] == [week(W03, W10, 1), week(W10, W17, 4)]


def test_shift_forward_toward_data(licensing):
    params = {"start_at": "2012-11-05T00:00:00Z", "duration": "10", "period": "week"}
    data = run_paths(licensing, params, rollup=True)
    starts = [datetime(2012, 12, 3, tzinfo=UTC) + timedelta(weeks=i) for i in range(11)]
    iso = [s.isoformat() for s in starts]
    assert data == [week(iso[i], iso[i + 1], {0: 1, 1: 4}.get(i, 0)) for i in range(10)]
    assert data[0] == week(W03, W10, 1)
    assert data[1] == week(W10, W17, 4)
    assert data[2] == week(W17, W24, 0)


def test_shift_backward_toward_data(licensing):
    params = {"end_at": "2013-02-04T00:00:00Z", "duration": "10", "period": "week"}
    data = run_paths(licensing, params, rollup=True)
    starts = [datetime(2012, 10, 8, tzinfo=UTC) + timedelta(weeks=i) for i in range(11)]
    iso = [s.isoformat() for s in starts]
    assert data == [week(iso[i], iso[i + 1], {8: 1, 9: 4}.get(i, 0)) for i in range(10)]
    assert data[7] == week("2012-11-26T00:00:00+00:00", W03, 0)
    assert data[8] == week(W03, W10, 1)
    assert data[9] == week(W10, W17, 4)


def test_shift_from_now_and_for_groups(licensing):
    # The window 12-10..12-31 has data only in its first week: it slides back two weeks.
    params = {"duration": "3", "period": "week", "group_by": "authority"}
    data = run_paths(licensing, params, rollup=True, now=at(2012, 12, 31, 10))
    w26 = "2012-11-26T00:00:00+00:00"
    assert data == [
        {
            "_count": 1,
            "_group_count": 1,
            "authority": "Camden",
            "values": [week(w26, W03, 0), week(W03, W10, 0), week(W10, W17, 1)],
        },
        {
            "_count": 4,
            "_group_count": 2,
            "authority": "Westminster",
            "values": [week(w26, W03, 0), week(W03, W10, 1), week(W10, W17, 3)],
        },
    ]
    # Forward from 11-26: Westminster starts a week in, Camden two; the smaller shift wins.
    forward = {
        "duration": "3",
        "period": "week",
        "group_by": "authority",
        "start_at": "2012-11-26T00:00:00Z",
    }
    assert run_paths(licensing, forward, rollup=True) == [
        {
            "_count": 1,
            "_group_count": 1,
            "authority": "Camden",
            "values": [week(W03, W10, 0), week(W10, W17, 1), week(W17, W24, 0)],
        },
        {
            "_count": 4,
            "_group_count": 2,
            "authority": "Westminster",
            "values": [week(W03, W10, 1), week(W10, W17, 3), week(W17, W24, 0)],
        },
    ]


def test_no_shift_when_flat_or_when_nothing_is_found(licensing):
    params = {
        "start_at": "2012-11-05T00:00:00Z",
        "duration": "10",
        "period": "week",
        "flatten": "true",
    }
    data = run_paths(licensing, params, rollup=True)
    starts = [datetime(2012, 11, 5, tzinfo=UTC) + timedelta(weeks=i) for i in range(11)]
    iso = [s.isoformat() for s in starts]
    assert data == [week(iso[i], iso[i + 1], {4: 1, 5: 4}.get(i, 0)) for i in range(10)]
    grouped_flat = {
        "start_at": "2012-11-26T00:00:00Z",
        "duration": "2",
        "period": "week",
        "group_by": "authority",
        "flatten": "true",
    }
    w26 = "2012-11-26T00:00:00+00:00"
    assert run_paths(licensing, grouped_flat, rollup=True) == [
        {"authority": "Westminster", **week(w26, W03, 0)},
        {"authority": "Westminster", **week(W03, W10, 1)},
    ]
    empty = {"start_at": "2014-01-06T00:00:00Z", "duration": "2", "period": "week"}
    assert run_paths(licensing, empty, rollup=True) == [
        week("2014-01-06T00:00:00+00:00", "2014-01-13T00:00:00+00:00", 0),
        week("2014-01-13T00:00:00+00:00", "2014-01-20T00:00:00+00:00", 0),
    ]


# --- headers: caching, publication, CORS ---------------------------------------------------


def test_published_realtime_and_unpublished_headers(client, make_data_set):
    published, _ = make_data_set("pub", "lished", token=None)
    realtime, _ = make_data_set("real", "time", token=None, realtime=True)
    draft, _ = make_data_set("un", "published", token=None, published=False)
    for ds in (published, realtime, draft):
        write(ds, [{"_timestamp": "2013-01-01T00:00:00Z", "kind": "x"}])
    params = {"group_by": "kind"}
    rows = [{"_count": 1, "kind": "x"}]

    response = http_get(client, published, params)
    assert response.status_code == 200
    assert response["Cache-Control"] == "max-age=1800, must-revalidate"
    assert response["Access-Control-Allow-Origin"] == "*"
    assert json.loads(response.content) == {"data": rows}

    response = http_get(client, realtime, params)
    assert response["Cache-Control"] == "max-age=120, must-revalidate"
    assert json.loads(response.content) == {"data": rows}

    response = http_get(client, draft, params)
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-cache"
    assert json.loads(response.content) == {"data": rows, "warning": UNPUBLISHED}
    assert run_query(draft, params) == {"data": rows, "warning": UNPUBLISHED}
    # format=csv is ignored for unpublished data sets.
    response = http_get(client, draft, {**params, "format": "csv"})
    assert response["Content-Type"] == "application/json"
    assert "Content-Disposition" not in response
    assert json.loads(response.content) == {"data": rows, "warning": UNPUBLISHED}


def test_cors_on_every_response(client, licensing, make_data_set):
    hidden, _ = make_data_set("hidden", "set", token=None, queryable=False)
    cases = [
        ("/data/licensing/applications?group_by=authority", 200),
        ("/data/licensing/applications?foo=bar", 400),
        ("/data/licensing/nothing", 404),
        ("/data/hidden/set?group_by=x", 404),
        ("/licensing_applications?group_by=authority", 200),
        ("/licensing_applications?foo=bar", 400),
        ("/no_such_data_set", 404),
        ("/hidden_set", 404),
    ]
    for url, status in cases:
        response = client.get(url)
        assert response.status_code == status, url
        assert response["Access-Control-Allow-Origin"] == "*", url
    for url in ("/data/licensing/nothing", "/data/hidden/set", "/hidden_set", "/no_such_data_set"):
        response = client.get(url)
        assert json.loads(response.content) == {"status": "error", "message": "data_set not found"}
        assert "Cache-Control" not in response


def test_not_queryable_is_not_found_even_with_valid_queries(client, make_data_set):
    hidden, _ = make_data_set(
        "hidden", "set", token=None, queryable=False, raw_queries_allowed=True
    )
    write(hidden, [{"_timestamp": "2013-01-01T00:00:00Z", "kind": "x"}])
    for params in ({}, {"group_by": "kind"}, {"foo": "bar"}):
        response = http_get(client, hidden, params)
        assert response.status_code == 404
        assert json.loads(response.content) == {"status": "error", "message": "data_set not found"}
    response = client.options(url_for(hidden))
    assert response.status_code == 404


def test_options_preflight(client, licensing):
    for url in ("/data/licensing/applications", "/licensing_applications"):
        response = client.options(url)
        assert response.status_code == 200
        assert response.content == b""
        assert response["Access-Control-Allow-Origin"] == "*"
        assert response["Access-Control-Max-Age"] == "86400"
        assert (
            response["Access-Control-Allow-Headers"]
            == "cache-control, govuk-request-id, request-id"
        )
        assert response["Allow"] == "HEAD, OPTIONS, GET"
    for url in ("/data/licensing/nothing", "/no_such_data_set"):
        response = client.options(url)
        assert response.status_code == 404
        assert json.loads(response.content) == {"status": "error", "message": "data_set not found"}
        assert response["Access-Control-Allow-Origin"] == "*"


# --- ETags and the legacy route ---------------------------------------------------------------


def test_legacy_route_returns_the_same_data(client, licensing):
    for params in ({"group_by": "authority"}, THREE_WEEKS, {}):
        current = http_get(client, licensing, params)
        legacy = client.get(
            url_for(licensing, params).replace(
                "/data/licensing/applications", "/licensing_applications"
            )
        )
        assert legacy.status_code == current.status_code == 200
        assert json.loads(legacy.content) == json.loads(current.content)
        assert legacy["ETag"].startswith('"') and legacy["ETag"].endswith('"')
        assert legacy["Cache-Control"] == "max-age=1800, must-revalidate"
    # The name is matched case-insensitively.
    upper = client.get("/LICENSING_APPLICATIONS?group_by=authority")
    assert json.loads(upper.content) == {
        "data": [{"_count": 1, "authority": "Camden"}, {"_count": 4, "authority": "Westminster"}]
    }


def test_legacy_route_etag_and_304(client, licensing):
    url = "/licensing_applications?group_by=authority"
    first = client.get(url)
    etag = first["ETag"]
    again = client.get(url, headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.content == b""
    assert again["ETag"] == etag
    assert again["Access-Control-Allow-Origin"] == "*"
    other = client.get(url, headers={"If-None-Match": '"something-else"'})
    assert other.status_code == 200
    assert json.loads(other.content) == json.loads(first.content)


@pytest.mark.parametrize(
    ("url", "status", "body"),
    [
        (
            "/licensing_applications?foo=bar",
            400,
            {
                "status": "error",
                "message": "An unrecognised parameter was provided",
                "parameter": "foo",
            },
        ),
        ("/no_such_data_set", 404, {"status": "error", "message": "data_set not found"}),
    ],
    ids=["400", "404"],
)
def test_legacy_route_errors_carry_an_etag_and_answer_304(client, licensing, url, status, body):
    response = client.get(url)
    assert response.status_code == status
    assert json.loads(response.content) == body
    expected = '"' + hashlib.sha1(response.content).hexdigest() + '"'
    assert response["ETag"] == expected
    cached = client.get(url, headers={"If-None-Match": expected})
    assert cached.status_code == 304
    assert cached.content == b""
    assert cached["ETag"] == expected
    assert cached["Access-Control-Allow-Origin"] == "*"
    assert client.get(url, headers={"If-None-Match": '"nope"'}).status_code == status


def test_etag_304_until_a_write_changes_it(client, licensing):
    params = {"group_by": "authority"}
    first = http_get(client, licensing, params)
    etag = first["ETag"]
    # The last write was at WRITTEN_AT (2020-01-01T12:00:00Z).
    assert first["Last-Modified"] == "Wed, 01 Jan 2020 12:00:00 GMT"
    assert http_get(client, licensing, {"group_by": "licence_name"})["ETag"] != etag

    not_modified = http_get(client, licensing, params, If_None_Match=etag)
    assert not_modified.status_code == 304
    assert not_modified.content == b""
    assert not_modified["ETag"] == etag
    assert not_modified["Cache-Control"] == "max-age=1800, must-revalidate"
    assert not_modified["Access-Control-Allow-Origin"] == "*"
    assert http_get(client, licensing, params, If_None_Match=f"W/{etag}").status_code == 304
    assert http_get(client, licensing, params, If_None_Match=f'"x", {etag}').status_code == 304

    written = client.post(
        "/data/licensing/applications",
        json.dumps({"_timestamp": "2012-12-20T00:00:00Z", "authority": "Camden"}),
        content_type="application/json",
        headers={"Authorization": f"Bearer {LICENSING_TOKEN}"},
    )
    assert written.status_code == 200

    after = http_get(client, licensing, params, If_None_Match=etag)
    assert after.status_code == 200
    assert after["ETag"] != etag
    assert json.loads(after.content) == {
        "data": [{"_count": 2, "authority": "Camden"}, {"_count": 4, "authority": "Westminster"}]
    }
    assert run_paths(DataSet.objects.get(pk=licensing.pk), params, rollup=True) == [
        {"_count": 2, "authority": "Camden"},
        {"_count": 4, "authority": "Westminster"},
    ]
    assert http_get(client, licensing, params, If_None_Match=after["ETag"]).status_code == 304


def test_etag_changes_after_a_write_through_storage(client, licensing):
    params = {
        "period": "week",
        "start_at": "2012-12-03T00:00:00Z",
        "end_at": "2012-12-24T00:00:00Z",
    }
    before = http_get(client, licensing, params)
    write(licensing, [{"_timestamp": "2012-12-18T00:00:00Z", "authority": "Camden"}])
    after = http_get(client, licensing, params, If_None_Match=before["ETag"])
    assert after.status_code == 200
    assert json.loads(after.content)["data"] == [
        week(W03, W10, 1),
        week(W10, W17, 4),
        week(W17, W24, 1),
    ]


def test_empty_data_set(client, make_data_set):
    ds, _ = make_data_set("empty", "set", token=None)
    assert query(client, ds, {"group_by": "authority"}, rollup=True) == []
    assert query(client, ds, THREE_WEEKS, rollup=True) == [
        week(W03, W10, 0),
        week(W10, W17, 0),
        week(W17, W24, 0),
    ]
    assert query(client, ds, {**THREE_WEEKS, "group_by": "authority"}, rollup=True) == []
    assert query(client, ds, {**THREE_WEEKS, "collect": "value:mean"}, rollup=True) == [
        week(W03, W10, 0, **{"value:mean": None}),
        week(W10, W17, 0, **{"value:mean": None}),
        week(W17, W24, 0, **{"value:mean": None}),
    ]


def test_filter_on_internal_fields_in_aggregates(client, licensing):
    # _id and _timestamp exist only in the records, never in the rollup.
    params = {"group_by": "authority", "filter_by": "_id:3"}
    assert query(client, licensing, params, rollup=False) == [
        {"_count": 1, "authority": "Westminster"}
    ]
    params = {"group_by": "authority", "filter_by": "_timestamp:2012-12-11T01:01:01+00:00"}
    assert query(client, licensing, params, rollup=False) == [{"_count": 1, "authority": "Camden"}]
    params = {**THREE_WEEKS, "filter_by": "_week_start_at:2012-12-03T00:00:00+00:00"}
    assert query(client, licensing, params, rollup=False) == [
        week(W03, W10, 1),
        week(W10, W17, 0),
        week(W17, W24, 0),
    ]


def test_numbers_and_booleans_are_different_groups(client, make_data_set):
    ds, _ = make_data_set("flags", "numbers", token=None)
    write(
        ds,
        [
            {"_timestamp": "2013-01-01T00:00:00Z", "key": 1},
            {"_timestamp": "2013-01-02T00:00:00Z", "key": True},
            {"_timestamp": "2013-01-03T00:00:00Z", "key": True},
            {"_timestamp": "2013-01-04T00:00:00Z", "key": 0},
            {"_timestamp": "2013-01-05T00:00:00Z", "key": False},
        ],
    )
    data = query(client, ds, {"group_by": "key"}, rollup=False)
    assert [(r["key"], r["_count"]) for r in data] == [(0, 1), (1, 1), (False, 1), (True, 2)]
    assert [type(r["key"]) for r in data] == [int, int, bool, bool]


def test_collect_set_in_period_and_group_nested(client, licensing):
    params = {**THREE_WEEKS, "group_by": "authority", "collect": "licence_name"}
    assert query(client, licensing, params, rollup=False) == [
        {
            "_count": 1,
            "_group_count": 1,
            "authority": "Camden",
            "licence_name": [TEN],
            "licence_name:set": [TEN],
            "values": [
                week(W03, W10, 0, **{"licence_name:set": None}),
                week(W10, W17, 1, **{"licence_name": [TEN], "licence_name:set": [TEN]}),
                week(W17, W24, 0, **{"licence_name:set": None}),
            ],
        },
        {
            "_count": 4,
            "_group_count": 2,
            "authority": "Westminster",
            "licence_name": [CAT, TEN],
            "licence_name:set": [CAT, TEN],
            "values": [
                week(W03, W10, 1, **{"licence_name": [TEN], "licence_name:set": [TEN]}),
                week(W10, W17, 3, **{"licence_name": [CAT, TEN], "licence_name:set": [CAT, TEN]}),
                week(W17, W24, 0, **{"licence_name:set": None}),
            ],
        },
    ]


# --- CSV ----------------------------------------------------------------------------------


BOM = b"\xef\xbb\xbf"  # the data API's CSV never starts with one (the original's had none)


def csv_get(client, data_set, params):
    response = http_get(client, data_set, {**params, "format": "csv"})
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == f'attachment; filename="{data_set.name}.csv"'
    assert response["Access-Control-Allow-Origin"] == "*"
    assert not response.content.startswith(BOM)
    return response.content


def test_csv_grouped(client, licensing):
    body = csv_get(client, licensing, {"group_by": "authority"})
    assert body == b"authority,_count\r\nCamden,1\r\nWestminster,4\r\n"


def test_csv_first_column_is_named_as_sent_to_a_csv_reader(client, licensing):
    # With a byte-order mark, a CSV reader calls the first column "\ufeff_start_at".
    body = csv_get(client, licensing, THREE_WEEKS)
    rows = list(csv.DictReader(io.StringIO(body.decode("utf-8"))))
    assert list(rows[0]) == ["_start_at", "_end_at", "_count"]
    assert [row["_start_at"] for row in rows] == [W03, W10, W17]


def test_csv_period_and_group_nested_is_flattened(client, licensing):
    body = csv_get(
        client, licensing, {**THREE_WEEKS, "group_by": "authority", "collect": "licence_name"}
    )
    text = body.decode("utf-8")
    assert text == (
        "authority,_start_at,_end_at,_count,licence_name:set\r\n"
        f"Camden,{W03},{W10},0,\r\n"
        f"Camden,{W10},{W17},1,{TEN}\r\n"
        f"Camden,{W17},{W24},0,\r\n"
        f"Westminster,{W03},{W10},1,{TEN}\r\n"
        f"Westminster,{W10},{W17},3,{CAT}; {TEN}\r\n"
        f"Westminster,{W17},{W24},0,\r\n"
    )


def test_csv_period_only(client, licensing):
    body = csv_get(client, licensing, THREE_WEEKS)
    assert (
        body
        == (
            f"_start_at,_end_at,_count\r\n{W03},{W10},1\r\n{W10},{W17},4\r\n{W17},{W24},0\r\n"
        ).encode()
    )


def test_csv_raw_escapes_formulas(client, make_data_set):
    ds, _ = make_data_set("csv", "raw", token=None, raw_queries_allowed=True)
    write(
        ds,
        [
            {
                "_id": "a",
                "_timestamp": "2012-12-04T10:00:00Z",
                "name": "=SUM(A1:A9)",
                "note": "a,b",
                "value": 1.5,
                "flag": True,
                "nothing": None,
                "city": "Zürich",
            },
            {
                "_id": "b",
                "_timestamp": "2012-12-05T00:00:00Z",
                "name": "@cmd",
                "note": "+1",
                "value": -3,
                "flag": False,
                "city": "-x",
            },
        ],
    )
    body = csv_get(client, ds, {})
    header = (
        "_timestamp,_id,city,flag,name,note,nothing,value,_updated_at,_hour_start_at,"
        "_day_start_at,_week_start_at,_month_start_at,_quarter_start_at,_year_start_at"
    )
    periods_a = (
        "2012-12-04T10:00:00+00:00,2012-12-04T00:00:00+00:00,2012-12-03T00:00:00+00:00,"
        "2012-12-01T00:00:00+00:00,2012-10-01T00:00:00+00:00,2012-01-01T00:00:00+00:00"
    )
    periods_b = (
        "2012-12-05T00:00:00+00:00,2012-12-05T00:00:00+00:00,2012-12-03T00:00:00+00:00,"
        "2012-12-01T00:00:00+00:00,2012-10-01T00:00:00+00:00,2012-01-01T00:00:00+00:00"
    )
    expected = (
        f"{header}\r\n"
        f'2012-12-04T10:00:00+00:00,a,Zürich,true,\'=SUM(A1:A9),"a,b",,1.5,{WRITTEN_AT_ISO},{periods_a}\r\n'
        f"2012-12-05T00:00:00+00:00,b,'-x,false,'@cmd,'+1,,-3,{WRITTEN_AT_ISO},{periods_b}\r\n"
    )
    assert body == expected.encode("utf-8")


def test_csv_grouped_escapes_formulas_in_group_values_not_negative_sums(client, make_data_set):
    ds, _ = make_data_set("csv", "grouped", token=None)
    write(
        ds,
        [
            {"_timestamp": "2012-12-04T10:00:00Z", "channel": "=HYPERLINK(1)", "count": -4},
            {"_timestamp": "2012-12-05T10:00:00Z", "channel": "-web", "count": 2.5},
        ],
    )
    body = csv_get(client, ds, {"group_by": "channel", "collect": "count:sum"})
    rows = list(csv.reader(io.StringIO(body.decode("utf-8"))))
    assert rows[0] == ["channel", "_count", "count:sum"]
    assert sorted(rows[1:]) == [["'-web", "1", "2.5"], ["'=HYPERLINK(1)", "1", "-4"]]


def test_csv_period_and_group_flat(client, licensing):
    params = {
        **THREE_WEEKS,
        "group_by": "authority",
        "flatten": "true",
        "collect": "isPaymentRequired",
    }
    text = csv_get(client, licensing, params).decode("utf-8")
    assert text == (
        "authority,_start_at,_end_at,_count,isPaymentRequired:set\r\n"
        f"Camden,{W03},{W10},0,\r\n"
        f"Westminster,{W03},{W10},1,false\r\n"
        f"Camden,{W10},{W17},1,false\r\n"
        f"Westminster,{W10},{W17},3,false; true\r\n"
        f"Camden,{W17},{W24},0,\r\n"
        f"Westminster,{W17},{W24},0,\r\n"
    )


def test_other_formats_are_json(client, licensing):
    for fmt in ("json", "xml", "CSV"):
        response = http_get(client, licensing, {"group_by": "authority", "format": fmt})
        assert response["Content-Type"] == "application/json"
        assert json.loads(response.content) == {
            "data": [
                {"_count": 1, "authority": "Camden"},
                {"_count": 4, "authority": "Westminster"},
            ]
        }


def test_csv_etag_differs_from_json(client, licensing):
    as_json = http_get(client, licensing, {"group_by": "authority"})
    as_csv = http_get(client, licensing, {"group_by": "authority", "format": "csv"})
    assert as_json["ETag"] != as_csv["ETag"]
    again = http_get(
        client, licensing, {"group_by": "authority", "format": "csv"}, If_None_Match=as_csv["ETag"]
    )
    assert again.status_code == 304


# --- /_status/data-sets ----------------------------------------------------------------------


def status(client):
    response = client.get("/_status/data-sets")
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-cache"
    assert response["Access-Control-Allow-Origin"] == "*"
    return json.loads(response.content)


ALL_OK = {"status": "ok", "data_sets": None, "message": "All data_sets are in date"}


def test_status_with_no_data_sets_is_ok(client, db):
    assert status(client) == ALL_OK


def test_status_lists_what_was_last_written_too_long_ago(client, make_data_set):
    ds, _ = make_data_set("fresh", "check", token=None, max_age_expected=60)
    written = timezone.now() - timedelta(seconds=90)
    # Records dated now, written 90 s ago: last-updated is the write, not the _timestamp.
    write(ds, [{"_timestamp": timezone.now().isoformat(), "kind": "new"}], now=written)
    body = status(client)
    assert body["status"] == "not okay"
    assert body["message"] == "1 data-set is out of date"
    [row] = body["data_sets"]
    assert row["name"] == "fresh_check"
    assert row["last-updated"] == written.astimezone(UTC).isoformat()
    assert row["max-age-expected"] == 60
    assert 30 <= row["seconds-out-of-date"] <= 40


def test_status_uses_write_times_not_timestamps(make_data_set):
    """The one staleness rule (DataSet.freshness): last year's figures sent today are fresh."""
    ds, _ = make_data_set("old", "data", token=None, max_age_expected=86400)
    write(ds, [{"_timestamp": "2013-01-01T00:00:00Z", "kind": "x"}], now=at(2013, 1, 5))
    assert freshness(now=at(2013, 1, 5, 12)) == ALL_OK
    assert freshness(now=at(2013, 1, 6, 0, 0, 30)) == {
        "status": "not okay",
        "data_sets": [
            {
                "name": "old_data",
                "seconds-out-of-date": 30,
                "last-updated": "2013-01-05T00:00:00+00:00",
                "max-age-expected": 86400,
            }
        ],
        "message": "1 data-set is out of date",
    }


def test_status_is_stale_only_past_the_expected_age(make_data_set):
    ds, _ = make_data_set("trunc", "check", token=None, max_age_expected=100)
    base = at(2013, 1, 1)
    write(ds, [{"_timestamp": "2013-01-01T00:00:00Z", "kind": "x"}], now=base)
    assert freshness(now=base + timedelta(seconds=99.5)) == ALL_OK
    assert freshness(now=base + timedelta(seconds=100.5)) == ALL_OK
    stale = freshness(now=base + timedelta(seconds=101.2))
    assert stale["data_sets"][0]["seconds-out-of-date"] == 1
    later = freshness(now=base + timedelta(seconds=150.7))
    assert later["data_sets"][0]["seconds-out-of-date"] == 50


def test_status_counts_never_written_and_ignores_null_max_age(client, make_data_set):
    a, _ = make_data_set("alpha", "set", token=None, max_age_expected=60)
    b, _ = make_data_set("beta", "set", token=None, max_age_expected=120)
    unmonitored, _ = make_data_set("never", "stale", token=None, max_age_expected=None)
    empty, _ = make_data_set("no", "records", token=None, max_age_expected=1)
    for ds in (a, b, unmonitored):
        write(ds, [{"_timestamp": "2013-01-01T00:00:00Z", "kind": "x"}], now=at(2013, 1, 1))
    now = at(2013, 1, 1, 0, 10)
    assert freshness(now=now) == {
        "status": "not okay",
        "data_sets": [
            {
                "name": "alpha_set",
                "seconds-out-of-date": 600 - 60,
                "last-updated": "2013-01-01T00:00:00+00:00",
                "max-age-expected": 60,
            },
            {
                "name": "beta_set",
                "seconds-out-of-date": 600 - 120,
                "last-updated": "2013-01-01T00:00:00+00:00",
                "max-age-expected": 120,
            },
            # Monitored and never written: stale, as its KPI tiles say.
            {
                "name": "no_records",
                "seconds-out-of-date": None,
                "last-updated": None,
                "max-age-expected": 1,
            },
        ],
        "message": "3 data-sets are out of date",
    }
    # Only a data set without max_age_expected left: all in date.
    DataSet.objects.filter(pk__in=[a.pk, b.pk, empty.pk]).update(max_age_expected=None)
    assert freshness(now=now) == ALL_OK
    assert status(client) == ALL_OK


def test_execute_matches_http_for_absolute_queries(client, licensing):
    params = {**THREE_WEEKS, "group_by": "authority"}
    q = parse_query(licensing, params)
    result = execute(licensing, q, now=WRITTEN_AT)
    assert http_json(client, licensing, params)["data"] == result.data
    assert result.used_rollup is True
