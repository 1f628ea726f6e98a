"""Which transforms a write queues, and how chains of them run through the worker."""

import pytest
from django.tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from performance_platform.kpis.running import transforms_for

from .conftest import (
    SUMMARY_GROUP,
    SUMMARY_TYPE,
    TAKEUP,
    TX,
    by_start,
    day,
    drain,
    find,
    iso,
    make_transform,
    post,
    records,
    waiting,
    write,
)

pytestmark = pytest.mark.django_db

W1, W2, W3 = "2015-01-05", "2015-01-12", "2015-01-19"


def channels(week, **counts):
    return [{"_timestamp": day(week), "channel": c, "count": n} for c, n in counts.items()]


def test_chain_raw_to_takeup_to_summary(source, client):
    source()
    make_transform("digital_takeup", TX, TAKEUP)
    make_transform(
        "kpi_summary",
        TAKEUP,
        SUMMARY_TYPE,
        output_group=SUMMARY_GROUP,
        options={"kpi": "digital_takeup"},
    )
    # W1: 1 / 4 = 0.25; W2: 3 / 4 = 0.75
    write(client, "svc", TX, channels(W1, digital=1, paper=3) + channels(W2, digital=3, paper=1))
    assert waiting() == 1  # only the first link is queued by the raw write
    assert drain() == 2  # take-up, then the summary its write queued
    assert waiting() == 0
    (summary,) = records(SUMMARY_GROUP, SUMMARY_TYPE)
    assert summary["service"] == "svc"
    assert summary["kpi"] == "digital_takeup"
    assert (summary["value"], summary["previous_value"]) == (0.75, 0.25)
    assert summary["change"] == 0.5
    assert summary["relative_change"] == 2.0  # 0.5 / 0.25
    assert summary["direction"] == "up"
    # The summary data set is created on first use.
    assert find(SUMMARY_GROUP, SUMMARY_TYPE) is not None


def test_group_specific_replaces_type_wide_for_that_group_only(source, client):
    source(group="svc-a")
    source(group="svc-b")
    make_transform("digital_takeup", TX, TAKEUP)
    make_transform(
        "digital_takeup", TX, TAKEUP, input_group="svc-b", options={"channels": ["digital", "api"]}
    )
    figures = channels(W1, digital=5, api=3, paper=2)
    write(client, "svc-a", TX, figures)
    write(client, "svc-b", TX, figures)
    assert waiting() == 2  # one per write: svc-b's own transform only
    drain()
    assert by_start("svc-a", TAKEUP)[iso(W1)]["rate"] == 0.5  # 5 / 10
    assert by_start("svc-b", TAKEUP)[iso(W1)]["rate"] == 0.8  # (5 + 3) / 10
    kinds = {
        ds: [t.input_group.name if t.input_group_id else "*" for t in transforms_for(find(ds, TX))]
        for ds in ("svc-a", "svc-b")
    }
    assert kinds == {"svc-a": ["*"], "svc-b": ["svc-b"]}


def test_group_specific_with_another_output_runs_beside_type_wide(source, client):
    source(group="svc-b")
    make_transform("digital_takeup", TX, TAKEUP)
    make_transform(
        "digital_takeup",
        TX,
        "digital-takeup-with-api",
        input_group="svc-b",
        options={"channels": ["digital", "api"]},
    )
    write(client, "svc-b", TX, channels(W1, digital=5, api=3, paper=2))
    assert waiting() == 2
    drain()
    assert by_start("svc-b", TAKEUP)[iso(W1)]["rate"] == 0.5  # 5 / 10
    assert by_start("svc-b", "digital-takeup-with-api")[iso(W1)]["rate"] == 0.8  # 8 / 10


def test_output_group_elsewhere(source, client):
    source()
    make_transform("digital_takeup", TX, TAKEUP, output_group="central")
    write(client, "svc", TX, channels(W1, digital=1, paper=1))
    drain()
    assert by_start("central", TAKEUP)[iso(W1)]["rate"] == 0.5
    assert find("svc", TAKEUP) is None


def test_disabled_and_other_type_transforms_are_not_queued(source, client):
    source()
    make_transform("digital_takeup", TX, TAKEUP, enabled=False)
    make_transform("user_satisfaction", "customer-satisfaction", "user-satisfaction-score")
    write(client, "svc", TX, channels(W1, digital=1))
    assert waiting() == 0
    assert DBTaskResult.objects.count() == 0


def test_transform_of_another_group_is_not_queued(source, client):
    source()
    make_transform("digital_takeup", TX, TAKEUP, input_group="someone-else")
    write(client, "svc", TX, channels(W1, digital=1))
    assert waiting() == 0


def test_waiting_tasks_are_coalesced_and_widened(source, client):
    source()
    make_transform("digital_takeup", TX, TAKEUP)
    write(client, "svc", TX, channels(W1, digital=1, paper=1))
    write(client, "svc", TX, channels(W3, digital=3, paper=1))
    write(client, "svc", TX, channels(W2, digital=1, paper=3))
    assert waiting() == 1
    (task,) = DBTaskResult.objects.all()
    args = task.args_kwargs["args"]
    assert args[2] == "2015-01-05T00:00:00+00:00"
    assert args[3] == "2015-01-19T00:00:00+00:00"
    assert drain() == 1
    rates = {k: v["rate"] for k, v in by_start("svc", TAKEUP).items()}
    assert rates == {iso(W1): 0.5, iso(W2): 0.25, iso(W3): 0.75}


def test_a_refused_write_queues_nothing(source, client):
    source()
    make_transform("digital_takeup", TX, TAKEUP)
    bad = channels(W1, digital=1) + [{"_timestamp": "not a date", "count": 1}]
    assert post(client, "svc", TX, bad).status_code == 400
    assert waiting() == 0


def test_latest_dataset_value(source, client):
    # Reference: slug "published", completion_rate → _id cHVibGlzaGVkX2NvbXBsZXRpb25fcmF0ZQ==
    source(group="published", data_type="completion-rate")
    make_transform(
        "latest_dataset_value",
        "completion-rate",
        "latest-values",
        output_group=SUMMARY_GROUP,
    )
    write(
        client,
        "published",
        "completion-rate",
        [
            {"_timestamp": day(W1), "rate": 0.4},
            {"_timestamp": day(W2), "rate": 0.6},
        ],
    )
    drain()
    (latest,) = records(SUMMARY_GROUP, "latest-values")
    assert latest["_id"] == "cHVibGlzaGVkX2NvbXBsZXRpb25fcmF0ZQ=="
    assert latest["completion_rate"] == 0.6
    assert latest["dashboard_slug"] == "published"
    assert latest["service_id"] == "published"
    assert latest["_timestamp"] == iso(W2)


def test_a_task_for_a_transform_disabled_since_is_skipped(source, client):
    source()
    transform = make_transform("digital_takeup", TX, TAKEUP)
    write(client, "svc", TX, channels(W1, digital=1))
    transform.enabled = False
    transform.save()
    assert drain() == 1
    (task,) = DBTaskResult.objects.all()
    assert task.status == TaskResultStatus.SUCCESSFUL
    assert "skipped" in task.return_value
    assert find("svc", TAKEUP) is None


def test_task_result_reports_what_it_did(source, client):
    source()
    make_transform("digital_takeup", TX, TAKEUP)
    write(client, "svc", TX, channels(W1, digital=1, paper=1) + channels(W2, digital=1))
    drain()
    (task,) = DBTaskResult.objects.all()
    assert task.status == TaskResultStatus.SUCCESSFUL
    assert task.return_value["data_set"] == "svc_transactions_by_channel"
    assert (task.return_value["computed"], task.return_value["written"]) == (2, 2)
