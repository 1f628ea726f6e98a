"""Retries with backoff, failures that are kept, and errors that are final at once."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.tasks import TaskResultStatus
from django.test import override_settings
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from performance_platform.datastore.models import Record
from performance_platform.kpis.models import Transform
from performance_platform.kpis.tasks import run_transform_task
from performance_platform.worker.models import TaskAttemptError
from performance_platform.worker.runner import Worker, retry_delay

from . import jobs, takeup

pytestmark = pytest.mark.django_db


def tasks(*args: str) -> str:
    out = StringIO()
    call_command("tasks", *args, stdout=out)
    return out.getvalue()


def errors_of(row) -> list[tuple[int, bool]]:
    return list(
        TaskAttemptError.objects.filter(task_id=row.pk)
        .order_by("attempt")
        .values_list("attempt", "will_retry")
    )


@override_settings(TASK_MAX_ATTEMPTS=5, TASK_RETRY_DELAY=10, TASK_RETRY_MAX_DELAY=3600)
def test_a_task_that_fails_twice_is_retried_with_backoff_and_succeeds(tmp_path):
    counter = tmp_path / "calls"
    result = jobs.flaky.enqueue(str(counter), 2)
    worker = Worker(worker_id="retrier", schedule={})

    for attempt, delay in ((1, 10), (2, 20)):
        before = timezone.now()
        assert worker.run_pending(ignore_run_after=True, limit=1) == 1
        after = timezone.now()
        row = DBTaskResult.objects.get(pk=result.id)
        assert row.status == TaskResultStatus.READY
        assert len(row.worker_ids) == attempt
        # Back in the queue after TASK_RETRY_DELAY · 2^(attempt − 1) seconds.
        assert before + timedelta(seconds=delay) <= row.run_after
        assert row.run_after <= after + timedelta(seconds=delay)
        assert row.exception_class_path == "builtins.RuntimeError"
        assert f"flaky failure on call {attempt}" in row.traceback
        assert errors_of(row) == [(n, True) for n in range(1, attempt + 1)]
        # Not due yet: an ordinary pass leaves it alone.
        assert worker.run_pending() == 0
        assert DBTaskResult.objects.get(pk=result.id).status == TaskResultStatus.READY

    # Once due, it runs (as the ordinary pass would after the backoff).
    DBTaskResult.objects.filter(pk=result.id).update(run_after=timezone.now())
    assert worker.run_pending() == 1
    row = DBTaskResult.objects.get(pk=result.id)
    assert row.status == TaskResultStatus.SUCCESSFUL
    assert row.return_value == 3
    assert row.worker_ids == ["retrier"] * 3  # attempts: 3
    assert row.exception_class_path == "" and row.traceback == ""
    assert counter.read_text() == "3"
    kept = list(TaskAttemptError.objects.filter(task_id=row.pk).order_by("attempt"))
    assert [(e.attempt, e.will_retry) for e in kept] == [(1, True), (2, True)]
    assert [e.message for e in kept] == ["flaky failure on call 1", "flaky failure on call 2"]
    assert all("RuntimeError" in e.traceback for e in kept)
    assert {e.task_path for e in kept} == {"tests.worker.jobs.flaky"}
    assert {e.worker_id for e in kept} == {"retrier"}


@override_settings(TASK_RETRY_DELAY=30, TASK_RETRY_MAX_DELAY=100)
def test_retry_delay_doubles_and_is_capped():
    assert [retry_delay(n) for n in range(1, 7)] == [30, 60, 100, 100, 100, 100]
    assert retry_delay(100_000) == 100  # no overflow, however many attempts


@override_settings(TASK_RETRY_DELAY=5, TASK_RETRY_MAX_DELAY=3600, TASK_MAX_ATTEMPTS=50)
def test_the_retry_wait_is_capped_on_the_row_too():
    result = jobs.broken.enqueue()
    DBTaskResult.objects.filter(pk=result.id).update(worker_ids=["w"] * 20)
    before = timezone.now()
    assert Worker(schedule={}).run_pending(ignore_run_after=True, limit=1) == 1
    row = DBTaskResult.objects.get(pk=result.id)
    assert row.status == TaskResultStatus.READY
    assert len(row.worker_ids) == 21
    assert before + timedelta(seconds=3600) <= row.run_after
    assert row.run_after <= timezone.now() + timedelta(seconds=3600)


@override_settings(TASK_MAX_ATTEMPTS=3, TASK_RETRY_DELAY=1)
def test_a_task_that_keeps_failing_is_kept_as_failed_never_dropped(tmp_path):
    counter = tmp_path / "calls"
    result = jobs.flaky.enqueue(str(counter), 3)  # fails on each of its 3 attempts
    worker = Worker(worker_id="w", schedule={})
    ran = 0
    while worker.run_pending(ignore_run_after=True, limit=1):
        ran += 1
        assert ran <= 3
    assert ran == 3
    row = DBTaskResult.objects.get(pk=result.id)
    assert row.status == TaskResultStatus.FAILED
    assert len(row.worker_ids) == 3
    assert row.finished_at is not None
    assert row.exception_class_path == "builtins.RuntimeError"
    assert "Traceback" in row.traceback and "flaky failure on call 3" in row.traceback
    assert errors_of(row) == [(1, True), (2, True), (3, False)]

    listed = tasks("list", "--status", "failed")
    assert f"{row.pk}  FAILED" in listed
    assert "attempts=3" in listed and "flaky(" in listed
    assert tasks("list", "--status", "successful") == ""
    shown = tasks("errors", str(row.pk)).splitlines()
    assert len(shown) == 3
    assert sum("(will retry)" in line for line in shown) == 2
    assert sum("(final)" in line for line in shown) == 1
    assert all("builtins.RuntimeError: flaky failure on call" in line for line in shown)
    assert tasks("errors", "--limit", "1", str(row.pk)).count("\n") == 1

    assert tasks("retry", str(row.pk)) == "queued 1 task(s) again\n"
    row.refresh_from_db()
    assert row.status == TaskResultStatus.READY
    assert row.finished_at is None
    assert row.run_after <= timezone.now()
    assert tasks("list", "--status", "failed") == ""
    # Queued again, it runs at once; the call counter lets it succeed this time.
    assert worker.run_pending() == 1
    row.refresh_from_db()
    assert row.status == TaskResultStatus.SUCCESSFUL
    assert row.return_value == 4
    # The errors of the earlier attempts are still there.
    assert errors_of(row) == [(1, True), (2, True), (3, False)]


@override_settings(TASK_MAX_ATTEMPTS=1)
def test_retry_all_failed_queues_only_the_failed_tasks():
    failed = [jobs.broken.enqueue(), jobs.misconfigured.enqueue()]
    assert Worker(schedule={}).run_pending() == 2
    ok = jobs.add.enqueue(2, 2)
    assert Worker(schedule={}).run_pending() == 1
    assert tasks("retry", "--all-failed") == "queued 2 task(s) again\n"
    statuses = {str(pk): s for pk, s in DBTaskResult.objects.values_list("pk", "status")}
    assert statuses == {failed[0].id: "READY", failed[1].id: "READY", ok.id: "SUCCESSFUL"}
    assert tasks("retry", "--all-failed") == "queued 0 task(s) again\n"


@override_settings(TASK_MAX_ATTEMPTS=5)
def test_a_permanent_error_fails_at_once():
    result = jobs.misconfigured.enqueue()
    assert Worker(schedule={}).run_pending(ignore_run_after=True) == 1
    row = DBTaskResult.objects.get(pk=result.id)
    assert row.status == TaskResultStatus.FAILED
    assert len(row.worker_ids) == 1
    assert row.exception_class_path == "performance_platform.worker.runner.PermanentError"
    assert "the configuration is wrong" in row.traceback
    error = TaskAttemptError.objects.get(task_id=row.pk)
    assert (error.attempt, error.will_retry) == (1, False)
    assert error.message == "the configuration is wrong"
    assert Worker(schedule={}).run_pending(ignore_run_after=True) == 0


@pytest.mark.django_db(transaction=True)  # kpis.tasks closes the connection on an error
@override_settings(TASK_MAX_ATTEMPTS=5)
def test_a_transform_over_bad_source_data_fails_at_once_and_says_why():
    """The real task: a non-numeric count is a TransformError (a PermanentError)."""
    source, output = takeup.configure("bad-data")
    records = takeup.make_records(3, 1, seed=0)
    records[0]["count"] = "lots"
    takeup.store(source, records)
    row = DBTaskResult.objects.get(task_path=run_transform_task.module_path)
    assert Worker(schedule={}).run_pending(ignore_run_after=True) == 1
    row.refresh_from_db()
    assert row.status == TaskResultStatus.FAILED
    assert row.exception_class_path == "performance_platform.kpis.errors.TransformError"
    error = TaskAttemptError.objects.get(task_id=row.pk)
    assert error.will_retry is False
    assert "'lots'" in error.message
    transform = Transform.objects.get()
    assert "TransformError" in transform.last_error
    assert not Record.objects.filter(data_set=output).exists()
