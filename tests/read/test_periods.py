"""Period arithmetic at the edges (reference section 3.7).

UK clock changes, month ends, leap years, quarter boundaries, inclusive ends, range
rounding, hours, and relative ranges across a year end. Every expectation is worked
out by hand; aggregates are checked over HTTP (absolute ranges) and through the
Python API on the records path and, where the planner may use it, the rollup path.
Data sets allow raw queries where the strict alignment rules would refuse a range.
"""

from datetime import UTC, datetime

import pytest

from .helpers import error, http_json, query, run_paths, write

pytestmark = pytest.mark.django_db


def row(start, end, count, **extra):
    return {"_start_at": f"{start}+00:00", "_end_at": f"{end}+00:00", "_count": count, **extra}


def at(*args):
    return datetime(*args, tzinfo=UTC)


@pytest.fixture
def make(make_data_set):
    def build(name, items, **settings):
        ds, _ = make_data_set(name, "periods", token=None, raw_queries_allowed=True, **settings)
        write(ds, items)
        return ds

    return build


def items(*stamps, **fields):
    return [{"_timestamp": ts, "kind": "x", **fields} for ts in stamps]


# --- UK clock changes ------------------------------------------------------------------------
# 2013: BST began 2013-03-31 01:00 UTC and ended 2013-10-27 01:00 UTC.

SPRING = [
    "2013-03-31T00:30:00+00:00",  # 00:30 UTC, Sunday 31st
    "2013-03-31T02:30:00+01:00",  # 01:30 UTC, Sunday 31st
    "2013-04-01T00:30:00+01:00",  # 23:30 UTC on Sunday 31st: still March, Q1, week of 03-25
    "2013-04-01T01:00:00+01:00",  # 00:00 UTC Monday 1st: April, Q2, week of 04-01
]
AUTUMN = [
    "2013-10-27T00:30:00+01:00",  # 23:30 UTC Saturday 26th
    "2013-10-27T01:30:00+01:00",  # 00:30 UTC Sunday 27th
    "2013-10-27T01:30:00+00:00",  # 01:30 UTC Sunday 27th
    "2013-10-28T00:30:00+01:00",  # 23:30 UTC Sunday 27th: the week of 10-21
    "2013-10-28T00:30:00+00:00",  # 00:30 UTC Monday 28th
]


@pytest.fixture
def dst(make):
    return make("dst", items(*SPRING, *AUTUMN))


def test_spring_clock_change_days_weeks_months_quarters(client, dst):
    days = {"period": "day", "start_at": "2013-03-30T00:00:00Z", "end_at": "2013-04-03T00:00:00Z"}
    assert query(client, dst, days, rollup=True) == [
        row("2013-03-30T00:00:00", "2013-03-31T00:00:00", 0),
        row("2013-03-31T00:00:00", "2013-04-01T00:00:00", 3),
        row("2013-04-01T00:00:00", "2013-04-02T00:00:00", 1),
        row("2013-04-02T00:00:00", "2013-04-03T00:00:00", 0),
    ]
    weeks = {"period": "week", "start_at": "2013-03-25T00:00:00Z", "end_at": "2013-04-08T00:00:00Z"}
    assert query(client, dst, weeks, rollup=True) == [
        row("2013-03-25T00:00:00", "2013-04-01T00:00:00", 3),
        row("2013-04-01T00:00:00", "2013-04-08T00:00:00", 1),
    ]
    months = {
        "period": "month",
        "start_at": "2013-03-01T00:00:00Z",
        "end_at": "2013-05-01T00:00:00Z",
    }
    assert query(client, dst, months, rollup=True) == [
        row("2013-03-01T00:00:00", "2013-04-01T00:00:00", 3),
        row("2013-04-01T00:00:00", "2013-05-01T00:00:00", 1),
    ]
    quarters = {
        "period": "quarter",
        "start_at": "2013-01-01T00:00:00Z",
        "end_at": "2013-07-01T00:00:00Z",
    }
    assert query(client, dst, quarters, rollup=True) == [
        row("2013-01-01T00:00:00", "2013-04-01T00:00:00", 3),
        row("2013-04-01T00:00:00", "2013-07-01T00:00:00", 1),
    ]
    hours = {"period": "hour", "start_at": "2013-03-31T00:00:00Z", "end_at": "2013-03-31T03:00:00Z"}
    assert query(client, dst, hours, rollup=False) == [
        row("2013-03-31T00:00:00", "2013-03-31T01:00:00", 1),
        row("2013-03-31T01:00:00", "2013-03-31T02:00:00", 1),
        row("2013-03-31T02:00:00", "2013-03-31T03:00:00", 0),
    ]


def test_autumn_clock_change_days_and_weeks(client, dst):
    days = {"period": "day", "start_at": "2013-10-26T00:00:00Z", "end_at": "2013-10-29T00:00:00Z"}
    assert query(client, dst, days, rollup=True) == [
        row("2013-10-26T00:00:00", "2013-10-27T00:00:00", 1),
        row("2013-10-27T00:00:00", "2013-10-28T00:00:00", 3),
        row("2013-10-28T00:00:00", "2013-10-29T00:00:00", 1),
    ]
    weeks = {"period": "week", "start_at": "2013-10-21T00:00:00Z", "end_at": "2013-11-04T00:00:00Z"}
    assert query(client, dst, weeks, rollup=True) == [
        row("2013-10-21T00:00:00", "2013-10-28T00:00:00", 4),
        row("2013-10-28T00:00:00", "2013-11-04T00:00:00", 1),
    ]


def test_query_bounds_with_offsets_are_converted_to_utc(client, dst):
    # 2013-04-01T00:00+01:00 is 2013-03-31T23:00Z: the buckets start on the 31st (UTC),
    # and only records from 23:00Z on the 31st are counted.
    params = {
        "period": "day",
        "start_at": "2013-04-01T00:00:00+01:00",
        "end_at": "2013-04-02T00:00:00+01:00",
    }
    assert query(client, dst, params, rollup=False) == [
        row("2013-03-31T00:00:00", "2013-04-01T00:00:00", 1),
        row("2013-04-01T00:00:00", "2013-04-02T00:00:00", 1),
    ]
    raw = http_json(
        client,
        dst,
        {"start_at": "2013-03-31T02:30:00+01:00", "end_at": "2013-04-01T01:00:00+01:00"},
    )
    assert [r["_timestamp"] for r in raw["data"]] == [
        "2013-03-31T01:30:00+00:00",
        "2013-03-31T23:30:00+00:00",
    ]


def test_stored_period_keys_across_the_clock_change(client, dst):
    raw = http_json(client, dst, {"filter_by": "kind:x", "limit": "4"})["data"]
    third = raw[2]
    assert third["_timestamp"] == "2013-03-31T23:30:00+00:00"
    assert third["_hour_start_at"] == "2013-03-31T23:00:00+00:00"
    assert third["_day_start_at"] == "2013-03-31T00:00:00+00:00"
    assert third["_week_start_at"] == "2013-03-25T00:00:00+00:00"
    assert third["_month_start_at"] == "2013-03-01T00:00:00+00:00"
    assert third["_quarter_start_at"] == "2013-01-01T00:00:00+00:00"
    assert third["_year_start_at"] == "2013-01-01T00:00:00+00:00"


# --- month ends --------------------------------------------------------------------------------


@pytest.fixture
def month_ends(make):
    return make(
        "months",
        items(
            "2013-01-31T23:59:59Z",
            "2013-02-01T00:00:00Z",
            "2013-02-28T12:00:00Z",
            "2013-03-01T00:00:00Z",
            "2013-03-31T23:59:59Z",
        ),
    )


def test_calendar_month_buckets(client, month_ends):
    params = {
        "period": "month",
        "start_at": "2013-01-01T00:00:00Z",
        "end_at": "2013-04-01T00:00:00Z",
    }
    assert query(client, month_ends, params, rollup=True) == [
        row("2013-01-01T00:00:00", "2013-02-01T00:00:00", 1),
        row("2013-02-01T00:00:00", "2013-03-01T00:00:00", 2),
        row("2013-03-01T00:00:00", "2013-04-01T00:00:00", 2),
    ]


def test_month_range_from_the_31st(client, month_ends):
    # Buckets start on the 1st of the month containing start_at; the first one counts
    # only records from start_at on, the last one only records before end_at.
    params = {
        "period": "month",
        "start_at": "2013-01-31T00:00:00Z",
        "end_at": "2013-03-15T00:00:00Z",
    }
    assert query(client, month_ends, params, rollup=True) == [
        row("2013-01-01T00:00:00", "2013-02-01T00:00:00", 1),
        row("2013-02-01T00:00:00", "2013-03-01T00:00:00", 2),
        row("2013-03-01T00:00:00", "2013-04-01T00:00:00", 1),
    ]


def test_month_duration_from_jan_31(month_ends):
    # Jan 31 + 1 month must not become Feb 28: the window starts on Jan 1.
    params = {"period": "month", "start_at": "2013-01-31T00:00:00Z", "duration": "3"}
    expected = [
        row("2013-01-01T00:00:00", "2013-02-01T00:00:00", 1),
        row("2013-02-01T00:00:00", "2013-03-01T00:00:00", 2),
        row("2013-03-01T00:00:00", "2013-04-01T00:00:00", 2),
    ]
    assert run_paths(month_ends, params, rollup=True) == expected
    backward = {"period": "month", "end_at": "2013-03-31T00:00:00Z", "duration": "2"}
    assert run_paths(month_ends, backward, rollup=True) == expected[:2]


# --- leap years --------------------------------------------------------------------------------


@pytest.fixture
def leap(make):
    return make(
        "leap",
        items(
            "2023-12-31T23:59:59Z",
            "2024-02-28T12:00:00Z",
            "2024-02-29T00:00:00Z",
            "2024-02-29T23:59:59Z",
            "2024-03-01T00:00:00Z",
            "2025-01-01T00:00:00Z",
        ),
    )


def test_leap_day(client, leap):
    days = {"period": "day", "start_at": "2024-02-28T00:00:00Z", "end_at": "2024-03-02T00:00:00Z"}
    assert query(client, leap, days, rollup=True) == [
        row("2024-02-28T00:00:00", "2024-02-29T00:00:00", 1),
        row("2024-02-29T00:00:00", "2024-03-01T00:00:00", 2),
        row("2024-03-01T00:00:00", "2024-03-02T00:00:00", 1),
    ]
    months = {
        "period": "month",
        "start_at": "2024-02-01T00:00:00Z",
        "end_at": "2024-04-01T00:00:00Z",
    }
    assert query(client, leap, months, rollup=True) == [
        row("2024-02-01T00:00:00", "2024-03-01T00:00:00", 3),
        row("2024-03-01T00:00:00", "2024-04-01T00:00:00", 1),
    ]
    weeks = {"period": "week", "start_at": "2024-02-26T00:00:00Z", "end_at": "2024-03-04T00:00:00Z"}
    assert query(client, leap, weeks, rollup=True) == [
        row("2024-02-26T00:00:00", "2024-03-04T00:00:00", 4),
    ]


def test_year_buckets(client, leap):
    years = {"period": "year", "start_at": "2023-01-01T00:00:00Z", "end_at": "2026-01-01T00:00:00Z"}
    expected = [
        row("2023-01-01T00:00:00", "2024-01-01T00:00:00", 1),
        row("2024-01-01T00:00:00", "2025-01-01T00:00:00", 4),
        row("2025-01-01T00:00:00", "2026-01-01T00:00:00", 1),
    ]
    assert query(client, leap, years, rollup=True) == expected
    from_leap_day = {"period": "year", "start_at": "2024-02-29T00:00:00Z", "duration": "2"}
    assert run_paths(leap, from_leap_day, rollup=True) == expected[1:]
    # A range starting on the leap day: the 2024 bucket counts only what follows it.
    partial = {
        "period": "year",
        "start_at": "2024-02-29T00:00:00Z",
        "end_at": "2025-02-28T00:00:00Z",
    }
    assert query(client, leap, partial, rollup=True) == [
        row("2024-01-01T00:00:00", "2025-01-01T00:00:00", 3),
        row("2025-01-01T00:00:00", "2026-01-01T00:00:00", 1),
    ]


# --- quarters ----------------------------------------------------------------------------------


@pytest.fixture
def quarters(make):
    return make(
        "quarters",
        items(
            "2013-03-31T23:59:59Z",
            "2013-04-01T00:00:00Z",
            "2013-06-30T23:59:59Z",
            "2013-07-01T00:00:00Z",
            "2013-09-30T12:00:00Z",
            "2013-10-01T00:00:00Z",
            "2013-12-31T23:59:59Z",
            "2014-01-01T00:00:00Z",
        ),
    )


def test_quarter_boundaries(client, quarters):
    params = {
        "period": "quarter",
        "start_at": "2013-01-01T00:00:00Z",
        "end_at": "2014-04-01T00:00:00Z",
    }
    assert query(client, quarters, params, rollup=True) == [
        row("2013-01-01T00:00:00", "2013-04-01T00:00:00", 1),
        row("2013-04-01T00:00:00", "2013-07-01T00:00:00", 2),
        row("2013-07-01T00:00:00", "2013-10-01T00:00:00", 2),
        row("2013-10-01T00:00:00", "2014-01-01T00:00:00", 2),
        row("2014-01-01T00:00:00", "2014-04-01T00:00:00", 1),
    ]


def test_quarter_range_rounded_out(client, quarters):
    params = {
        "period": "quarter",
        "start_at": "2013-02-15T00:00:00Z",
        "end_at": "2013-08-01T00:00:00Z",
    }
    assert query(client, quarters, params, rollup=True) == [
        row("2013-01-01T00:00:00", "2013-04-01T00:00:00", 1),
        row("2013-04-01T00:00:00", "2013-07-01T00:00:00", 2),
        row("2013-07-01T00:00:00", "2013-10-01T00:00:00", 1),
    ]


def test_quarters_on_a_strict_data_set(client, make_data_set):
    # No alignment rule for quarters: any midnight works on a strict data set too.
    ds, _ = make_data_set("strict", "quarters", token=None)
    write(ds, items("2013-03-31T23:59:59Z", "2013-04-01T00:00:00Z", "2013-05-01T00:00:00Z"))
    params = {
        "period": "quarter",
        "start_at": "2013-03-15T00:00:00Z",
        "end_at": "2013-05-01T00:00:00Z",
    }
    assert query(client, ds, params, rollup=True) == [
        row("2013-01-01T00:00:00", "2013-04-01T00:00:00", 1),
        row("2013-04-01T00:00:00", "2013-07-01T00:00:00", 1),
    ]


# --- inclusive ---------------------------------------------------------------------------------


@pytest.fixture
def edges(make):
    return make(
        "edges",
        items(
            "2013-01-07T00:00:00Z",
            "2013-01-10T00:00:00Z",
            "2013-01-14T00:00:00Z",
            "2013-01-14T00:00:01Z",
        ),
    )


def test_inclusive_counts_a_record_exactly_at_end_at(client, edges):
    base = {
        "group_by": "kind",
        "start_at": "2013-01-07T00:00:00Z",
        "end_at": "2013-01-14T00:00:00Z",
    }
    assert query(client, edges, base, rollup=True) == [{"_count": 2, "kind": "x"}]
    assert query(client, edges, {**base, "inclusive": "false"}, rollup=True) == [
        {"_count": 2, "kind": "x"}
    ]
    assert query(client, edges, {**base, "inclusive": "true"}, rollup=False) == [
        {"_count": 3, "kind": "x"}
    ]
    raw = http_json(
        client, edges, {**{k: v for k, v in base.items() if k != "group_by"}, "inclusive": "true"}
    )
    assert [r["_timestamp"] for r in raw["data"]] == [
        "2013-01-07T00:00:00+00:00",
        "2013-01-10T00:00:00+00:00",
        "2013-01-14T00:00:00+00:00",
    ]


def test_inclusive_end_bucket_is_not_shown(client, edges):
    weeks = {
        "period": "week",
        "start_at": "2013-01-07T00:00:00Z",
        "end_at": "2013-01-14T00:00:00Z",
        "inclusive": "true",
    }
    assert query(client, edges, weeks, rollup=False) == [
        row("2013-01-07T00:00:00", "2013-01-14T00:00:00", 2)
    ]
    grouped = {**weeks, "group_by": "kind"}
    # The group total counts the record at end_at; its bucket is outside the range.
    assert query(client, edges, grouped, rollup=False) == [
        {
            "_count": 3,
            "_group_count": 2,
            "kind": "x",
            "values": [row("2013-01-07T00:00:00", "2013-01-14T00:00:00", 2)],
        }
    ]


def test_inclusive_with_an_unaligned_end(client, edges):
    days = {
        "period": "day",
        "start_at": "2013-01-10T00:00:00Z",
        "end_at": "2013-01-14T00:00:01Z",
        "inclusive": "true",
    }
    assert query(client, edges, days, rollup=False) == [
        row("2013-01-10T00:00:00", "2013-01-11T00:00:00", 1),
        row("2013-01-11T00:00:00", "2013-01-12T00:00:00", 0),
        row("2013-01-12T00:00:00", "2013-01-13T00:00:00", 0),
        row("2013-01-13T00:00:00", "2013-01-14T00:00:00", 0),
        row("2013-01-14T00:00:00", "2013-01-15T00:00:00", 2),
    ]


# --- range rounding ----------------------------------------------------------------------------


@pytest.fixture
def spring_weeks(make):
    return make(
        "rounding",
        items(
            "2013-02-04T00:00:00Z",
            "2013-02-05T10:00:00Z",
            "2013-03-25T00:00:00Z",
            "2013-03-28T23:59:59Z",
            "2013-03-29T00:00:00Z",  # at end_at: excluded
            "2013-03-31T12:00:00Z",  # after end_at, in the last bucket's week: excluded
        ),
    )


def test_week_range_rounded_up_to_eight_buckets(client, spring_weeks):
    params = {
        "period": "week",
        "start_at": "2013-02-04T00:00:00Z",
        "end_at": "2013-03-29T00:00:00Z",
    }
    data = query(client, spring_weeks, params, rollup=True)
    mondays = ["02-04", "02-11", "02-18", "02-25", "03-04", "03-11", "03-18", "03-25", "04-01"]
    counts = [2, 0, 0, 0, 0, 0, 0, 2]
    assert data == [
        row(f"2013-{mondays[i]}T00:00:00", f"2013-{mondays[i + 1]}T00:00:00", counts[i])
        for i in range(8)
    ]
    assert data[-1] == row("2013-03-25T00:00:00", "2013-04-01T00:00:00", 2)


def test_week_range_start_rounded_down(client, spring_weeks):
    params = {
        "period": "week",
        "start_at": "2013-02-05T00:00:00Z",
        "end_at": "2013-02-18T00:00:00Z",
    }
    assert query(client, spring_weeks, params, rollup=True) == [
        row("2013-02-04T00:00:00", "2013-02-11T00:00:00", 1),
        row("2013-02-11T00:00:00", "2013-02-18T00:00:00", 0),
    ]


def test_range_rounding_with_group_by(client, spring_weeks):
    params = {
        "period": "week",
        "start_at": "2013-03-18T00:00:00Z",
        "end_at": "2013-03-29T00:00:00Z",
        "group_by": "kind",
    }
    assert query(client, spring_weeks, params, rollup=True) == [
        {
            "_count": 2,
            "_group_count": 1,
            "kind": "x",
            "values": [
                row("2013-03-18T00:00:00", "2013-03-25T00:00:00", 0),
                row("2013-03-25T00:00:00", "2013-04-01T00:00:00", 2),
            ],
        }
    ]


# --- hours -------------------------------------------------------------------------------------


@pytest.fixture
def hours(make):
    return make(
        "hours",
        items(
            "2013-01-01T01:10:00Z",
            "2013-01-01T01:40:00Z",
            "2013-01-01T02:05:00Z",
            "2013-01-01T02:45:00Z",
            "2013-01-01T03:00:00Z",
        ),
    )


def test_hour_buckets(client, hours):
    params = {
        "period": "hour",
        "start_at": "2013-01-01T01:00:00Z",
        "end_at": "2013-01-01T04:00:00Z",
    }
    assert query(client, hours, params, rollup=False) == [
        row("2013-01-01T01:00:00", "2013-01-01T02:00:00", 2),
        row("2013-01-01T02:00:00", "2013-01-01T03:00:00", 2),
        row("2013-01-01T03:00:00", "2013-01-01T04:00:00", 1),
    ]


def test_hour_range_with_minutes(client, hours):
    # A start of 01:30 keeps the 01:00 bucket but excludes the record at 01:10; an end
    # of 02:30 is rounded up to 03:00, and the 02:00 bucket counts only records before 02:30.
    params = {
        "period": "hour",
        "start_at": "2013-01-01T01:30:00Z",
        "end_at": "2013-01-01T02:30:00Z",
    }
    assert query(client, hours, params, rollup=False) == [
        row("2013-01-01T01:00:00", "2013-01-01T02:00:00", 1),
        row("2013-01-01T02:00:00", "2013-01-01T03:00:00", 1),
    ]


def test_hours_on_a_strict_data_set(client, make_data_set):
    ds, _ = make_data_set("strict", "hours", token=None)
    write(ds, items("2013-01-01T10:59:59Z", "2013-01-01T11:00:00Z"))
    params = {
        "period": "hour",
        "start_at": "2013-01-01T10:00:00Z",
        "end_at": "2013-01-01T12:00:00Z",
    }
    assert query(client, ds, params, rollup=False) == [
        row("2013-01-01T10:00:00", "2013-01-01T11:00:00", 1),
        row("2013-01-01T11:00:00", "2013-01-01T12:00:00", 1),
    ]
    relative = {"period": "hour", "duration": "2"}
    assert run_paths(ds, relative, rollup=False, now=at(2013, 1, 1, 12, 59)) == [
        row("2013-01-01T10:00:00", "2013-01-01T11:00:00", 1),
        row("2013-01-01T11:00:00", "2013-01-01T12:00:00", 1),
    ]


# --- relative ranges across a year end --------------------------------------------------------


@pytest.fixture
def new_year(make):
    return make(
        "newyear",
        items(
            "2012-10-15T00:00:00Z",
            "2012-11-20T00:00:00Z",
            "2012-12-27T00:00:00Z",
            "2012-12-30T22:15:00Z",
            "2012-12-31T23:59:00Z",
            "2013-01-01T00:00:00Z",
            "2013-01-20T00:00:00Z",
        ),
    )


def test_months_forward_and_backward_across_a_year_end(new_year):
    expected = [
        row("2012-11-01T00:00:00", "2012-12-01T00:00:00", 1),
        row("2012-12-01T00:00:00", "2013-01-01T00:00:00", 3),
        row("2013-01-01T00:00:00", "2013-02-01T00:00:00", 2),
    ]
    forward = {"period": "month", "start_at": "2012-11-01T00:00:00Z", "duration": "3"}
    assert run_paths(new_year, forward, rollup=True) == expected
    backward = {"period": "month", "end_at": "2013-02-01T00:00:00Z", "duration": "3"}
    assert run_paths(new_year, backward, rollup=True) == expected
    from_now = {"period": "month", "duration": "3"}
    assert run_paths(new_year, from_now, rollup=True, now=at(2013, 2, 14)) == expected


def test_weeks_forward_and_backward_across_a_year_end(new_year):
    forward = {"period": "week", "start_at": "2012-12-24T00:00:00Z", "duration": "3"}
    assert run_paths(new_year, forward, rollup=True) == [
        row("2012-12-24T00:00:00", "2012-12-31T00:00:00", 2),
        row("2012-12-31T00:00:00", "2013-01-07T00:00:00", 2),
        row("2013-01-07T00:00:00", "2013-01-14T00:00:00", 0),
    ]
    # Backward from 2013-01-14: the last week is empty, so the window moves back one week.
    backward = {"period": "week", "end_at": "2013-01-14T00:00:00Z", "duration": "3"}
    assert run_paths(new_year, backward, rollup=True) == [
        row("2012-12-17T00:00:00", "2012-12-24T00:00:00", 0),
        row("2012-12-24T00:00:00", "2012-12-31T00:00:00", 2),
        row("2012-12-31T00:00:00", "2013-01-07T00:00:00", 2),
    ]


def test_days_quarters_and_years_across_a_year_end(new_year):
    days = {"period": "day", "duration": "2"}
    assert run_paths(new_year, days, rollup=True, now=at(2013, 1, 1, 10)) == [
        row("2012-12-30T00:00:00", "2012-12-31T00:00:00", 1),
        row("2012-12-31T00:00:00", "2013-01-01T00:00:00", 1),
    ]
    quarters = {"period": "quarter", "start_at": "2012-10-01T00:00:00Z", "duration": "2"}
    assert run_paths(new_year, quarters, rollup=True) == [
        row("2012-10-01T00:00:00", "2013-01-01T00:00:00", 5),
        row("2013-01-01T00:00:00", "2013-04-01T00:00:00", 2),
    ]
    quarters_back = {"period": "quarter", "end_at": "2013-02-10T00:00:00Z", "duration": "2"}
    assert run_paths(new_year, quarters_back, rollup=True) == [
        row("2012-07-01T00:00:00", "2012-10-01T00:00:00", 0),
        row("2012-10-01T00:00:00", "2013-01-01T00:00:00", 5),
    ]
    years = {"period": "year", "end_at": "2014-01-01T00:00:00Z", "duration": "2"}
    assert run_paths(new_year, years, rollup=True) == [
        row("2012-01-01T00:00:00", "2013-01-01T00:00:00", 5),
        row("2013-01-01T00:00:00", "2014-01-01T00:00:00", 2),
    ]


def test_hours_backward_across_a_year_end(new_year):
    params = {"period": "hour", "duration": "2"}
    assert run_paths(new_year, params, rollup=False, now=at(2013, 1, 1, 0, 30)) == [
        row("2012-12-31T22:00:00", "2012-12-31T23:00:00", 0),
        row("2012-12-31T23:00:00", "2013-01-01T00:00:00", 1),
    ]


def test_month_from_now_shifts_back_to_the_data(new_year):
    # now = 2013-04-10: the window Jan..Mar has data only in January, so it moves back
    # two months to end with January.
    params = {"period": "month", "duration": "3"}
    assert run_paths(new_year, params, rollup=True, now=at(2013, 4, 10)) == [
        row("2012-11-01T00:00:00", "2012-12-01T00:00:00", 1),
        row("2012-12-01T00:00:00", "2013-01-01T00:00:00", 3),
        row("2013-01-01T00:00:00", "2013-02-01T00:00:00", 2),
    ]


# --- the ends of the calendar ------------------------------------------------------------------

OUT_OF_RANGE = "The time range reaches beyond the dates that can be shown (years 1 to 9999)"


@pytest.mark.parametrize(
    ("params", "parameter"),
    [
        ({"period": "year", "duration": "3000"}, "duration"),
        ({"period": "week", "duration": "5", "start_at": "9999-12-27T00:00:00Z"}, "duration"),
        ({"period": "week", "duration": "5", "end_at": "0001-01-08T00:00:00Z"}, "duration"),
        (
            {
                "period": "month",
                "start_at": "9999-12-05T00:00:00Z",
                "end_at": "9999-12-07T00:00:00Z",
            },
            "end_at",
        ),
        (
            {"period": "day", "start_at": "9999-12-31T00:00:00Z", "end_at": "9999-12-31T12:00:00Z"},
            "end_at",
        ),
    ],
    ids=["years-back", "weeks-forward", "weeks-back", "month-end", "day-end"],
)
def test_ranges_beyond_year_9999_or_before_year_1_are_400(client, make, params, parameter):
    ds = make("calendar", items("2013-01-01T00:00:00Z"))
    assert error(client, ds, params) == {
        "status": "error",
        "message": OUT_OF_RANGE,
        "parameter": parameter,
    }


def test_ranges_at_the_ends_of_the_calendar(client, make):
    ds = make("calendar", items("0001-01-01T00:00:00Z", "9999-11-30T23:59:59Z"))
    months = {
        "period": "month",
        "start_at": "9999-11-01T00:00:00Z",
        "end_at": "9999-12-01T00:00:00Z",
    }
    assert query(client, ds, months, rollup=True) == [
        row("9999-11-01T00:00:00", "9999-12-01T00:00:00", 1)
    ]
    days = {"period": "day", "start_at": "0001-01-01T00:00:00Z", "end_at": "0001-01-02T00:00:00Z"}
    assert query(client, ds, days, rollup=True) == [
        row("0001-01-01T00:00:00", "0001-01-02T00:00:00", 1)
    ]


@pytest.mark.parametrize(
    "params, parameter",
    [
        ({"period": "hour", "duration": "20001"}, "duration"),
        (
            {
                "period": "hour",
                "start_at": "1990-01-01T00:00:00Z",
                "end_at": "2020-01-01T00:00:00Z",
            },
            "period",
        ),
    ],
)
def test_queries_with_too_many_periods_are_refused(client, make_data_set, params, parameter):
    ds, _ = make_data_set(raw_queries_allowed=True)
    body = error(client, ds, params)
    assert body["parameter"] == parameter
    assert "20000" in body["message"]
