"""Matomo collectors against a fake Matomo speaking its Reporting API's JSON: reports by
period, realtime counts, the journey for the completion rate, and every way it fails."""

import time
from datetime import date

import pytest

from performance_platform.collectors.credentials import encrypt
from performance_platform.collectors.errors import ConfigProblem
from performance_platform.collectors.models import Collector, CollectorRun
from performance_platform.collectors.running import run_collector
from performance_platform.datastore.models import DataSet, Record
from performance_platform.worker.runner import run_pending

from .conftest import COLLECT_NOW, records_of
from .fake_matomo import TOKEN, FakeMatomo, access_error, error_result
from .scripted import body, status

SUMMARY = {"method": "VisitsSummary.get", "site_id": 1}
COMPLETION = {"site_id": 1, "completion": {"start": {"goal": 1}, "done": {"goal": 2}}}


@pytest.fixture
def matomo():
    fake = FakeMatomo().start()
    yield fake
    fake.stop()


@pytest.fixture
def summary(make_collector, plain_data_set, matomo):
    """Daily visits, three metrics of VisitsSummary.get."""
    return make_collector(
        plain_data_set,
        "matomo",
        matomo.url,
        secrets={"token_auth": TOKEN},
        query={**SUMMARY, "metrics": ["nb_visits", "nb_uniq_visitors", "nb_actions"]},
    )


@pytest.fixture
def completion(make_collector, journey, matomo):
    """A weekly journey from two goals: people who started, and who finished."""
    return make_collector(
        journey,
        "matomo",
        matomo.url,
        secrets={"token_auth": TOKEN},
        query=COMPLETION,
        frequency="weekly",
    )


@pytest.fixture
def realtime(make_collector, realtime_data_set, matomo):
    return make_collector(
        realtime_data_set,
        "matomo-realtime",
        matomo.url,
        secrets={"token_auth": TOKEN},
        query={"site_id": 1, "last_minutes": 5},
        mapping={"for_url": "/tax-disc"},
    )


def without_ids(records):
    """The records' own fields: the store's (``_id``, ``_updated_at``, the period
    starts it adds) dropped, ``_timestamp`` kept."""
    return [
        {k: v for k, v in r.items() if not k.startswith("_") or k == "_timestamp"} for r in records
    ]


def test_a_report_stores_yesterday_and_today(summary, matomo, plain_data_set):
    outcome = run_collector(summary)

    assert outcome.run.status == CollectorRun.Status.SUCCEEDED, outcome.run.message
    assert outcome.run.records == 2
    assert without_ids(records_of(plain_data_set)) == [
        {
            "_timestamp": "2026-11-17T00:00:00+00:00",
            "timeSpan": "day",
            "nb_visits": 270,
            "nb_uniq_visitors": 216,
            "nb_actions": 810,
        },
        {
            "_timestamp": "2026-11-18T00:00:00+00:00",
            "timeSpan": "day",
            "nb_visits": 280,
            "nb_uniq_visitors": 224,
            "nb_actions": 840,
        },
    ]
    summary.refresh_from_db()
    assert summary.state == Collector.State.WORKING


def test_the_token_goes_in_the_post_body_and_the_report_in_the_url(summary, matomo):
    run_collector(summary)

    assert [seen.method for seen in matomo.requests] == ["POST", "POST"]
    for seen in matomo.requests:
        assert seen.path == "/index.php"
        assert seen.form == {"token_auth": TOKEN}
        assert TOKEN not in str(seen.query)
    assert matomo.api_calls() == [
        {"module": "API", "method": "VisitsSummary.get", "idSite": "1", "format": "JSON"}
        | {"period": "day", "date": day}
        for day in ("2026-11-17", "2026-11-18")
    ]


def test_a_weekly_device_report_has_a_row_per_device(make_collector, plain_data_set, matomo):
    collector = make_collector(
        plain_data_set,
        "matomo",
        matomo.url + "/",
        secrets={"token_auth": TOKEN},
        query={"method": "DevicesDetection.getType", "site_id": 2},
        frequency="weekly",
    )

    outcome = run_collector(collector)

    assert outcome.ok, outcome.run.message
    stored = records_of(plain_data_set)
    this_week = [r for r in stored if r["_timestamp"] == "2026-11-16T00:00:00+00:00"]
    # Monday 16 to Sunday 22 November: 7 * 200 + 10 * (16 + ... + 22) = 2730 visits.
    assert [(r["device"], r["nb_visits"]) for r in this_week] == [
        ("Desktop", 1638),
        ("Smartphone", 819),
        ("Tablet", 273),
    ]
    # Matomo's text columns (segment, logo) are not numbers, so not metrics.
    assert set(without_ids(this_week)[0]) == {
        "_timestamp", "timeSpan", "device", "nb_uniq_visitors", "nb_visits",
        "nb_actions", "max_actions", "sum_visit_length", "bounce_count", "nb_visits_converted",
    }  # fmt: skip
    assert {r["timeSpan"] for r in stored} == {"week"}
    assert len({r["_id"] for r in stored}) == 6


def test_a_goal_report_takes_its_arguments_and_reads_percentages(
    make_collector, plain_data_set, matomo
):
    collector = make_collector(
        plain_data_set,
        "matomo",
        matomo.url + "/index.php",
        secrets={"token_auth": TOKEN},
        query={"method": "Goals.get", "site_id": 1, "arguments": {"idGoal": 2}},
        frequency="monthly",
    )

    run_collector(collector)

    october, november = records_of(plain_data_set)
    assert october["_timestamp"] == "2026-10-01T00:00:00+00:00"
    assert october["timeSpan"] == "month"
    assert october["nb_conversions"] == 6 * sum(range(1, 32))
    assert october["revenue"] == 6 * sum(range(1, 32)) * 2.5
    assert october["conversion_rate"] == 0.015
    assert november["nb_conversions"] == 6 * sum(range(1, 31))
    assert {c["idGoal"] for c in matomo.api_calls()} == {"2"}


def test_a_backfill_asks_once_for_each_period(summary, matomo, plain_data_set):
    outcome = run_collector(summary, start=date(2025, 3, 30), end=date(2025, 4, 2))

    assert outcome.run.trigger == CollectorRun.Trigger.BACKFILL
    assert outcome.run.periods == 4
    assert [c["date"] for c in matomo.api_calls()] == [
        "2025-03-30",
        "2025-03-31",
        "2025-04-01",
        "2025-04-02",
    ]
    assert [(r["_timestamp"][:10], r["nb_visits"]) for r in records_of(plain_data_set)] == [
        ("2025-03-30", 400),
        ("2025-03-31", 410),
        ("2025-04-01", 110),
        ("2025-04-02", 120),
    ]


def test_a_day_without_data_stores_nothing_for_it(summary, matomo, plain_data_set):
    outcome = run_collector(summary, start=date(2024, 12, 31), end=date(2025, 1, 1))

    assert outcome.ok, outcome.run.message
    assert [r["_timestamp"][:10] for r in records_of(plain_data_set)] == ["2025-01-01"]


def test_a_dry_run_stores_nothing_and_changes_nothing(summary, matomo, plain_data_set):
    outcome = run_collector(summary, dry_run=True)

    assert outcome.run.status == CollectorRun.Status.DRY_RUN
    assert [r["nb_visits"] for r in outcome.records] == [270, 280]
    assert Record.objects.filter(data_set=plain_data_set).count() == 0
    summary.refresh_from_db()
    assert summary.state == Collector.State.NEW
    assert summary.last_run_at is None and summary.next_run_at is None


def test_a_second_run_overwrites_instead_of_adding(summary, matomo, plain_data_set):
    run_collector(summary)
    first = records_of(plain_data_set)
    run_collector(summary)

    again = records_of(plain_data_set)
    assert [r["_id"] for r in again] == [r["_id"] for r in first]
    assert without_ids(again) == without_ids(first)
    assert Record.objects.filter(data_set=plain_data_set).count() == 2


def test_a_503_is_retried(summary, matomo, plain_data_set):
    matomo.then(status(503, "Service Unavailable"))

    outcome = run_collector(summary)

    assert outcome.run.status == CollectorRun.Status.SUCCEEDED
    assert outcome.run.retries == 1
    assert len(matomo.requests) == 3
    assert len(records_of(plain_data_set)) == 2


def test_a_429_waits_as_long_as_matomo_asks(summary, matomo, plain_data_set):
    matomo.then(status(429, "Too many requests", retry_after="1"))

    outcome = run_collector(summary)

    assert outcome.run.status == CollectorRun.Status.SUCCEEDED
    assert outcome.run.retries == 1
    assert matomo.gaps()[0] >= 1.0
    assert len(records_of(plain_data_set)) == 2


@pytest.mark.parametrize(
    "refusal",
    [access_error(1), status(401, "Token revoked"), status(403, "Site not shared")],
    ids=["200-error-result", "401", "403"],
)
def test_a_refused_token_breaks_the_collector_and_tells_its_owners(
    completion, matomo, journey, manager, uploader, mailoutbox, refusal
):
    matomo.then(refusal)

    outcome = run_collector(completion)

    completion.refresh_from_db()
    assert outcome.run.status == CollectorRun.Status.FAILED
    assert completion.state == Collector.State.BROKEN
    assert completion.next_run_at is None
    assert len(matomo.requests) == 1  # never retried
    assert sorted(m.to[0] for m in mailoutbox) == [manager.email, uploader.email]
    said = {
        200: "You can't access this resource as it requires 'view' access for the website id = 1.",
        401: "(HTTP 401): Token revoked",
        403: "(HTTP 403): Site not shared",
    }[refusal.status]
    assert said in outcome.run.message
    for message in mailoutbox:
        assert said in message.body
        assert TOKEN not in message.body
    assert Record.objects.filter(data_set=journey).count() == 0

    # Still refused: the run fails again, but nobody is told twice.
    matomo.then(refusal)
    run_collector(completion)
    assert len(mailoutbox) == 2


def test_a_wrong_token_reads_as_no_access(completion, matomo, manager, mailoutbox):
    completion.credentials = encrypt({"token_auth": "not-the-token"})
    completion.save()

    outcome = run_collector(completion)

    completion.refresh_from_db()
    assert completion.state == Collector.State.BROKEN
    assert "Matomo refused the token for site 1 (Goals.get)" in outcome.run.message
    assert [m.to for m in mailoutbox] == [[manager.email]]


def test_another_error_result_fails_without_breaking(make_collector, plain_data_set, matomo):
    collector = make_collector(
        plain_data_set,
        "matomo",
        matomo.url,
        secrets={"token_auth": TOKEN},
        query={"method": "VisitsSummary.get", "site_id": 9},
    )

    outcome = run_collector(collector)

    collector.refresh_from_db()
    assert collector.state == Collector.State.FAILING
    assert outcome.run.message == (
        "Matomo could not answer VisitsSummary.get for site 9: An unexpected website was "
        "found in the request: website id was set to '9' ."
    )


@pytest.mark.parametrize(
    "answer, said",
    [
        (body(b'{"nb_visits": 3'), "is not JSON"),
        (body(b"<html>Matomo is being upgraded</html>", "text/html"), "is not JSON"),
        (body(b'"a string"'), "not an object of numbers"),
    ],
)
def test_a_malformed_answer_fails_clearly_and_stores_nothing(
    summary, matomo, plain_data_set, answer, said
):
    matomo.then(answer)

    outcome = run_collector(summary)

    assert outcome.run.status == CollectorRun.Status.FAILED
    assert said in outcome.run.message
    assert Record.objects.filter(data_set=plain_data_set).count() == 0
    summary.refresh_from_db()
    assert summary.state == Collector.State.FAILING


def test_a_query_outside_the_allow_list_is_refused(make_collector, plain_data_set, matomo):
    collector = make_collector(
        plain_data_set,
        "matomo",
        matomo.url,
        secrets={"token_auth": TOKEN},
        query={"method": "UsersManager.getUsers", "site_id": 1},
    )

    outcome = run_collector(collector)

    assert outcome.run.status == CollectorRun.Status.FAILED
    assert outcome.run.message.startswith("The query is not right: method:")
    assert matomo.requests == []


def test_arguments_cannot_replace_the_token_or_the_period(make_collector, plain_data_set, matomo):
    collector = make_collector(
        plain_data_set,
        "matomo",
        matomo.url,
        secrets={"token_auth": TOKEN},
        query={**SUMMARY, "arguments": {"period": "year"}},
    )

    outcome = run_collector(collector)

    assert outcome.run.message.startswith("The query is not right: arguments:")
    assert matomo.requests == []


# ------------------------------------------------------------------ completion rate


def test_a_journey_from_two_goals_gives_a_completion_rate(completion, matomo, journey, dashboard):
    outcome = run_collector(completion)

    assert outcome.ok, outcome.run.message
    journey_records = [
        {k: r[k] for k in ("_timestamp", "stage", "count")} for r in records_of(journey)
    ]
    # Weeks of Monday 9 and Monday 16 November: goal 1 is 9, goal 2 is 6 a day of month.
    last_week, this_week = sum(range(9, 16)), sum(range(16, 23))
    assert journey_records == [
        {"_timestamp": "2026-11-09T00:00:00+00:00", "stage": "done", "count": 6 * last_week},
        {"_timestamp": "2026-11-09T00:00:00+00:00", "stage": "start", "count": 9 * last_week},
        {"_timestamp": "2026-11-16T00:00:00+00:00", "stage": "done", "count": 6 * this_week},
        {"_timestamp": "2026-11-16T00:00:00+00:00", "stage": "start", "count": 9 * this_week},
    ]
    assert [(c["method"], c["idGoal"]) for c in matomo.api_calls()] == [
        ("Goals.get", "1"),
        ("Goals.get", "2"),
    ] * 2

    run_pending()

    rates = DataSet.objects.get(data_group=journey.data_group, data_type__name="completion-rate")
    stored = records_of(rates)
    assert [round(r["rate"], 4) for r in stored] == [round(6 / 9, 4)] * 2
    assert [r["_timestamp"][:10] for r in stored] == ["2026-11-09", "2026-11-16"]


def test_a_journey_stage_may_be_a_report_metric(make_collector, journey, matomo):
    collector = make_collector(
        journey,
        "matomo",
        matomo.url,
        secrets={"token_auth": TOKEN},
        query={
            "site_id": 1,
            "completion": {
                "start": {"method": "VisitsSummary.get", "metric": "nb_visits"},
                "done": {"goal": 2, "metric": "nb_visits_converted"},
            },
        },
        frequency="weekly",
    )

    outcome = run_collector(collector, start=date(2026, 11, 16), end=date(2026, 11, 16))

    assert outcome.ok, outcome.run.message
    counts = {r["stage"]: r["count"] for r in records_of(journey)}
    assert counts == {"start": 700 + 10 * sum(range(16, 23)), "done": 6 * sum(range(16, 23))}


# ------------------------------------------------------------------ realtime


def test_realtime_stores_the_visitors_now(realtime, matomo, realtime_data_set):
    outcome = run_collector(realtime)

    assert outcome.ok, outcome.run.message
    [record] = records_of(realtime_data_set)
    when = record["_timestamp"]
    assert without_ids([record]) == [
        {"_timestamp": when, "for_url": "/tax-disc", "unique_visitors": 7}
    ]
    assert record["_id"] == when
    assert when.startswith(COLLECT_NOW.strftime("%Y-%m-%dT%H:%M"))
    assert matomo.api_calls() == [
        {"module": "API", "method": "Live.getCounters", "idSite": "1", "format": "JSON"}
        | {"lastMinutes": "5"}
    ]
    assert matomo.requests[0].form == {"token_auth": TOKEN}


def test_realtime_runs_every_two_minutes(realtime, matomo):
    run_collector(realtime)

    realtime.refresh_from_db()
    assert (realtime.next_run_at - realtime.last_run_at).total_seconds() == 120


def test_realtime_cannot_backfill(realtime, matomo):
    with pytest.raises(ConfigProblem, match="cannot backfill"):
        run_collector(realtime, start=date(2026, 11, 1))
    assert matomo.requests == []
    assert not CollectorRun.objects.exists()


def test_realtime_dry_run_stores_nothing(realtime, matomo, realtime_data_set):
    outcome = run_collector(realtime, dry_run=True)

    assert outcome.run.status == CollectorRun.Status.DRY_RUN
    assert [r["unique_visitors"] for r in outcome.records] == [7]
    assert records_of(realtime_data_set) == []
    realtime.refresh_from_db()
    assert realtime.state == Collector.State.NEW


def test_realtime_runs_a_second_apart_are_two_records(realtime, matomo, realtime_data_set):
    run_collector(realtime)
    time.sleep(1.05)
    run_collector(realtime)

    first, second = records_of(realtime_data_set)
    assert first["_id"] < second["_id"]
    assert len(matomo.requests) == 2


@pytest.mark.parametrize(
    "failure, retry_gap",
    [(status(503), 0.0), (status(429, retry_after="1"), 1.0)],
    ids=["503", "429"],
)
def test_realtime_retries(realtime, matomo, realtime_data_set, failure, retry_gap):
    matomo.then(failure)

    outcome = run_collector(realtime)

    assert outcome.run.status == CollectorRun.Status.SUCCEEDED
    assert outcome.run.retries == 1
    assert matomo.gaps()[0] >= retry_gap
    assert len(records_of(realtime_data_set)) == 1


def test_realtime_refused_breaks_and_tells_owners(
    make_collector, journey, matomo, manager, uploader, mailoutbox
):
    collector = make_collector(
        journey,
        "matomo-realtime",
        matomo.url,
        secrets={"token_auth": TOKEN},
        query={"site_id": 1},
    )
    matomo.then(access_error(1))

    outcome = run_collector(collector)
    matomo.then(access_error(1))
    run_collector(collector)

    collector.refresh_from_db()
    assert collector.state == Collector.State.BROKEN
    assert "You can't access this resource" in outcome.run.message
    assert sorted(m.to[0] for m in mailoutbox) == [manager.email, uploader.email]


@pytest.mark.parametrize(
    "answer, said",
    [
        (body(b"[]"), "not one row of counts"),
        (body(b'[{"visits": 3, "visitors": "lots"}]'), "'lots', not a count"),
        (error_result("Live is disabled"), "Matomo could not answer Live.getCounters"),
    ],
)
def test_realtime_malformed(realtime, matomo, realtime_data_set, answer, said):
    matomo.then(answer)

    outcome = run_collector(realtime)

    assert outcome.run.status == CollectorRun.Status.FAILED
    assert said in outcome.run.message
    assert records_of(realtime_data_set) == []
