"""Checks on the week and month rollup rows shared by the rollup tests."""

import math
from datetime import timedelta

from performance_platform.datastore import periods
from performance_platform.datastore.models import RollupDay, RollupPeriod

STARTS = {"week": periods.week_start, "month": periods.month_start}


def expected_periods(data_set) -> dict:
    """(level, start, dims_hash) -> [dims, count, {field: [sum, n, nf, nbad]}] from the days."""
    out: dict = {}
    rows = RollupDay.objects.filter(data_set=data_set).order_by("day")
    for day, digest, dims, count, measures in rows.values_list(
        "day", "dims_hash", "dims", "count", "measures"
    ):
        for level, start_of in STARTS.items():
            entry = out.setdefault((level, start_of(day), digest), [dims, 0, {}])
            entry[1] += count
            for field, vector in measures.items():
                acc = entry[2].setdefault(field, [0, 0, 0, 0])
                # An overflowed float sum is stored as null; the period's sum overflows too.
                acc[0] = None if acc[0] is None or vector[0] is None else acc[0] + vector[0]
                for i in (1, 2, 3):
                    acc[i] += vector[i]
    return out


def stored_periods(data_set) -> dict:
    """(level, start, dims_hash) -> (dims, count, measures, quarter_start, year_start)."""
    rows = RollupPeriod.objects.filter(data_set=data_set).values_list(
        "level", "start", "dims_hash", "dims", "count", "measures", "quarter_start", "year_start"
    )
    return {(level, start, digest): rest for level, start, digest, *rest in rows}


def assert_periods_match_days(data_set) -> None:
    """Every week and month row is exactly the sum of its daily rows, and none is missing.

    Counts, number counts, float counts and non-number counts are equal; integer sums
    are equal and integers; float sums agree to 1e-9 (they are summed in another order).
    Month rows carry their quarter and year; week rows start on Mondays.
    """
    expected = expected_periods(data_set)
    stored = stored_periods(data_set)
    assert set(stored) == set(expected), (
        f"missing {sorted(set(expected) - set(stored))[:3]}, "
        f"extra {sorted(set(stored) - set(expected))[:3]}"
    )
    for key, (dims, count, measures) in expected.items():
        got_dims, got_count, got_measures, quarter, year = stored[key]
        level, start, _ = key
        assert got_dims == dims and got_count == count, f"{key}: {stored[key]} != {dims, count}"
        assert got_count > 0
        if level == "month":
            assert start.day == 1
            assert quarter == periods.quarter_start(start) and year == periods.year_start(start)
        else:
            assert start.weekday() == 0 and start + timedelta(days=7) > start
            assert quarter is None and year is None
        assert set(got_measures) == set(measures), f"{key}: {got_measures} != {measures}"
        for field, vector in measures.items():
            total, n, nf, nbad = got_measures[field]
            assert [n, nf, nbad] == vector[1:], f"{key} {field}: {got_measures[field]} != {vector}"
            if vector[0] is None or total is None:
                assert total is None and vector[0] is None, f"{key} {field}: {total!r}"
            elif nf:
                assert math.isclose(total, vector[0], rel_tol=1e-9, abs_tol=1e-6), (
                    f"{key} {field}: {total} != {vector[0]}"
                )
            else:
                assert type(total) is int and total == vector[0], (
                    f"{key} {field}: {total!r} != {vector[0]!r}"
                )
