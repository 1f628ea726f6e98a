"""Week and month rollup rows: kept exact by every kind of write, chosen by the planner
only when they fit the query, and built for existing data by the migration."""

import importlib
import json
from datetime import UTC, datetime

import pytest
from django.apps import apps
from django.http import QueryDict
from django.test import Client

from performance_platform.datastore.models import DataSet, RollupPeriod
from performance_platform.datastore.query.engine import (
    Window,
    execute,
    fitting_levels,
    resolve_window,
)
from performance_platform.datastore.query.params import parse as parse_params

from .checks import assert_periods_match_days, stored_periods
from .conftest import new_data_set, token_for, url_for

pytestmark = pytest.mark.django_db
NOW = datetime(2025, 6, 1, tzinfo=UTC)


def parse(params: QueryDict):
    return parse_params(params, raw_queries_allowed=False)


def _send(data_set, method, body=None, record_id=None):
    client = Client()
    url = url_for(data_set) + (f"/{record_id}" if record_id else "")
    response = getattr(client, method)(
        url,
        json.dumps(body) if body is not None else "",
        content_type="application/json",
        headers={"Authorization": f"Bearer {token_for(data_set)}"},
    )
    assert response.status_code == 200, response.content


def _month_row(data_set, start: str, **dims):
    rows = [
        (d, count, measures)
        for (level, when, _), (d, count, measures, *_) in stored_periods(data_set).items()
        if level == "month" and when == datetime.fromisoformat(start) and d == dims
    ]
    assert len(rows) == 1, rows
    return rows[0]


def _at(day: str, hour: int = 10) -> str:
    return f"{day}T{hour:02d}:00:00Z"


def test_writes_overwrites_patches_and_deletes_keep_weeks_and_months_exact():
    data_set = new_data_set("periods", dimensions=["channel"])
    _send(
        data_set,
        "post",
        [
            {
                "_id": "a",
                "_timestamp": _at("2025-01-30"),
                "channel": "web",
                "visits": 3,
                "amount": 0.1,
            },
            {
                "_id": "b",
                "_timestamp": _at("2025-01-31"),
                "channel": "web",
                "visits": 4,
                "amount": 0.2,
            },
            {"_id": "c", "_timestamp": _at("2025-02-03"), "channel": "web", "visits": 5},
            {"_id": "d", "_timestamp": _at("2025-02-03"), "channel": "post", "visits": 1},
        ],
    )
    assert_periods_match_days(data_set)
    count, measures = _month_row(data_set, "2025-01-01T00:00:00+00:00", channel="web")[1:]
    assert count == 2 and measures["visits"] == [7, 2, 0, 0] and measures["amount"][1:] == [2, 2, 0]
    # Week of Monday 27 January holds 30 and 31 January only; 3 February starts a new week.
    weeks = {
        (when.date().isoformat(), dims.get("channel")): count
        for (level, when, _), (dims, count, *_) in stored_periods(data_set).items()
        if level == "week"
    }
    assert weeks == {("2025-01-27", "web"): 2, ("2025-02-03", "web"): 1, ("2025-02-03", "post"): 1}

    # Overwrite by _id moves a record to another month and channel.
    _send(data_set, "post", [{"_id": "a", "_timestamp": _at("2025-02-04"), "channel": "post"}])
    assert_periods_match_days(data_set)
    count, measures = _month_row(data_set, "2025-01-01T00:00:00+00:00", channel="web")[1:]
    # The float 0.1 left January: the month is summed again from its days, exactly.
    assert count == 1 and measures == {"visits": [4, 1, 0, 0], "amount": [0.2, 1, 1, 0]}

    # PATCH merges into the record; DELETE removes it; the last record of a month
    # takes the month's row with it.
    _send(data_set, "patch", {"visits": 40}, record_id="b")
    assert _month_row(data_set, "2025-01-01T00:00:00+00:00", channel="web")[2]["visits"][0] == 40
    _send(data_set, "delete", record_id="b")
    assert_periods_match_days(data_set)
    assert not any(
        when.month == 1 for (level, when, _) in stored_periods(data_set) if level == "month"
    )

    # PUT [] empties the data set and every period row with it.
    _send(data_set, "put", [])
    assert RollupPeriod.objects.filter(data_set=data_set).count() == 0


def test_integer_sums_in_period_rows_stay_exact_beyond_float_precision():
    data_set = new_data_set("exact")
    big = 2**53 + 1  # not representable as a float
    _send(
        data_set, "post", [{"_timestamp": _at(f"2025-03-0{d}"), "visits": big} for d in (3, 4, 5)]
    )
    _send(data_set, "post", [{"_timestamp": _at("2025-03-06"), "visits": -1}])
    assert_periods_match_days(data_set)
    measures = _month_row(data_set, "2025-03-01T00:00:00+00:00")[2]
    assert measures["visits"] == [3 * big - 1, 4, 0, 0]
    q = parse(
        QueryDict(
            "period=month&start_at=2025-03-01T00:00:00Z&end_at=2025-04-01T00:00:00Z&collect=visits:sum"
        )
    )
    result = execute(DataSet.objects.get(pk=data_set.pk), q, now=NOW)
    assert result.rollup_level == "month"
    assert result.data[0]["visits:sum"] == 3 * big - 1


@pytest.mark.parametrize(
    ("query", "levels"),
    [
        # Month, quarter and year periods on month boundaries read the month rows.
        (
            "period=month&start_at=2024-01-01T00:00:00Z&end_at=2025-01-01T00:00:00Z",
            ["month", "day"],
        ),
        (
            "period=quarter&start_at=2024-01-01T00:00:00Z&end_at=2025-01-01T00:00:00Z",
            ["month", "day"],
        ),
        ("period=year&start_at=2023-01-01T00:00:00Z&end_at=2025-01-01T00:00:00Z", ["month", "day"]),
        ("period=year&start_at=2024-02-01T00:00:00Z&end_at=2025-03-01T00:00:00Z", ["month", "day"]),
        # A quarter range starting mid-month must read days.
        ("period=quarter&start_at=2024-01-15T00:00:00Z&end_at=2025-01-01T00:00:00Z", ["day"]),
        # Weeks on Mondays read week rows; a month's worth of weeks cannot use months.
        ("period=week&start_at=2024-01-01T00:00:00Z&end_at=2024-12-30T00:00:00Z", ["week", "day"]),
        ("period=week&start_at=2024-04-01T00:00:00Z&end_at=2024-07-01T00:00:00Z", ["week", "day"]),
        # No period: the coarsest rows that fit both ends (1 January 2025 is a Wednesday).
        (
            "group_by=kind&start_at=2024-01-01T00:00:00Z&end_at=2025-01-01T00:00:00Z",
            ["month", "day"],
        ),
        (
            "group_by=kind&start_at=2024-02-01T00:00:00Z&end_at=2024-03-01T00:00:00Z",
            ["month", "day"],
        ),
        (
            "group_by=kind&start_at=2024-02-05T00:00:00Z&end_at=2024-03-04T00:00:00Z",
            ["week", "day"],
        ),
        ("group_by=kind&start_at=2024-02-06T00:00:00Z&end_at=2024-03-04T00:00:00Z", ["day"]),
        ("group_by=kind", ["month", "week", "day"]),
        # Days are days.
        ("period=day&start_at=2024-01-01T00:00:00Z&end_at=2024-02-01T00:00:00Z", ["day"]),
    ],
)
def test_planner_uses_the_coarsest_rows_that_fit(query, levels):
    q = parse(QueryDict(query))
    assert fitting_levels(q, resolve_window(q, NOW)) == levels


def test_a_relative_range_shifted_toward_the_data_keeps_its_level():
    """duration + period moves the window toward the data; a moved month window is
    still made of whole months, so the month rows still answer it."""
    data_set = new_data_set("shift", dimensions=["kind"])
    _send(data_set, "post", [{"_timestamp": _at("2025-04-15"), "kind": "a", "visits": 2}])
    q = parse(QueryDict("period=month&duration=2&collect=visits:sum"))
    result = execute(DataSet.objects.get(pk=data_set.pk), q, now=NOW)
    assert result.rollup_level == "month"
    # April and May 2025 back from 1 June, moved a month back to end with April's data.
    assert result.window.start == datetime(2025, 3, 1, tzinfo=UTC)
    assert [row["visits:sum"] for row in result.data] == [None, 2]
    assert result.data == execute(data_set, q, now=NOW, force_path="records").data
    assert fitting_levels(q, Window(datetime(2024, 3, 1, tzinfo=UTC), None)) == ["month", "day"]


def test_the_migration_builds_period_rows_for_existing_data():
    """Deployments upgraded from daily-only rollups get their week and month rows from
    the daily rows (the migration's own function, run against the current models)."""
    migration = importlib.import_module(
        "performance_platform.datastore.migrations.0004_rollup_periods"
    )
    data_set = new_data_set("migrate", dimensions=["channel"])
    records = [
        {"_timestamp": _at(f"2025-0{m}-{d:02d}"), "channel": c, "visits": m * d, "amount": d / 3}
        for m in (1, 2, 3)
        for d in (1, 6, 28)
        for c in ("web", "phone")
    ]
    _send(data_set, "post", records)
    before = stored_periods(data_set)
    assert len(before) > 0
    RollupPeriod.objects.filter(data_set=data_set).delete()
    migration.fill_periods(apps, None)
    assert_periods_match_days(data_set)
    assert set(stored_periods(data_set)) == set(before)
