"""The KPI engine: latest and previous value, change, direction, staleness.

Summaries are written by ``kpi_summary`` transforms into performance-platform/kpi-summaries.
"""

import math
from datetime import UTC, date, datetime, timedelta

import pytest
from django.tasks import TaskResultStatus
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from performance_platform.datastore import storage
from performance_platform.datastore.models import DataSet
from performance_platform.datastore.validation import prepare_records
from performance_platform.kpis import summaries
from performance_platform.kpis.change import change
from performance_platform.kpis.errors import TransformError
from performance_platform.kpis.running import run_transform
from performance_platform.kpis.summaries import refresh_staleness, service_kpis
from performance_platform.kpis.tasks import check_freshness

from .conftest import (
    SUMMARY_GROUP,
    SUMMARY_TYPE,
    TAKEUP,
    TX,
    day,
    drain,
    find,
    iso,
    make_transform,
    records,
    write,
)

pytestmark = pytest.mark.django_db

W1, W2, W3 = "2015-01-05", "2015-01-12", "2015-01-19"


# --- change() -------------------------------------------------------------------------


def test_change_up_and_down():
    up = change(5, 4)  # 5 − 4 = 1; 1 / 4 = 0.25
    assert (up.absolute, up.relative, up.direction) == (1, 0.25, "up")
    down = change(3, 4)  # 3 − 4 = −1; −1 / 4 = −0.25
    assert (down.absolute, down.relative, down.direction) == (-1, -0.25, "down")


def test_change_from_zero_has_no_relative_change():
    moved = change(5, 0)  # 5 − 0 = 5; 5 / 0 is undefined → None
    assert (moved.absolute, moved.relative, moved.direction) == (5, None, "up")
    fell = change(-2, 0)
    assert (fell.absolute, fell.relative, fell.direction) == (-2, None, "down")
    same = change(0, 0)
    assert (same.absolute, same.relative, same.direction) == (0, None, "no change")


def test_equal_values_are_no_change():
    same = change(0.75, 0.75)
    assert (same.absolute, same.relative, same.direction) == (0, 0.0, "no change")
    # Floating-point noise is not news: 0.1 + 0.2 = 0.30000000000000004
    noise = change(0.1 + 0.2, 0.3)
    assert noise.direction == "no change"
    assert noise.absolute == 0


def test_change_needs_two_numbers():
    for current, previous in [
        (None, 1),
        (1, None),
        (None, None),
        (True, 1),
        (1, False),
        ("2", 1),
        (math.nan, 1),
        (1, math.inf),
    ]:
        moved = change(current, previous)
        assert (moved.absolute, moved.relative, moved.direction) == (None, None, None), (
            current,
            previous,
        )


# --- kpi_summary records ------------------------------------------------------------------


def takeup_chain(source, **tx_settings):
    source(**tx_settings)
    make_transform("digital_takeup", TX, TAKEUP)
    make_transform(
        "kpi_summary",
        TAKEUP,
        SUMMARY_TYPE,
        output_group=SUMMARY_GROUP,
        options={"kpi": "digital_takeup"},
    )


def weeks(client, *figures):
    """Write (week, digital, other) figures to svc's transactions-by-channel and run."""
    batch = []
    for week, digital, other in figures:
        batch.append({"_timestamp": day(week), "channel": "digital", "count": digital})
        batch.append({"_timestamp": day(week), "channel": "paper", "count": other})
    write(client, "svc", TX, batch)
    drain()


def summary(service="svc", kpi="digital_takeup"):
    found = [r for r in records(SUMMARY_GROUP, SUMMARY_TYPE) if r["service"] == service]
    found = [r for r in found if r["kpi"] == kpi]
    assert len(found) == 1, found
    return found[0]


def test_latest_and_previous_week_going_up(source, client):
    takeup_chain(source)
    # W1: 6 / (6 + 4) = 0.6; W2: 9 / (9 + 1) = 0.9
    weeks(client, (W1, 6, 4), (W2, 9, 1))
    s = summary()
    assert s["value"] == 0.9
    assert s["previous_value"] == 0.6
    assert s["change"] == pytest.approx(0.3)  # 0.9 − 0.6
    assert s["relative_change"] == pytest.approx(0.5)  # 0.3 / 0.6
    assert s["direction"] == "up"
    assert s["start_at"] == iso(W2)
    assert s["end_at"] == iso(W3)
    assert s["previous_start_at"] == iso(W1)
    assert s["previous_end_at"] == iso(W2)
    assert s["period"] == "week"
    assert s["unit"] == "percent"
    assert s["title"] == "Digital take-up"
    assert (s["numerator"], s["denominator"]) == (9, 10)
    assert s["stale"] is False
    assert s["sources"] == "svc_transactions_by_channel"
    assert s["source_data_set"] == "svc_digital_takeup"


def test_going_down(source, client):
    takeup_chain(source)
    # W1: 9 / 10 = 0.9; W2: 6 / 10 = 0.6
    weeks(client, (W1, 9, 1), (W2, 6, 4))
    s = summary()
    assert (s["value"], s["previous_value"]) == (0.6, 0.9)
    assert s["change"] == pytest.approx(-0.3)
    assert s["relative_change"] == pytest.approx(-1 / 3)  # −0.3 / 0.9
    assert s["direction"] == "down"


def test_no_change(source, client):
    takeup_chain(source)
    # W1: 3 / (3 + 1) = 0.75; W2: 6 / (6 + 2) = 0.75
    weeks(client, (W1, 3, 1), (W2, 6, 2))
    s = summary()
    assert (s["value"], s["previous_value"]) == (0.75, 0.75)
    assert s["change"] == 0
    assert s["relative_change"] == 0.0
    assert s["direction"] == "no change"


def test_single_period_has_no_previous(source, client):
    takeup_chain(source)
    weeks(client, (W2, 1, 1))  # 1 / 2 = 0.5
    s = summary()
    assert s["value"] == 0.5
    assert s["previous_value"] is None
    assert s["previous_start_at"] is None
    assert s["change"] is None
    assert s["relative_change"] is None
    assert s["direction"] is None


def test_a_gap_before_the_latest_period_means_no_previous(source, client):
    takeup_chain(source)
    # W1 and W3 with W2 missing: W1 is not the period just before W3.
    weeks(client, (W1, 1, 3), (W3, 3, 1))
    s = summary()
    assert s["value"] == 0.75  # 3 / 4
    assert s["start_at"] == iso(W3)
    assert s["previous_value"] is None
    assert s["change"] is None
    assert s["direction"] is None


def test_summary_follows_new_data(source, client):
    takeup_chain(source)
    weeks(client, (W1, 1, 1))
    assert summary()["direction"] is None
    weeks(client, (W2, 3, 1))  # 0.5 → 0.75: +0.25, +50%
    s = summary()
    assert (s["value"], s["previous_value"]) == (0.75, 0.5)
    assert s["change"] == 0.25
    assert s["relative_change"] == 0.5
    assert s["direction"] == "up"
    # Still one record for (svc, digital_takeup).
    assert len(records(SUMMARY_GROUP, SUMMARY_TYPE)) == 1


def test_latest_value_null_gives_no_change(source, client):
    takeup_chain(source)
    weeks(client, (W1, 1, 1))
    # W2 has no digital record at all → rate null.
    write(client, "svc", TX, [{"_timestamp": day(W2), "channel": "paper", "count": 3}])
    drain()
    s = summary()
    assert s["value"] is None
    assert s["previous_value"] == 0.5
    assert s["change"] is None
    assert s["direction"] is None


def test_transactions_per_year(source, client):
    source()
    make_transform(
        "kpi_summary",
        TX,
        SUMMARY_TYPE,
        output_group=SUMMARY_GROUP,
        options={"kpi": "transactions_per_year"},
    )
    # Latest record 2016-01-06 (a Wednesday): its week starts Monday 2016-01-04, so the
    # year is the 52 weeks ending 2016-01-11: 2015-01-12 .. 2016-01-11 (52 × 7 = 364 days
    # back). The year before: 2014-01-13 .. 2015-01-12.
    write(
        client,
        "svc",
        TX,
        [
            {"_timestamp": day("2016-01-06"), "channel": "digital", "count": 60},
            {"_timestamp": day("2016-01-04"), "channel": "paper", "count": 40},
            {"_timestamp": day("2015-01-12"), "channel": "digital", "count": 50},
            {"_timestamp": day("2015-01-11", 23), "channel": "digital", "count": 30},
            {"_timestamp": day("2014-01-13"), "channel": "digital", "count": 20},
            {"_timestamp": day("2014-01-12", 23), "channel": "digital", "count": 1000},
        ],
    )
    drain()
    s = summary(kpi="transactions_per_year")
    # Current: 60 + 40 + 50 = 150 (two weeks with data); previous: 30 + 20 = 50;
    # 2014-01-12 is before both years.
    assert s["value"] == 150
    assert s["weeks_with_data"] == 2
    assert s["previous_value"] == 50
    assert s["change"] == 100
    assert s["relative_change"] == 2.0  # 100 / 50
    assert s["direction"] == "up"
    assert s["start_at"] == iso("2015-01-12")
    assert s["end_at"] == iso("2016-01-11")
    assert s["previous_start_at"] == iso("2014-01-13")
    assert s["unit"] == "count"
    # Two weeks of data are not a year: the label says what the figure covers (the tile
    # and the services index show this label), not "12 January 2015 to 10 January 2016".
    assert s["period_label"] == "2 weeks of data to 10 January 2016"


def test_a_whole_year_of_transactions_is_labelled_as_the_year(source, client):
    source()
    make_transform(
        "kpi_summary",
        TX,
        SUMMARY_TYPE,
        output_group=SUMMARY_GROUP,
        options={"kpi": "transactions_per_year"},
    )
    mondays = [date(2015, 1, 12) + timedelta(weeks=n) for n in range(52)]
    write(
        client,
        "svc",
        TX,
        [{"_timestamp": day(m.isoformat()), "channel": "digital", "count": 10} for m in mondays],
    )
    drain()
    s = summary(kpi="transactions_per_year")
    assert (s["value"], s["weeks_with_data"], s["weeks"]) == (520, 52, 52)
    assert s["period_label"] == "12 January 2015 to 10 January 2016"


def test_cost_per_transaction_summary_per_quarter(source, client):
    cost, out = "cost-per-transaction", "cost-per-transaction-by-quarter"
    source(data_type=cost)
    make_transform("cost_per_transaction", cost, out)
    make_transform(
        "kpi_summary",
        out,
        SUMMARY_TYPE,
        output_group=SUMMARY_GROUP,
        options={"kpi": "cost_per_transaction"},
    )
    write(
        client,
        "svc",
        cost,
        [
            {"_timestamp": day("2015-01-01"), "channel": "cost_per_transaction", "count": 4.0},
            {"_timestamp": day("2015-04-01"), "channel": "cost_per_transaction", "count": 3.0},
        ],
    )
    drain()
    s = summary(kpi="cost_per_transaction")
    # 4.0 → 3.0: −1.0, −1/4
    assert (s["value"], s["previous_value"]) == (3.0, 4.0)
    assert s["change"] == -1.0
    assert s["relative_change"] == -0.25
    assert s["direction"] == "down"
    assert s["period"] == "quarter"
    assert s["unit"] == "currency"


# --- staleness ------------------------------------------------------------------------------


def test_old_source_makes_the_summary_stale(source, client):
    takeup_chain(source, max_age_expected=3600)
    tx = find("svc", TX)
    past = timezone.now() - timedelta(days=2)
    prepared, errors = prepare_records(
        [
            {"_timestamp": day(W1), "channel": "digital", "count": 1},
            {"_timestamp": day(W1), "channel": "paper", "count": 1},
        ],
        schema=None,
        auto_ids=None,
        now=past,
    )
    assert errors == []
    storage.store_records(tx, prepared, now=past)
    drain()
    s = summary()
    assert s["value"] == 0.5
    # Written two days ago, expected at least hourly.
    assert s["stale"] is True
    assert s["last_updated"] == past.astimezone(UTC).isoformat()


def test_unmonitored_source_is_never_stale(source, client):
    takeup_chain(source)  # no max_age_expected
    weeks(client, (W1, 1, 1))
    assert summary()["stale"] is False
    assert refresh_staleness(now=timezone.now() + timedelta(days=3650)) == 0
    assert summary()["stale"] is False


def test_refresh_staleness_flips_stored_flags(source, client):
    takeup_chain(source, max_age_expected=3600)
    weeks(client, (W1, 1, 1))
    assert summary()["stale"] is False
    later = timezone.now() + timedelta(hours=2)  # more than 3600 s after the write
    # One staleness rule: readers show the stored verdict (what the data link returns),
    # so nothing is stale until the freshness check has stored it.
    assert service_kpis("svc", now=later)["digital_takeup"]["stale"] is False
    assert summary()["stale"] is False
    assert refresh_staleness(now=later) == 1
    assert summary()["stale"] is True
    assert service_kpis("svc", now=later)["digital_takeup"] == summary()
    assert refresh_staleness(now=later) == 0  # nothing more to change
    # A fresh write makes it fresh again, through the chain.
    weeks(client, (W2, 1, 1))
    assert summary()["stale"] is False


def test_a_resent_figure_makes_the_stored_summary_fresh(source, client):
    """Re-sending the same figures changes no derived record, so no summary is
    recomputed; the run that found nothing to change still refreshes the stored
    freshness, so the tile and its data link stop saying "out of date"."""
    takeup_chain(source, max_age_expected=3600)
    weeks(client, (W1, 1, 1))
    later = timezone.now() + timedelta(hours=2)
    assert refresh_staleness(now=later) == 1
    assert summary()["stale"] is True
    before = summary()["last_updated"]
    weeks(client, (W1, 1, 1))  # the same week, the same counts
    after = summary()
    assert after["stale"] is False
    assert after["last_updated"] > before


def test_refresh_staleness_can_flip_back(source, client):
    takeup_chain(source, max_age_expected=3600)
    weeks(client, (W1, 1, 1))
    later = timezone.now() + timedelta(hours=2)
    assert refresh_staleness(now=later) == 1
    assert summary()["stale"] is True
    # Judged again at a time when the last write is recent: fresh.
    assert refresh_staleness(now=timezone.now()) == 1
    assert summary()["stale"] is False


def test_refresh_staleness_without_summaries():
    assert refresh_staleness(now=datetime(2030, 1, 1, tzinfo=UTC)) == 0


def test_all_summaries_and_service_kpis(source, client):
    takeup_chain(source)
    source(group="other")
    weeks(client, (W1, 1, 3))
    write(
        client,
        "other",
        TX,
        [
            {"_timestamp": day(W1), "channel": "digital", "count": 2},
            {"_timestamp": day(W1), "channel": "paper", "count": 2},
        ],
    )
    drain()
    everything = {(s["service"], s["kpi"]): s["value"] for s in summaries.all_summaries()}
    assert everything == {("svc", "digital_takeup"): 0.25, ("other", "digital_takeup"): 0.5}
    assert set(service_kpis("other")) == {"digital_takeup"}
    assert service_kpis("other")["digital_takeup"]["value"] == 0.5
    assert service_kpis("nobody") == {}


def test_root_sources_walk_back_to_the_raw_data(source, client):
    takeup_chain(source)
    weeks(client, (W1, 1, 1))
    roots = summaries.root_sources(find("svc", TAKEUP))
    assert [r.name for r in roots] == ["svc_transactions_by_channel"]
    assert [r.name for r in summaries.root_sources(find("svc", TX))] == [
        "svc_transactions_by_channel"
    ]


# --- data the engine cannot summarise ---------------------------------------------------------


def run_directly(transform, group, data_type):
    return run_transform(
        transform,
        find(group, data_type),
        datetime(2015, 1, 1, tzinfo=UTC),
        datetime(2015, 12, 31, tzinfo=UTC),
    )


@pytest.mark.parametrize("stamp", ["0001-01-03T00:00:00Z", "9999-12-30T00:00:00Z"])
def test_transactions_per_year_at_the_calendar_edge_is_a_clear_error(source, client, stamp):
    source()
    transform = make_transform(
        "kpi_summary",
        TX,
        SUMMARY_TYPE,
        output_group=SUMMARY_GROUP,
        options={"kpi": "transactions_per_year"},
    )
    write(client, "svc", TX, [{"_timestamp": stamp, "channel": "digital", "count": 1}])
    with pytest.raises(TransformError) as caught:
        run_directly(transform, "svc", TX)
    assert "beyond the years 1 to 9999" in str(caught.value)
    assert records(SUMMARY_GROUP, SUMMARY_TYPE) == []


def test_non_numeric_latest_value_is_a_clear_error(source, client):
    source(data_type=TAKEUP)
    transform = make_transform(
        "kpi_summary",
        TAKEUP,
        SUMMARY_TYPE,
        output_group=SUMMARY_GROUP,
        options={"kpi": "digital_takeup"},
    )
    write(client, "svc", TAKEUP, [{"_timestamp": day(W1), "rate": "high"}])
    with pytest.raises(TransformError) as caught:
        run_directly(transform, "svc", TAKEUP)
    assert "digital_takeup" in str(caught.value)
    assert "'high'" in str(caught.value)
    assert records(SUMMARY_GROUP, SUMMARY_TYPE) == []


def test_summary_of_an_empty_data_set_has_no_value(source):
    source(data_type=TAKEUP)
    transform = make_transform(
        "kpi_summary",
        TAKEUP,
        SUMMARY_TYPE,
        output_group=SUMMARY_GROUP,
        options={"kpi": "digital_takeup"},
    )
    run_directly(transform, "svc", TAKEUP)
    s = summary()
    assert s["value"] is None
    assert s.get("previous_value") is None  # (the key is left out when there is no data)
    assert s["change"] is None
    assert s["direction"] is None


def test_latest_dataset_value_needs_to_know_the_field(source, client):
    source()
    transform = make_transform(
        "latest_dataset_value", TX, "latest-values", output_group=SUMMARY_GROUP
    )
    write(client, "svc", TX, [{"_timestamp": day(W1), "channel": "digital", "count": 1}])
    with pytest.raises(TransformError) as caught:
        run_directly(transform, "svc", TX)
    assert "value_attribute" in str(caught.value)


def test_scheduled_freshness_check_task(source, client):
    takeup_chain(source, max_age_expected=3600)
    weeks(client, (W1, 1, 1))
    assert summary()["stale"] is False
    two_hours_ago = timezone.now() - timedelta(hours=2)
    DataSet.objects.filter(name="svc_transactions_by_channel").update(last_written_at=two_hours_ago)
    check_freshness.enqueue()
    assert drain() == 1
    task = DBTaskResult.objects.get(task_path=check_freshness.module_path)
    assert task.status == TaskResultStatus.SUCCESSFUL
    assert task.return_value == {
        "stale_data_sets": ["svc_transactions_by_channel"],
        "summaries_updated": 1,
    }
    assert summary()["stale"] is True
    assert summary()["last_updated"] == two_hours_ago.astimezone(UTC).isoformat()
