"""A transform that cannot run fails visibly and writes nothing.

These tests run the worker's failure path, which closes the database connection after an
error (as a real worker must); that needs real transactions, not the test's wrapping one.
"""

import pytest
from django.tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from performance_platform.kpis.models import Transform
from performance_platform.worker.models import TaskAttemptError
from performance_platform.worker.runner import run_pending

from .conftest import TAKEUP, TX, by_start, day, drain, iso, make_transform, snapshot, write

pytestmark = pytest.mark.django_db(transaction=True)

W1, W2 = "2015-01-05", "2015-01-12"


def rec(date, channel, count, record_id):
    return {"_id": record_id, "_timestamp": day(date), "channel": channel, "count": count}


@pytest.fixture
def takeup(source, client):
    source()
    transform = make_transform("digital_takeup", TX, TAKEUP)
    # W1: 1 / (1 + 3) = 0.25; W2: 2 / (2 + 2) = 0.5
    write(
        client,
        "svc",
        TX,
        [
            rec(W1, "digital", 1, "w1-digital"),
            rec(W1, "paper", 3, "w1-paper"),
            rec(W2, "digital", 2, "w2-digital"),
            rec(W2, "paper", 2, "w2-paper"),
        ],
    )
    assert drain() == 1
    assert by_start("svc", TAKEUP)[iso(W1)]["rate"] == 0.25
    return transform


def test_non_numeric_count_fails_the_task_and_writes_nothing(takeup, client):
    before = snapshot("svc", TAKEUP)
    tasks_before = DBTaskResult.objects.count()
    # One batch over both weeks: W1's digital count changes to a good number (which
    # alone would make W1 9 / 12 = 0.75), W2's paper count becomes text.
    write(
        client,
        "svc",
        TX,
        [rec(W1, "digital", 9, "w1-digital"), rec(W2, "paper", "12", "w2-paper")],
    )
    assert DBTaskResult.objects.count() == tasks_before + 1
    assert drain() == 1

    # The task is FAILED at once (a PermanentError is not retried)...
    (task,) = DBTaskResult.objects.order_by("-enqueued_at")[:1]
    assert task.status == TaskResultStatus.FAILED
    assert task.exception_class_path.endswith("TransformError")
    # ... with one attempt error kept, not to be retried ...
    (attempt,) = TaskAttemptError.objects.filter(task_id=task.id)
    assert attempt.will_retry is False
    assert attempt.attempt == 1
    # ... and the message names the record, its value and the field.
    for text in (attempt.message, Transform.objects.get(pk=takeup.pk).last_error):
        assert "w2-paper" in text
        assert "'12'" in text
        assert "count = '12'" in text
        assert "svc/transactions-by-channel" in text
    transform = Transform.objects.get(pk=takeup.pk)
    assert transform.last_error.startswith("TransformError: ")
    assert transform.last_error_at is not None

    # Nothing half-written: W1 keeps 0.25, the output's version did not move.
    assert snapshot("svc", TAKEUP) == before
    assert by_start("svc", TAKEUP)[iso(W1)]["rate"] == 0.25

    # Not retried, even ignoring backoff.
    assert run_pending(ignore_run_after=True) == 0
    assert TaskAttemptError.objects.count() == 1


def test_fixing_the_source_queues_a_fresh_run_that_succeeds(takeup, client):
    write(client, "svc", TX, [rec(W2, "paper", "two", "w2-paper")])
    drain()
    assert Transform.objects.get(pk=takeup.pk).last_error != ""
    write(client, "svc", TX, [rec(W2, "paper", 6, "w2-paper")])
    assert drain() == 1
    transform = Transform.objects.get(pk=takeup.pk)
    assert transform.last_error == ""
    assert transform.last_success_at is not None
    assert by_start("svc", TAKEUP)[iso(W2)]["rate"] == 0.25  # 2 / (2 + 6)


@pytest.mark.parametrize("bad", [True, "NaN", "1e3", ""])
def test_other_non_numbers_fail_too(takeup, client, bad):
    before = snapshot("svc", TAKEUP)
    write(client, "svc", TX, [rec(W1, "paper", bad, "w1-paper")])
    drain()
    (task,) = DBTaskResult.objects.order_by("-enqueued_at")[:1]
    assert task.status == TaskResultStatus.FAILED
    assert "w1-paper" in Transform.objects.get(pk=takeup.pk).last_error
    assert snapshot("svc", TAKEUP) == before


def test_non_numeric_rating_in_user_satisfaction(source, client):
    raw, out = "customer-satisfaction", "user-satisfaction-score"
    source(data_type=raw)
    transform = make_transform("user_satisfaction", raw, out)
    write(
        client,
        "svc",
        raw,
        [{"_id": "jan", "_timestamp": day(W1), "rating_1": 1, "rating_5": "lots"}],
    )
    drain()
    error = Transform.objects.get(pk=transform.pk).last_error
    assert "jan" in error
    assert "rating_5" in error
    assert by_start("svc", out) == {}


def test_per_transaction_error_keeps_earlier_quarters(source, client):
    cost, out = "cost-per-transaction", "cost-per-transaction-by-quarter"
    source(data_type=cost)
    transform = make_transform("cost_per_transaction", cost, out)
    q1 = {"_id": "q1", "_timestamp": day("2015-01-01"), "channel": "cost_per_transaction"}
    write(client, "svc", cost, [{**q1, "count": 4.0}])
    drain()
    before = snapshot("svc", out)
    # One batch: Q1 gets a new figure, Q2 gets two rows (an error computing Q2).
    write(
        client,
        "svc",
        cost,
        [
            {**q1, "count": 5.0},
            {"_timestamp": day("2015-04-01"), "channel": "cost_per_transaction_a", "count": 1},
            {"_timestamp": day("2015-05-01"), "channel": "cost_per_transaction_b", "count": 2},
        ],
    )
    drain()
    assert "2015-04-01" in Transform.objects.get(pk=transform.pk).last_error
    assert snapshot("svc", out) == before
    assert by_start("svc", out)[iso("2015-01-01")]["cost_per_transaction"] == 4.0
