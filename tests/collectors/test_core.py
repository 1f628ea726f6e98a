"""The collectors' core, without a provider: periods, record ids, encrypted credentials,
the lease and what the schedule finds due."""

import base64
from datetime import UTC, date, datetime, timedelta

import pytest
from cryptography.fernet import Fernet
from django.utils import timezone

from performance_platform.collectors import credentials, periods, records
from performance_platform.collectors.errors import ConfigProblem
from performance_platform.collectors.models import Collector
from performance_platform.collectors.providers.base import Period, Row
from performance_platform.collectors.running import release_lease, take_lease
from performance_platform.collectors.tasks import due

# --- periods ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("frequency", "day", "start", "end", "span"),
    [
        ("daily", date(2026, 11, 18), date(2026, 11, 18), date(2026, 11, 18), "day"),
        ("weekly", date(2026, 11, 18), date(2026, 11, 16), date(2026, 11, 22), "week"),
        ("weekly", date(2026, 11, 16), date(2026, 11, 16), date(2026, 11, 22), "week"),
        ("weekly", date(2026, 11, 22), date(2026, 11, 16), date(2026, 11, 22), "week"),
        ("monthly", date(2026, 2, 14), date(2026, 2, 1), date(2026, 2, 28), "month"),
        ("monthly", date(2024, 2, 29), date(2024, 2, 1), date(2024, 2, 29), "month"),
        ("monthly", date(2026, 12, 31), date(2026, 12, 1), date(2026, 12, 31), "month"),
    ],
)
def test_the_period_holding_a_day(frequency, day, start, end, span):
    assert periods.period_containing(day, frequency) == Period(start, end, span)


def test_a_range_is_split_into_whole_periods_that_overlap_it():
    weeks = periods.periods_between(date(2026, 10, 28), date(2026, 11, 10), "weekly")
    assert [(p.start, p.end) for p in weeks] == [
        (date(2026, 10, 26), date(2026, 11, 1)),
        (date(2026, 11, 2), date(2026, 11, 8)),
        (date(2026, 11, 9), date(2026, 11, 15)),
    ]
    months = periods.periods_between(date(2025, 12, 5), date(2026, 2, 1), "monthly")
    assert [p.start for p in months] == [date(2025, 12, 1), date(2026, 1, 1), date(2026, 2, 1)]


def test_the_default_window_is_the_last_period_and_this_one():
    window = periods.default_window(date(2026, 11, 18), "weekly")
    assert [(p.start, p.end) for p in window] == [
        (date(2026, 11, 9), date(2026, 11, 15)),
        (date(2026, 11, 16), date(2026, 11, 22)),
    ]
    assert [p.start for p in periods.default_window(date(2026, 1, 1), "daily")] == [
        date(2025, 12, 31),
        date(2026, 1, 1),
    ]


def test_bad_ranges_and_frequencies_are_refused_in_words():
    with pytest.raises(ConfigProblem, match="after the end"):
        periods.periods_between(date(2026, 2, 1), date(2026, 1, 1), "daily")
    with pytest.raises(ConfigProblem, match="Unknown frequency 'hourly'"):
        periods.period_containing(date(2026, 1, 1), "hourly")
    with pytest.raises(ConfigProblem, match="backfill a shorter range"):
        periods.periods_between(date(1900, 1, 1), date(2026, 1, 1), "daily")


# --- records ---------------------------------------------------------------------------

WEEK = datetime(2026, 11, 9, tzinfo=UTC)


def _human(record: dict) -> str:
    return base64.urlsafe_b64decode(record["_id"]).decode()


def test_a_record_is_built_in_order_and_its_id_names_what_it_describes():
    row = Row(WEEK, {"deviceCategory": "mobile", "browser": "Safari"}, {"sessions": 12})
    record = records.to_record(
        row,
        data_type="devices",
        time_span="week",
        mapping={"fields": {"deviceCategory": "device"}, "add": {"service": "tax-disc"}},
    )
    assert {k: v for k, v in record.items() if k != "_id"} == {
        "_timestamp": "2026-11-09T00:00:00+00:00",
        "service": "tax-disc",
        "device": "mobile",
        "browser": "Safari",
        "sessions": 12,
        "timeSpan": "week",
    }
    assert _human(record) == (
        "devices_20261109000000_week_browser=Safari_device=mobile_service=tax-disc"
    )


def test_ids_do_not_depend_on_the_order_of_dimensions_or_on_the_metrics():
    one = Row(WEEK, {"a": "x", "b": "y"}, {"count": 1})
    two = Row(WEEK, {"b": "y", "a": "x"}, {"count": 99})

    def make(row):
        return records.to_record(row, data_type="t", time_span="week", mapping={})

    assert make(one)["_id"] == make(two)["_id"]
    other_week = Row(WEEK + timedelta(days=7), {"a": "x", "b": "y"}, {"count": 1})
    assert make(other_week)["_id"] != make(one)["_id"]


def test_two_collectors_writing_one_data_set_keep_apart_by_their_constants():
    row = Row(WEEK, {}, {"count": 5})
    start = records.to_record(
        row, data_type="journey", time_span="week", mapping={"add": {"stage": "start"}}
    )
    done = records.to_record(
        row, data_type="journey", time_span="week", mapping={"add": {"stage": "done"}}
    )
    assert start["_id"] != done["_id"]


def test_id_fields_choose_the_id():
    row = Row(WEEK, {"stage": "start"}, {"count": 5})
    record = records.to_record(
        row, data_type="journey", time_span="week", mapping={"id_fields": ["_timestamp", "stage"]}
    )
    assert _human(record) == "2026-11-09T00:00:00+00:00_start"
    with pytest.raises(ConfigProblem, match="no record has"):
        records.to_record(row, data_type="j", time_span="week", mapping={"id_fields": ["nope"]})


def test_a_realtime_record_has_its_timestamp_for_id():
    row = Row(datetime(2026, 11, 18, 10, 32, 7, 123456, tzinfo=UTC), {}, {"unique_visitors": 245})
    assert records.realtime_record(row, mapping={}) == {
        "_timestamp": "2026-11-18T10:32:07+00:00",
        "_id": "2026-11-18T10:32:07+00:00",
        "for_url": "",
        "unique_visitors": 245,
    }


@pytest.mark.parametrize(
    ("mapping", "message"),
    [
        ([], "must be an object"),
        ({"rename": {}}, "Unknown mapping keys: rename"),
        ({"fields": []}, "'fields' must be an object"),
        ({"fields": {"a": ""}}, "must name a field"),
        ({"fields": {"a": 3}}, "must name a field"),
        ({"id_fields": "stage"}, "must be a list"),
        ({"add": "x"}, "'add' must be an object"),
    ],
)
def test_a_bad_mapping_is_refused_in_words(mapping, message):
    with pytest.raises(ConfigProblem, match=message):
        records.check_mapping(mapping)


# --- credentials -----------------------------------------------------------------------


def test_credentials_round_trip_and_are_unreadable_at_rest(settings):
    settings.COLLECTOR_CREDENTIALS_KEYS = Fernet.generate_key().decode()
    token = credentials.encrypt({"token_auth": "0123456789abcdef"})
    assert "0123456789abcdef" not in token
    assert credentials.decrypt(token) == {"token_auth": "0123456789abcdef"}
    assert credentials.encrypt({}) == "" and credentials.decrypt("") == {}


def test_a_key_can_be_rotated(settings):
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.COLLECTOR_CREDENTIALS_KEYS = old
    token = credentials.encrypt({"token_auth": "t"})
    settings.COLLECTOR_CREDENTIALS_KEYS = f"{new},{old}"
    assert credentials.decrypt(token) == {"token_auth": "t"}
    rotated = credentials.rotate(token)
    settings.COLLECTOR_CREDENTIALS_KEYS = new
    assert credentials.decrypt(rotated) == {"token_auth": "t"}


def test_credentials_under_a_lost_key_fail_in_words_without_the_token(settings):
    settings.COLLECTOR_CREDENTIALS_KEYS = Fernet.generate_key().decode()
    token = credentials.encrypt({"token_auth": "t"})
    settings.COLLECTOR_CREDENTIALS_KEYS = Fernet.generate_key().decode()
    with pytest.raises(ConfigProblem, match="COLLECTOR_CREDENTIALS_KEYS") as caught:
        credentials.decrypt(token)
    assert token not in caught.value.message


# --- the lease and the schedule --------------------------------------------------------


def test_one_lease_at_a_time_until_it_is_released_or_runs_out(
    make_collector, plain_data_set, settings
):
    collector = make_collector(plain_data_set, "matomo", "http://127.0.0.1:9")
    now = timezone.now()
    assert take_lease(collector, "worker-a", now)
    assert not take_lease(collector, "worker-b", now)
    assert take_lease(collector, "worker-a", now), "the holder renews its own lease"
    release_lease(collector, "worker-b")  # not the holder: changes nothing
    assert not take_lease(collector, "worker-b", now)
    release_lease(collector, "worker-a")
    assert take_lease(collector, "worker-b", now)
    later = now + timedelta(seconds=settings.COLLECTOR_LEASE_SECONDS + 1)
    assert take_lease(collector, "worker-c", later), "a lease whose holder died runs out"


def test_the_schedule_finds_what_is_due(make_collector, plain_data_set):
    now = timezone.now()

    def make(name, **f):
        return make_collector(plain_data_set, "matomo", "http://127.0.0.1:9", name=name, **f)

    new = make("new-one")
    overdue = make("overdue", state=Collector.State.WORKING, next_run_at=now - timedelta(minutes=1))
    make("not-yet", state=Collector.State.WORKING, next_run_at=now + timedelta(minutes=1))
    make("broken", state=Collector.State.BROKEN, next_run_at=now - timedelta(days=1))
    make("off", enabled=False, next_run_at=now - timedelta(days=1))
    make(
        "running",
        state=Collector.State.WORKING,
        next_run_at=now - timedelta(minutes=5),
        lease_owner="w",
        lease_until=now + timedelta(minutes=5),
    )
    assert sorted(due(now)) == sorted([new.pk, overdue.pk])
