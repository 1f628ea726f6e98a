"""What approval makes works: figures sent through the write API to the new data sets
become the dashboard's KPIs and their summaries, and records that break the data set's
schema are refused with a message saying why."""

import json

import pytest

from performance_platform.datastore.models import DataSet, Record, WriteToken
from performance_platform.onboarding import provisioning
from performance_platform.worker.runner import run_pending

from .test_review import make_request

pytestmark = pytest.mark.django_db
GROUP = "register-a-test"


@pytest.fixture(autouse=True)
def _any_host(settings):
    settings.ALLOWED_HOSTS = ["*"]


def send(client, data_type: str, records: list[dict], token: str):
    return client.post(
        f"/data/{GROUP}/{data_type}",
        data=json.dumps(records),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )


def stored(data_type: str) -> list[dict]:
    data_set = DataSet.objects.get(data_group__name=GROUP, data_type__name=data_type)
    return [r.data for r in Record.objects.filter(data_set=data_set).order_by("timestamp")]


def test_figures_sent_to_the_new_data_sets_become_kpis(client, platform_admin, organisation):
    req = make_request(organisation, completion_source="api", cadence="weekly")
    outcome = provisioning.approve(req, actor=platform_admin)
    tokens = {}
    for data_set in outcome.data_sets:
        _, tokens[data_set.data_type.name] = WriteToken.issue(data_set, "test")

    weeks = ["2026-11-02T00:00:00Z", "2026-11-09T00:00:00Z"]
    channels = [
        {"_timestamp": week, "period": "week", "channel": channel, "count": count}
        for week in weeks
        for channel, count in (("digital", 750), ("paper_form", 250))
    ]
    assert (
        send(
            client, "transactions-by-channel", channels, tokens["transactions-by-channel"]
        ).status_code
        == 200
    )
    journey = [
        {"_timestamp": week, "stage": stage, "count": count}
        for week in weeks
        for stage, count in (("start", 1000), ("done", 800))
    ]
    assert send(client, "journey", journey, tokens["journey"]).status_code == 200
    # Sending a week again replaces it (auto ids), rather than counting it twice.
    again = [{**channels[0], "count": 700}]
    assert (
        send(
            client, "transactions-by-channel", again, tokens["transactions-by-channel"]
        ).status_code
        == 200
    )
    assert len(stored("transactions-by-channel")) == 4
    run_pending()

    takeup = {r["_start_at"][:10]: r["rate"] for r in stored("digital-takeup")}
    assert takeup == {"2026-11-02": pytest.approx(700 / 950), "2026-11-09": 0.75}
    completion = {r["_start_at"][:10]: r["rate"] for r in stored("completion-rate")}
    assert completion == {"2026-11-02": 0.8, "2026-11-09": 0.8}
    summaries = DataSet.objects.get(name="performance_platform_kpi_summaries")
    kpis = {
        r.data["kpi"]
        for r in Record.objects.filter(data_set=summaries)
        if r.data.get("service") == GROUP
    }
    assert {"digital_takeup", "completion_rate", "transactions_per_year"} <= kpis


@pytest.mark.parametrize(
    "data_type,record,message",
    [
        (
            "transactions-by-channel",
            {"_timestamp": "2026-11-02T00:00:00Z", "period": "week", "channel": "digital"},
            "'count' is a required property",
        ),
        (
            "transactions-by-channel",
            {
                "_timestamp": "2026-11-02T00:00:00Z",
                "period": "week",
                "channel": "digital",
                "count": -1,
            },
            "-1 is less than the minimum of 0",
        ),
        (
            "journey",
            {"_timestamp": "2026-11-02T00:00:00Z", "count": 3},
            "'stage' is a required property",
        ),
        (
            "customer-satisfaction",
            {
                "_timestamp": "2026-11-01T00:00:00Z",
                "period": "month",
                "rating_1": 1,
                "rating_2": 1,
                "rating_3": 1,
                "rating_4": 1,
                "rating_5": "lots",
            },
            "'lots' is not of type 'integer'",
        ),
    ],
)
def test_records_that_break_the_schema_are_refused(
    client, platform_admin, organisation, data_type, record, message
):
    outcome = provisioning.approve(make_request(organisation), actor=platform_admin)
    data_set = next(d for d in outcome.data_sets if d.data_type.name == data_type)
    _, token = WriteToken.issue(data_set, "test")
    response = send(client, data_type, [record], token)
    assert response.status_code == 400
    assert message in json.loads(response.content)["messages"][0]
    assert not Record.objects.filter(data_set=data_set).exists()
