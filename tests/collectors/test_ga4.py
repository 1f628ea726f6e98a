"""Google Analytics 4 collectors, run by the real runner, through Google's real client,
against a local fake of the Data API and Google's token endpoint (``fake_ga4``).

The clock is COLLECT_NOW, Wednesday 18 November 2026, 10:30 UTC. The fake counts each day
up to today as ``BASE × factors + weekday``, so the numbers below can be checked by hand:
a whole week of ``begin_form`` events (factor 10, base 10) is 7 × 100 + (0 + … + 6) = 721.
"""

import logging
from datetime import UTC, date, datetime

import pytest
import time_machine

from performance_platform.collectors import credentials
from performance_platform.collectors.errors import ConfigProblem
from performance_platform.collectors.models import Collector, CollectorRun
from performance_platform.collectors.running import run_collector
from performance_platform.datastore.models import Record
from performance_platform.worker.runner import run_pending

from . import fake_ga4
from .conftest import COLLECT_NOW, records_of
from .fake_ga4 import FakeGA4, new_service_account

PROPERTY = "123456789"
COMPLETION = {
    "property": PROPERTY,
    "completion": {"start": {"event": "begin_form"}, "done": {"event": "form_submitted"}},
}
DEVICES = {
    "property": PROPERTY,
    "metrics": ["screenPageViews", "activeUsers"],
    "dimensions": ["deviceCategory", "browser"],
}
LAST_WEEK = "2026-11-09T00:00:00+00:00"
THIS_WEEK = "2026-11-16T00:00:00+00:00"
YESTERDAY = "2026-11-17T00:00:00+00:00"
TODAY = "2026-11-18T00:00:00+00:00"


@pytest.fixture
def fake():
    server = FakeGA4(properties=[PROPERTY]).start()
    yield server
    server.stop()


@pytest.fixture
def key(fake):
    """A throwaway service account key the fake trusts."""
    return new_service_account(fake)


@pytest.fixture
def completion(journey, make_collector, fake, key, manager, uploader):
    """A weekly completion collector into the journey data set (with its owners)."""
    return make_collector(
        journey, "ga4", fake.url, secrets=key, query=COMPLETION, frequency="weekly"
    )


@pytest.fixture
def devices(plain_data_set, make_collector, fake, key):
    """A daily page views and users collector, by device and browser."""
    return make_collector(plain_data_set, "ga4", fake.url, secrets=key, query=DEVICES)


@pytest.fixture
def realtime(realtime_data_set, make_collector, fake, key):
    return make_collector(
        realtime_data_set,
        "ga4-realtime",
        fake.url,
        secrets=key,
        query={"property": PROPERTY},
        mapping={"for_url": "/tax-disc"},
    )


@pytest.fixture(params=["completion", "devices", "realtime"])
def any_collector(request):
    """Each of the three kinds of GA4 collector, in turn."""
    return request.getfixturevalue(request.param)


def journey_counts(data_set) -> dict:
    return {(r["_timestamp"], r["stage"]): r["count"] for r in records_of(data_set)}


def _in_list(field: str, values: list) -> dict:
    return {
        "filter": {"fieldName": field, "inListFilter": {"values": values, "caseSensitive": True}}
    }


def api_requests(fake) -> list:
    return [r for r in fake.requests if r.kind != "token"]


# --- completion, into the journey data set


@pytest.mark.django_db
def test_a_completion_run_stores_the_start_and_done_counts_of_last_week_and_this_one(
    completion, journey, fake
):
    outcome = run_collector(completion)

    assert outcome.ok, outcome.run.message
    assert journey_counts(journey) == {
        (LAST_WEEK, "start"): 721,  # 7 × 10 × 10 + 21
        (LAST_WEEK, "done"): 441,  # 7 × 10 × 6 + 21
        (THIS_WEEK, "start"): 303,  # Monday to Wednesday: 3 × 100 + 0 + 1 + 2
        (THIS_WEEK, "done"): 183,
    }
    assert {r["timeSpan"] for r in records_of(journey)} == {"week"}
    run = outcome.run
    assert (run.status, run.records, run.periods, run.retries) == ("succeeded", 4, 2, 0)
    completion.refresh_from_db()
    assert completion.state == Collector.State.WORKING
    # One token for the run; one report per week, with both events in one request.
    assert [r.kind for r in fake.requests] == ["token", "runReport", "runReport"]
    first = fake.seen("runReport")[0].json
    assert first["dateRanges"] == [{"startDate": "2026-11-09", "endDate": "2026-11-15"}]
    assert first["metrics"] == [{"name": "eventCount"}]
    assert first["dimensionFilter"] == {
        "filter": {
            "fieldName": "eventName",
            "inListFilter": {"values": ["begin_form", "form_submitted"], "caseSensitive": True},
        }
    }
    assert fake.seen("runReport")[0].headers["authorization"].startswith("Bearer ya29.fake-")


@pytest.mark.django_db
def test_pages_as_stages_count_page_views_and_a_mixed_query_asks_twice(
    journey, make_collector, fake, key
):
    pages = make_collector(
        journey,
        "ga4",
        fake.url,
        secrets=key,
        frequency="weekly",
        query={
            "property": PROPERTY,
            "completion": {"start": {"page": "/start"}, "done": {"event": "form_submitted"}},
        },
    )
    outcome = run_collector(pages, start=date(2026, 11, 9), end=date(2026, 11, 15))

    assert outcome.ok, outcome.run.message
    # /start: 7 × 100 × 8 + 21 page views; form_submitted: 441 events.
    assert journey_counts(journey) == {(LAST_WEEK, "start"): 5621, (LAST_WEEK, "done"): 441}
    asked = [(r.json["metrics"], r.json["dimensionFilter"]) for r in fake.seen("runReport")]
    assert asked == [
        (
            [{"name": "eventCount"}],
            _in_list("eventName", ["form_submitted"]),
        ),
        (
            [{"name": "screenPageViews"}],
            _in_list("pagePath", ["/start"]),
        ),
    ]


@pytest.mark.django_db
def test_a_completion_backfill_asks_once_per_week(completion, journey, fake):
    outcome = run_collector(completion, start=date(2026, 10, 1), end=date(2026, 10, 31))

    assert outcome.ok, outcome.run.message
    ranges = [r.json["dateRanges"] for r in fake.seen("runReport")]
    assert ranges == [
        [{"startDate": start, "endDate": end}]
        for start, end in [
            ("2026-09-28", "2026-10-04"),
            ("2026-10-05", "2026-10-11"),
            ("2026-10-12", "2026-10-18"),
            ("2026-10-19", "2026-10-25"),
            ("2026-10-26", "2026-11-01"),
        ]
    ]
    assert len(fake.seen("token")) == 1
    counts = journey_counts(journey)
    assert len(counts) == 10
    assert set(counts.values()) == {721, 441}
    assert (outcome.run.trigger, outcome.run.periods) == ("backfill", 5)
    assert (outcome.run.start_date, outcome.run.end_date) == (date(2026, 9, 28), date(2026, 11, 1))


@pytest.mark.django_db
def test_after_a_completion_run_the_worker_computes_the_completion_rate(completion, journey):
    assert run_collector(completion).ok

    assert run_pending() >= 1
    derived = Record.objects.filter(
        data_set__data_group__name="tax-disc", data_set__data_type__name="completion-rate"
    )
    by_week = {r.data["_start_at"]: r.data for r in derived if "_start_at" in r.data}
    assert by_week[LAST_WEEK]["rate"] == pytest.approx(441 / 721)
    assert (by_week[LAST_WEEK]["numerator"], by_week[LAST_WEEK]["denominator"]) == (441, 721)
    assert by_week[THIS_WEEK]["rate"] == pytest.approx(183 / 303)


# --- page views and users by device and browser, into a plain data set


@pytest.mark.django_db
def test_a_devices_run_stores_each_device_and_browser_for_yesterday_and_today(
    devices, plain_data_set
):
    outcome = run_collector(devices)

    assert outcome.ok, outcome.run.message
    records = records_of(plain_data_set)
    assert len(records) == 2 * 3 * 4
    found = {(r["_timestamp"], r["deviceCategory"], r["browser"]): r for r in records}
    # Tuesday (weekday 1): page views 100 × 4 (mobile) × 6 (Chrome) + 1.
    tuesday = found[(YESTERDAY, "mobile", "Chrome")]
    assert (tuesday["screenPageViews"], tuesday["activeUsers"]) == (2401, 961)
    assert tuesday["timeSpan"] == "day"
    assert found[(TODAY, "tablet", "Firefox")]["screenPageViews"] == 102
    assert len({r["_id"] for r in records}) == 24


@pytest.mark.django_db
def test_a_report_filter_and_the_mapping_shape_the_records(
    plain_data_set, make_collector, fake, key
):
    collector = make_collector(
        plain_data_set,
        "ga4",
        fake.url,
        secrets=key,
        query={
            "property": PROPERTY,
            "metrics": ["screenPageViews"],
            "dimensions": ["browser"],
            "dimension_filter": [
                {"field": "deviceCategory", "value": "mobile"},
                {"field": "browser", "match": "begins_with", "value": "s"},
            ],
        },
        mapping={"fields": {"screenPageViews": "count"}, "add": {"device": "mobile"}},
    )
    outcome = run_collector(collector, start=date(2026, 11, 17), end=date(2026, 11, 17))

    assert outcome.ok, outcome.run.message
    [record] = records_of(plain_data_set)
    # Safari on mobile, a Tuesday: 100 × 4 × 3 + 1.
    assert {k: record[k] for k in ("browser", "device", "count")} == {
        "browser": "Safari",
        "device": "mobile",
        "count": 1201,
    }
    sent = fake.seen("runReport")[0].json["dimensionFilter"]["andGroup"]["expressions"]
    assert sent[1]["filter"]["stringFilter"]["value"] == "s"


@pytest.mark.django_db
def test_a_devices_backfill_asks_once_per_day(devices, plain_data_set, fake):
    outcome = run_collector(devices, start=date(2026, 11, 1), end=date(2026, 11, 3))

    assert outcome.ok, outcome.run.message
    assert [r.json["dateRanges"][0]["startDate"] for r in fake.seen("runReport")] == [
        "2026-11-01",
        "2026-11-02",
        "2026-11-03",
    ]
    assert len(records_of(plain_data_set)) == 3 * 12


@pytest.mark.django_db
def test_a_long_report_is_paged(plain_data_set, make_collector, fake, key):
    fake.page_rows = 5  # Google answers fewer rows than asked for; the rest by offset
    collector = make_collector(plain_data_set, "ga4", fake.url, secrets=key, query=DEVICES)
    outcome = run_collector(collector, start=date(2026, 11, 17), end=date(2026, 11, 17))

    assert outcome.ok, outcome.run.message
    assert len(records_of(plain_data_set)) == 12
    assert [r.json.get("offset", "0") for r in fake.seen("runReport")] == ["0", "5", "10"]


# --- realtime


@pytest.mark.django_db
def test_a_realtime_run_stores_the_users_active_now(realtime, realtime_data_set, fake):
    outcome = run_collector(realtime)

    assert outcome.ok, outcome.run.message
    [record] = records_of(realtime_data_set)
    assert record["unique_visitors"] == fake_ga4.REALTIME_USERS
    assert record["for_url"] == "/tax-disc"
    taken = datetime.fromisoformat(record["_timestamp"])
    assert record["_id"] == record["_timestamp"]
    assert COLLECT_NOW <= taken <= datetime.now(UTC) and taken.microsecond == 0
    [asked] = fake.seen("runRealtimeReport")
    assert asked.json["metrics"] == [{"name": "activeUsers"}]


@pytest.mark.django_db
def test_realtime_minutes_and_filter_are_sent_and_nobody_there_is_zero(
    realtime_data_set, make_collector, fake, key
):
    collector = make_collector(
        realtime_data_set,
        "ga4-realtime",
        fake.url,
        secrets=key,
        query={
            "property": PROPERTY,
            "minutes": 5,
            "dimension_filter": {"field": "deviceCategory", "value": "mobile"},
        },
    )
    assert run_collector(collector).ok
    sent = fake.seen("runRealtimeReport")[0].json
    assert sent["minuteRanges"] == [{"startMinutesAgo": 4, "endMinutesAgo": 0}]
    # round(23 × 5 / 30) = 4 users in 5 minutes, 4 in 10 of them on mobile: 2.
    assert [r["unique_visitors"] for r in records_of(realtime_data_set)] == [2]

    fake.realtime_users = 0
    with time_machine.travel(datetime(2026, 11, 18, 10, 40, tzinfo=UTC)):
        assert run_collector(collector).ok
    assert [r["unique_visitors"] for r in records_of(realtime_data_set)] == [2, 0]


@pytest.mark.django_db
def test_a_realtime_collector_cannot_backfill(realtime, fake):
    with pytest.raises(ConfigProblem, match="cannot backfill"):
        run_collector(realtime, start=date(2026, 11, 1), end=date(2026, 11, 2))
    assert fake.requests == []


# --- what every kind does


@pytest.mark.django_db
def test_a_dry_run_returns_the_records_and_stores_nothing(any_collector, fake):
    outcome = run_collector(any_collector, dry_run=True)

    assert outcome.run.status == CollectorRun.Status.DRY_RUN, outcome.run.message
    assert outcome.records and all("_id" in r for r in outcome.records)
    assert Record.objects.count() == 0
    any_collector.refresh_from_db()
    assert any_collector.state == Collector.State.NEW
    assert (any_collector.last_run_at, any_collector.next_run_at) == (None, None)
    assert api_requests(fake)


@pytest.mark.django_db
def test_a_503_is_retried(any_collector, fake):
    fake.fail(fake_ga4.unavailable())
    outcome = run_collector(any_collector)

    assert outcome.ok, outcome.run.message
    assert outcome.run.retries == 1
    assert Record.objects.filter(data_set=any_collector.data_set).count() == len(outcome.records)
    assert outcome.records
    any_collector.refresh_from_db()
    assert any_collector.state == Collector.State.WORKING


@pytest.mark.django_db
def test_a_429_is_retried_after_its_retry_after(any_collector, fake):
    fake.fail(fake_ga4.too_many(retry_after=1))
    outcome = run_collector(any_collector)

    assert outcome.ok, outcome.run.message
    assert outcome.run.retries == 1
    first, second = api_requests(fake)[:2]
    assert first.path == second.path
    assert second.time - first.time >= 1.0


@pytest.mark.django_db
def test_a_401_breaks_the_collector_and_tells_its_owners_once(
    completion, journey, fake, mailoutbox
):
    fake.fail(fake_ga4.unauthenticated())
    outcome = run_collector(completion)

    run = outcome.run
    assert run.status == CollectorRun.Status.FAILED
    assert "Google Analytics refused the credentials (HTTP 401)" in run.message
    assert "Request had invalid authentication credentials" in run.message
    assert run.retries == 0 and len(api_requests(fake)) == 1
    completion.refresh_from_db()
    assert completion.state == Collector.State.BROKEN
    assert completion.next_run_at is None
    assert records_of(journey) == []
    assert sorted(m.to[0] for m in mailoutbox) == [
        "manager@example.gov.uk",
        "uploader@example.gov.uk",
    ]
    assert all(len(m.to) == 1 for m in mailoutbox)
    assert all("Request had invalid authentication credentials" in m.body for m in mailoutbox)

    fake.fail(fake_ga4.unauthenticated())
    assert run_collector(completion).run.status == CollectorRun.Status.FAILED
    assert len(mailoutbox) == 2


@pytest.mark.django_db
def test_a_403_on_the_property_breaks_the_collector_too(devices, fake):
    fake.properties.clear()
    outcome = run_collector(devices)

    assert "(HTTP 403): User does not have sufficient permissions" in outcome.run.message
    devices.refresh_from_db()
    assert devices.state == Collector.State.BROKEN


@pytest.mark.django_db
def test_a_key_google_refuses_breaks_the_collector(devices, fake, key):
    del fake.accounts[key["client_email"]]  # the key was deleted in Google Cloud
    outcome = run_collector(devices)

    assert outcome.run.message == (
        "Google refused the service account's key: invalid_grant: Invalid JWT Signature."
    )
    devices.refresh_from_db()
    assert devices.state == Collector.State.BROKEN
    assert [r.kind for r in fake.requests] == ["token"]


@pytest.mark.django_db
def test_a_503_from_the_token_endpoint_is_retried_by_the_runner(devices, fake):
    fake.fail(fake_ga4.Scripted(503, b"Service Unavailable", on="token"))
    outcome = run_collector(devices)

    assert outcome.ok, outcome.run.message
    assert outcome.run.retries == 1
    assert [r.kind for r in fake.requests][:3] == ["token", "token", "runReport"]


@pytest.mark.django_db
def test_a_token_answer_without_a_token_is_malformed(devices, fake):
    fake.fail(fake_ga4.Scripted(200, {"token_type": "Bearer"}, on="token"))
    outcome = run_collector(devices)

    assert outcome.run.message == f"The answer from {fake.url}/token is not an access token."
    devices.refresh_from_db()
    assert devices.state == Collector.State.FAILING


@pytest.mark.django_db
def test_a_key_that_cannot_be_read_is_a_configuration_problem(devices, fake, key):
    broken = {**key, "private_key": key["private_key"][:200]}
    devices.credentials = credentials.encrypt(broken)
    devices.save()
    outcome = run_collector(devices)

    assert outcome.run.message == (
        "The service account key is not usable: its private_key cannot be read."
    )
    assert fake.requests == []


@pytest.mark.django_db
def test_a_request_google_rejects_fails_the_run_with_its_words(
    plain_data_set, make_collector, fake, key
):
    collector = make_collector(
        plain_data_set, "ga4", fake.url, secrets=key, query={**DEVICES, "metrics": ["fooBar"]}
    )
    outcome = run_collector(collector)

    assert outcome.run.message == (
        "Google Analytics answered HTTP 400: Field fooBar is not a valid metric."
    )
    assert outcome.run.retries == 0
    collector.refresh_from_db()
    assert collector.state == Collector.State.FAILING


@pytest.mark.django_db
def test_a_malformed_answer_is_a_clear_error_and_stores_nothing(any_collector, fake):
    fake.fail(fake_ga4.malformed())
    outcome = run_collector(any_collector)

    assert outcome.run.status == CollectorRun.Status.FAILED
    assert outcome.run.message == "The answer from Google Analytics is not a report it could read."
    assert Record.objects.count() == 0
    any_collector.refresh_from_db()
    assert any_collector.state == Collector.State.FAILING


@pytest.mark.django_db
def test_a_metric_that_is_not_a_number_is_malformed(devices, fake):
    body = fake.report(
        {
            "dateRanges": [{"startDate": "2026-11-17", "endDate": "2026-11-17"}],
            "metrics": [{"name": "screenPageViews"}, {"name": "activeUsers"}],
            "dimensions": [{"name": "deviceCategory"}, {"name": "browser"}],
        }
    )
    body["rows"][3]["metricValues"][1]["value"] = "lots"
    fake.fail(fake_ga4.Scripted(200, body))
    outcome = run_collector(devices)

    assert outcome.run.message == (
        "Google Analytics sent 'lots' for activeUsers, which is not a number."
    )
    assert Record.objects.count() == 0


@pytest.mark.django_db
def test_a_second_run_overwrites_instead_of_adding(completion, journey):
    assert run_collector(completion).ok
    with time_machine.travel(datetime(2026, 11, 19, 10, 30, tzinfo=UTC)):
        assert run_collector(completion).ok

    counts = journey_counts(journey)
    assert len(counts) == 4
    # This week now has Thursday too: 4 × 100 + 0 + 1 + 2 + 3.
    assert counts[(THIS_WEEK, "start")] == 406
    assert counts[(LAST_WEEK, "start")] == 721


@pytest.mark.django_db
def test_a_second_devices_run_overwrites_instead_of_adding(devices, plain_data_set):
    assert run_collector(devices).ok
    with time_machine.travel(datetime(2026, 11, 18, 23, 0, tzinfo=UTC)):
        assert run_collector(devices).ok
    assert len(records_of(plain_data_set)) == 24


@pytest.mark.django_db
def test_a_second_realtime_run_in_the_same_second_overwrites(realtime, realtime_data_set, fake):
    with time_machine.travel(COLLECT_NOW, tick=False):
        assert run_collector(realtime).ok
        fake.realtime_users = 40
        assert run_collector(realtime).ok
    assert [r["unique_visitors"] for r in records_of(realtime_data_set)] == [40]


# --- safety


@pytest.mark.django_db
def test_a_slow_answer_times_out_and_is_retried(devices, fake, settings):
    settings.COLLECTOR_TIMEOUT = 0.5
    fake.fail(fake_ga4.slow(1.5))
    outcome = run_collector(devices)

    assert outcome.ok, outcome.run.message
    assert outcome.run.retries == 1


@pytest.mark.django_db
def test_a_provider_that_is_not_there_fails_the_run_after_its_retries(devices, fake, settings):
    fake.stop()
    outcome = run_collector(devices)

    assert outcome.run.status == CollectorRun.Status.FAILED
    assert outcome.run.message == f"Could not reach {fake.url}/token (ConnectionError)."
    assert outcome.run.retries == settings.COLLECTOR_ATTEMPTS - 1
    devices.refresh_from_db()
    assert devices.state == Collector.State.FAILING


@pytest.mark.django_db
def test_a_redirect_to_another_host_is_refused(devices, fake):
    elsewhere = FakeGA4(properties=[PROPERTY]).start()
    try:
        fake.fail(fake_ga4.redirect(f"{elsewhere.url}/v1beta/properties/{PROPERTY}:runReport"))
        outcome = run_collector(devices)
    finally:
        elsewhere.stop()

    assert outcome.run.status == CollectorRun.Status.FAILED
    assert outcome.run.message.startswith("Refused a redirect from ")
    assert "does not follow redirects to other hosts" in outcome.run.message
    assert elsewhere.requests == []
    assert Record.objects.count() == 0


@pytest.mark.django_db
@pytest.mark.parametrize("length", [True, False], ids=["declared", "streamed"])
def test_an_answer_over_the_size_limit_is_refused(devices, fake, settings, length):
    settings.COLLECTOR_MAX_BYTES = 10_000
    fake.fail(fake_ga4.huge(200_000, length=length))
    outcome = run_collector(devices)

    assert outcome.run.status == CollectorRun.Status.FAILED
    assert "is larger than 10,000 bytes (COLLECTOR_MAX_BYTES)" in outcome.run.message
    assert Record.objects.count() == 0


@pytest.mark.django_db
def test_a_token_uri_off_google_and_off_the_endpoint_is_refused(devices, fake, key):
    devices.credentials = credentials.encrypt({**key, "token_uri": "https://evil.example/token"})
    devices.save()
    outcome = run_collector(devices)

    assert outcome.run.status == CollectorRun.Status.FAILED
    assert "token_uri must be Google's" in outcome.run.message
    assert fake.requests == []


@pytest.mark.django_db
def test_a_query_without_metrics_or_completion_is_refused_before_any_request(
    plain_data_set, make_collector, fake, key
):
    collector = make_collector(
        plain_data_set, "ga4", fake.url, secrets=key, query={"property": "UA-1234"}
    )
    outcome = run_collector(collector)

    assert outcome.run.message.startswith("The query is not right: property:")
    assert fake.requests == []


@pytest.mark.django_db
def test_the_credentials_never_reach_a_log_or_a_message(completion, fake, key, caplog):
    # Google's loggers do not propagate to the root unless configured: listen to them too.
    loggers = [logging.getLogger(name) for name in ("google", "urllib3", "requests")]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.addHandler(caplog.handler)
        logger.setLevel(logging.DEBUG)
    try:
        with caplog.at_level(logging.DEBUG):
            assert run_collector(completion).ok
            fake.fail(fake_ga4.unauthenticated())
            failed = run_collector(completion).run
    finally:
        for logger, level in zip(loggers, levels, strict=True):
            logger.removeHandler(caplog.handler)
            logger.setLevel(level)

    # The runs did log, at DEBUG, through these loggers (urllib3's connections at least).
    assert any(r.name.startswith("urllib3") for r in caplog.records)
    secrets = [
        key["private_key_id"],
        *key["private_key"].strip().splitlines()[1:-1],
        *fake.tokens,
        *(r.body.decode() for r in fake.seen("token")),
    ]
    logged = "\n".join(f"{record.getMessage()} {record.__dict__}" for record in caplog.records)
    shown = [failed.message, Collector.objects.get(pk=completion.pk).last_error]
    for secret in secrets:
        assert secret not in logged
        assert all(secret not in text for text in shown)
