"""Running a transform twice stores exactly the same records and triggers nothing more."""

import io
import json

import pytest
from django.core.management import call_command
from django_tasks_db.models import DBTaskResult

from .conftest import (
    SUMMARY_GROUP,
    SUMMARY_TYPE,
    TAKEUP,
    TX,
    by_start,
    day,
    delete,
    drain,
    iso,
    make_transform,
    post,
    records,
    snapshot,
    token_for,
    waiting,
    write,
)

pytestmark = pytest.mark.django_db

W1, W2, W3 = "2015-01-05", "2015-01-12", "2015-01-19"
DATA = [
    # W1: 1 / (1 + 3) = 0.25; W2: 2 / (2 + 2) = 0.5
    {"_id": "w1-digital", "_timestamp": day(W1), "channel": "digital", "count": 1},
    {"_id": "w1-paper", "_timestamp": day(W1), "channel": "paper", "count": 3},
    {"_id": "w2-digital", "_timestamp": day(W2), "channel": "digital", "count": 2},
    {"_id": "w2-paper", "_timestamp": day(W2), "channel": "paper", "count": 2},
]


@pytest.fixture
def data_first(source, client):
    """Source data written before any transform exists, so nothing has run yet."""
    source()
    write(client, "svc", TX, DATA)
    assert waiting() == 0
    make_transform("digital_takeup", TX, TAKEUP)
    make_transform(
        "kpi_summary",
        TAKEUP,
        SUMMARY_TYPE,
        output_group=SUMMARY_GROUP,
        options={"kpi": "digital_takeup"},
    )


def run_cli(*args) -> str:
    out = io.StringIO()
    call_command("transforms", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def test_cli_run_now_twice(data_first):
    args = ("run", "--from", "2015-01-01", "--to", "2015-01-31", "--data-set")
    out = run_cli(*args, "svc_transactions_by_channel", "--now")
    assert "wrote 2" in out
    assert "ran 1 transform run(s)" in out
    rates = {k: v["rate"] for k, v in by_start("svc", TAKEUP).items()}
    assert rates == {iso(W1): 0.25, iso(W2): 0.5}
    # The derived write queued the summary; run it.
    assert waiting() == 1
    assert drain() == 1
    first = snapshot("svc", TAKEUP), snapshot(SUMMARY_GROUP, SUMMARY_TYPE)
    tasks = DBTaskResult.objects.count()

    out = run_cli(*args, "svc_transactions_by_channel", "--now")
    assert "wrote 0, deleted 0" in out
    # Same records (including _updated_at), same version, nothing queued.
    assert (snapshot("svc", TAKEUP), snapshot(SUMMARY_GROUP, SUMMARY_TYPE)) == first
    assert DBTaskResult.objects.count() == tasks


def test_cli_run_without_now_queues(data_first):
    out = run_cli("run", "--from", "2015-01-01", "--to", "2015-01-31")
    assert "queued 1 transform run(s)" in out
    assert waiting() == 1
    assert drain() == 2  # the take-up, then the summary it triggered
    assert by_start("svc", TAKEUP)[iso(W2)]["rate"] == 0.5


def test_post_transform_twice(data_first, client):
    body = {"_start_at": "2015-01-01T00:00:00Z", "_end_at": "2015-01-31T00:00:00Z"}
    response = post(client, "svc", TX, body, path="/transform")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"
    assert drain() == 2  # take-up, then summary
    assert by_start("svc", TAKEUP)[iso(W1)]["rate"] == 0.25
    first = snapshot("svc", TAKEUP), snapshot(SUMMARY_GROUP, SUMMARY_TYPE)

    response = post(client, "svc", TX, body, path="/transform")
    assert response.status_code == 200
    assert waiting() == 1
    assert drain() == 1  # the take-up only: it wrote nothing, so no summary run
    assert waiting() == 0
    assert (snapshot("svc", TAKEUP), snapshot(SUMMARY_GROUP, SUMMARY_TYPE)) == first


def test_rewriting_identical_source_data_changes_nothing_derived(source, client):
    source()
    make_transform("digital_takeup", TX, TAKEUP)
    write(client, "svc", TX, DATA)
    drain()
    first = snapshot("svc", TAKEUP)
    write(client, "svc", TX, DATA)  # the same records again
    assert drain() == 1
    assert snapshot("svc", TAKEUP) == first


def test_deleting_source_records_updates_and_removes_derived(source, client):
    source()
    make_transform("digital_takeup", TX, TAKEUP)
    write(client, "svc", TX, DATA)
    drain()
    assert delete(client, "svc", TX, "w1-paper").status_code == 200
    assert drain() == 1
    out = by_start("svc", TAKEUP)
    assert out[iso(W1)]["rate"] == 1.0  # 1 / 1 now
    assert out[iso(W1)]["denominator"] == 1
    assert out[iso(W2)]["rate"] == 0.5  # untouched
    # W2 loses all its records: its derived record goes too.
    assert delete(client, "svc", TX, "w2-digital").status_code == 200
    assert delete(client, "svc", TX, "w2-paper").status_code == 200
    drain()
    assert sorted(by_start("svc", TAKEUP)) == [iso(W1)]


def test_emptying_the_source_removes_the_derived_records(source, client):
    source()
    make_transform("digital_takeup", TX, TAKEUP)
    write(client, "svc", TX, DATA)
    drain()
    response = client.put(
        f"/data/svc/{TX}",
        data=json.dumps([]),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token_for('svc', TX)}",
    )
    assert response.status_code == 200, response.content
    drain()
    assert by_start("svc", TAKEUP) == {}


def test_other_records_in_the_output_are_left_alone(source, client):
    # A hand-written record in the output data set (not shaped like a derived period
    # record) survives re-runs that delete vanished periods.
    source()
    source(data_type=TAKEUP)
    make_transform("digital_takeup", TX, TAKEUP)
    write(client, "svc", TAKEUP, [{"_id": "note", "_timestamp": day(W2), "comment": "hi"}])
    write(client, "svc", TX, DATA)
    drain()
    for record_id in ("w2-digital", "w2-paper"):
        delete(client, "svc", TX, record_id)
    drain()
    kept = by_start("svc", TAKEUP)
    assert sorted(kept) == [iso(W1)]
    assert [r["_id"] for r in records("svc", TAKEUP) if "comment" in r] == ["note"]
