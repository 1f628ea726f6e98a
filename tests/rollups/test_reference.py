"""The oracle itself reproduces the specification's worked examples (backdrop-api.md 3.6-3.8).

If the oracle were wrong, the property tests would only prove that the engine shares its
mistakes; these hand-written cases pin it to the documented behaviour.
"""

from datetime import UTC, datetime

import pytest

from . import reference

WEEK = [("2012-12-03", "2012-12-10"), ("2012-12-10", "2012-12-17"), ("2012-12-17", "2012-12-24")]


def _ts(day: str, hour: int = 12) -> str:
    return f"{day}T{hour:02d}:00:00+00:00"


# One licence in Camden (week of 3 Dec), four in Westminster (1 that week, 3 the next).
LICENSING = [
    {
        "_timestamp": _ts("2012-12-04"),
        "authority": "Westminster",
        "licence_name": "Cat herding licence",
    },
    {
        "_timestamp": _ts("2012-12-12"),
        "authority": "Camden",
        "licence_name": "Temporary events notice",
    },
    *[
        {
            "_timestamp": _ts("2012-12-13", h),
            "authority": "Westminster",
            "licence_name": "Temporary events notice",
        }
        for h in (1, 2, 3)
    ],
]
RANGE = {
    "start_at": datetime(2012, 12, 3, tzinfo=UTC),
    "end_at": datetime(2012, 12, 24, tzinfo=UTC),
}


def _bucket(start: str, end: str, count: int, **extra) -> dict:
    return {
        "_start_at": f"{start}T00:00:00+00:00",
        "_end_at": f"{end}T00:00:00+00:00",
        "_count": count,
        **extra,
    }


def test_group_by_only_sorted_by_key():
    assert reference.run(LICENSING, {"group_by": ["authority"]}) == [
        {"authority": "Camden", "_count": 1},
        {"authority": "Westminster", "_count": 4},
    ]


def test_two_group_by_fields_one_row_per_existing_combination():
    assert reference.run(LICENSING, {"group_by": ["authority", "licence_name"]}) == [
        {"authority": "Camden", "licence_name": "Temporary events notice", "_count": 1},
        {"authority": "Westminster", "licence_name": "Cat herding licence", "_count": 1},
        {"authority": "Westminster", "licence_name": "Temporary events notice", "_count": 3},
    ]


def test_period_only_zero_filled():
    assert reference.run(LICENSING, {"period": "week", **RANGE}) == [
        _bucket(*WEEK[0], 1),
        _bucket(*WEEK[1], 4),
        _bucket(*WEEK[2], 0),
    ]


def test_period_and_group_nested_with_group_count():
    assert reference.run(LICENSING, {"period": "week", "group_by": ["authority"], **RANGE}) == [
        {
            "authority": "Camden",
            "_count": 1,
            "_group_count": 1,
            "values": [_bucket(*WEEK[0], 0), _bucket(*WEEK[1], 1), _bucket(*WEEK[2], 0)],
        },
        {
            "authority": "Westminster",
            "_count": 4,
            "_group_count": 2,
            "values": [_bucket(*WEEK[0], 1), _bucket(*WEEK[1], 3), _bucket(*WEEK[2], 0)],
        },
    ]


def test_period_group_flatten_is_the_cartesian_product_period_major():
    rows = reference.run(
        LICENSING,
        {"period": "week", "group_by": ["authority", "licence_name"], "flatten": True, **RANGE},
    )
    assert len(rows) == 3 * 2 * 2  # buckets x authorities x licence names
    assert [r["_count"] for r in rows[:4]] == [0, 0, 1, 0]  # Camden/Cat, Camden/TEN, West/Cat...
    assert all("values" not in r and "_group_count" not in r for r in rows)
    assert rows[0]["_start_at"] == rows[3]["_start_at"] != rows[4]["_start_at"]


def test_week_range_rounds_out_to_whole_buckets():
    """Spec 3.7: start_at 2013-02-04 to a Friday, 2013-03-29, gives 8 week buckets."""
    starts = reference.bucket_list(
        "week", datetime(2013, 2, 4, tzinfo=UTC), datetime(2013, 3, 29, tzinfo=UTC)
    )
    assert len(starts) == 8 and starts[-1] == datetime(2013, 3, 25, tzinfo=UTC)


SORT_AND_LIMIT = [
    {"_timestamp": _ts("2014-01-01"), "type": "wild", "name": n, "value": v}
    for n, v in [("aardvark", 4), ("buffalo", 8), ("elephant", 7), ("frog", 8)]
]


def test_collect_methods_as_documented():
    query = {
        "group_by": ["type"],
        "collect": [("value", "sum"), ("value", "mean"), ("value", "count"), ("value", "set")]
        + [("name", None)],
    }
    assert reference.run(SORT_AND_LIMIT, query) == [
        {
            "_count": 4,
            "type": "wild",
            "value:sum": 27,
            "value:mean": 6.75,
            "value:count": 4,
            "value:set": [4, 7, 8],
            "name": ["aardvark", "buffalo", "elephant", "frog"],
            "name:set": ["aardvark", "buffalo", "elephant", "frog"],
        }
    ]


def test_our_collect_rules():
    records = [
        {"_timestamp": _ts("2014-01-01"), "g": "a", "v": 1, "t": "x", "b": True},
        {"_timestamp": _ts("2014-01-01"), "g": "a", "v": None, "t": 2, "b": None},
        {"_timestamp": _ts("2014-01-01"), "g": "a", "v": 2.5, "t": False},
        {"_timestamp": _ts("2014-01-01"), "g": None},
    ]
    rows = reference.run(
        records,
        {
            "group_by": ["g"],
            "collect": [("v", "sum"), ("v", "mean"), ("v", "count"), ("t", "set"), ("b", "set")],
        },
    )
    # Missing and null values are skipped; a float makes the sum a float; null is a group.
    assert rows == [
        {
            "g": "a",
            "_count": 3,
            "v:sum": 3.5,
            "v:mean": 1.75,
            "v:count": 2,
            "t:set": [2, "x", False],
            "b:set": [True],
        },
        {
            "g": None,
            "_count": 1,
            "v:sum": None,
            "v:mean": None,
            "v:count": 0,
            "t:set": [],
            "b:set": [],
        },
    ]
    ints = reference.run(records[:2], {"group_by": ["g"], "collect": [("v", "sum")]})
    assert ints[0]["v:sum"] == 1 and type(ints[0]["v:sum"]) is int
    with pytest.raises(reference.InvalidCollect):
        reference.run(records, {"group_by": ["g"], "collect": [("t", "sum")]})
    with pytest.raises(reference.InvalidCollect):
        reference.run(records, {"group_by": ["g"], "collect": [("b", "mean")]})


def test_filters_compare_json_values():
    records = [
        {"_timestamp": _ts("2014-01-01"), "f": True},
        {"_timestamp": _ts("2014-01-01"), "f": "true"},
        {"_timestamp": _ts("2014-01-01"), "f": 1},
        {"_timestamp": _ts("2014-01-01"), "f": "1"},
    ]
    assert reference.run(records, {"group_by": ["f"], "filter_by": [("f", "true")]}) == [
        {"f": True, "_count": 1}
    ]
    assert reference.run(records, {"group_by": ["f"], "filter_by": [("f", "1")]}) == [
        {"f": "1", "_count": 1}
    ]


def test_time_range_is_half_open_unless_inclusive():
    records = [{"_timestamp": _ts(f"2014-01-0{d}", 0), "g": "a"} for d in (1, 2, 3)]
    window = {
        "start_at": datetime(2014, 1, 1, tzinfo=UTC),
        "end_at": datetime(2014, 1, 3, tzinfo=UTC),
    }
    assert reference.run(records, {"group_by": ["g"], **window})[0]["_count"] == 2
    assert (
        reference.run(records, {"group_by": ["g"], "inclusive": True, **window})[0]["_count"] == 3
    )


def test_sums_beyond_the_json_number_ranges_are_refused():
    def run(values, method):
        records = [{"_timestamp": _ts("2014-01-01"), "g": "a", "v": v} for v in values]
        return reference.run(records, {"group_by": ["g"], "collect": [("v", method)]})[0]

    with pytest.raises(reference.TooLarge):
        run([2**63 - 1, 1], "sum")
    assert run([2**63 - 1, 1], "mean")["v:mean"] == 2.0**62
    with pytest.raises(reference.TooLarge):
        run([1.7e308, 1.7e308], "sum")
    assert run([1.7e308, 1.7e308, -1.7e308], "sum")["v:sum"] == 1.7e308  # exact, no overflow
    assert run([0.1, 0.2], "sum")["v:sum"] == 0.30000000000000004  # correctly rounded
