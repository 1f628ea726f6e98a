"""Crash recovery without processes: which RUNNING tasks ``recover_lost`` takes over."""

import threading
import time
from datetime import timedelta

import pytest
from django.db import connection
from django.tasks import TaskResultStatus
from django.test import override_settings
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from performance_platform.worker.models import TaskAttemptError, WorkerHeartbeat
from performance_platform.worker.runner import Worker

from . import jobs
from .helpers import wait_for

LOST = "performance_platform.worker.runner.WorkerLost"


def running_task(worker_id: str, *, started_ago: float) -> DBTaskResult:
    """A task claimed by ``worker_id``, started ``started_ago`` seconds ago."""
    result = jobs.add.enqueue(1, 2)
    row = Worker(worker_id=worker_id, schedule={}).claim_next()
    assert row is not None and str(row.pk) == result.id
    DBTaskResult.objects.filter(pk=row.pk).update(
        started_at=timezone.now() - timedelta(seconds=started_ago)
    )
    row.refresh_from_db()
    assert row.status == TaskResultStatus.RUNNING
    return row


def heartbeat(worker_id: str, *, seconds_ago: float) -> None:
    seen = timezone.now() - timedelta(seconds=seconds_ago)
    WorkerHeartbeat.objects.create(worker_id=worker_id, started_at=seen, last_seen=seen)


@pytest.mark.django_db
def test_a_task_of_a_worker_with_a_fresh_heartbeat_is_not_taken_over():
    row = running_task("alive", started_ago=3600)  # a long task, but its worker beats
    heartbeat("alive", seconds_ago=5)
    assert Worker(lease=60, schedule={}).recover_lost() == 0
    row.refresh_from_db()
    assert row.status == TaskResultStatus.RUNNING
    assert row.worker_ids == ["alive"]
    assert not TaskAttemptError.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("beat", [120, None], ids=["stale-heartbeat", "no-heartbeat"])
@override_settings(TASK_MAX_ATTEMPTS=5, TASK_RETRY_DELAY=30, TASK_RETRY_MAX_DELAY=3600)
def test_a_task_of_a_silent_worker_is_put_back_in_the_queue(beat):
    row = running_task("gone", started_ago=300)
    if beat is not None:
        heartbeat("gone", seconds_ago=beat)
    before = timezone.now()
    assert Worker(lease=60, schedule={}).recover_lost() == 1
    after = timezone.now()
    row.refresh_from_db()
    assert row.status == TaskResultStatus.READY
    assert before + timedelta(seconds=30) <= row.run_after <= after + timedelta(seconds=30)
    assert row.exception_class_path == LOST
    error = TaskAttemptError.objects.get(task_id=row.pk)
    assert (error.attempt, error.will_retry, error.worker_id) == (1, True, "gone")
    assert error.exception_class_path == LOST
    assert "gone" in error.message
    # Only once: a second look finds nothing RUNNING.
    assert Worker(lease=60, schedule={}).recover_lost() == 0
    # And the requeued task then runs to the end, as its second attempt.
    assert Worker(worker_id="next", schedule={}).run_pending(ignore_run_after=True) == 1
    row.refresh_from_db()
    assert row.status == TaskResultStatus.SUCCESSFUL
    assert row.return_value == 3
    assert row.worker_ids == ["gone", "next"]


@pytest.mark.django_db
def test_a_task_started_within_the_lease_is_left_alone_even_without_a_heartbeat():
    """A worker that claimed a task a moment ago may not have beaten yet."""
    row = running_task("new", started_ago=10)
    assert Worker(lease=60, schedule={}).recover_lost() == 0
    row.refresh_from_db()
    assert row.status == TaskResultStatus.RUNNING
    # Once the lease has run out it is taken over.
    assert Worker(lease=5, schedule={}).recover_lost() == 1


@pytest.mark.django_db
def test_only_the_silent_workers_tasks_are_taken_over():
    kept = running_task("alive", started_ago=600)
    lost = running_task("gone", started_ago=600)
    heartbeat("alive", seconds_ago=1)
    heartbeat("gone", seconds_ago=600)
    assert Worker(lease=60, schedule={}).recover_lost() == 1
    kept.refresh_from_db()
    lost.refresh_from_db()
    assert (kept.status, lost.status) == (TaskResultStatus.RUNNING, TaskResultStatus.READY)


@pytest.mark.django_db
@override_settings(TASK_MAX_ATTEMPTS=3, TASK_RETRY_DELAY=1)
def test_a_task_lost_on_its_last_attempt_is_failed_and_kept():
    row = running_task("w1", started_ago=600)
    for n in (2, 3):
        assert Worker(lease=60, schedule={}).recover_lost() == 1
        row.refresh_from_db()
        assert row.status == TaskResultStatus.READY
        # The next worker claims it (the retry is due) and is lost too.
        claimed = Worker(worker_id=f"w{n}", schedule={}).claim_next(ignore_run_after=True)
        assert claimed is not None and claimed.pk == row.pk
        DBTaskResult.objects.filter(pk=row.pk).update(
            started_at=timezone.now() - timedelta(seconds=600)
        )
    assert Worker(lease=60, schedule={}).recover_lost() == 1
    row.refresh_from_db()
    assert row.status == TaskResultStatus.FAILED
    assert row.worker_ids == ["w1", "w2", "w3"]
    assert row.exception_class_path == LOST
    assert "WorkerLost" in row.traceback
    assert row.finished_at is not None
    errors = list(TaskAttemptError.objects.filter(task_id=row.pk).order_by("attempt"))
    assert [(e.attempt, e.worker_id, e.will_retry) for e in errors] == [
        (1, "w1", True),
        (2, "w2", True),
        (3, "w3", False),
    ]
    assert {e.exception_class_path for e in errors} == {LOST}
    # FAILED is final: nothing more happens to it, and no worker runs it.
    assert Worker(lease=60, schedule={}).recover_lost() == 0
    assert Worker(schedule={}).run_pending(ignore_run_after=True) == 0


@pytest.mark.django_db
def test_a_task_finished_meanwhile_is_not_touched():
    row = running_task("gone", started_ago=600)
    row.set_successful(3)
    assert Worker(lease=60, schedule={}).recover_lost() == 0
    row.refresh_from_db()
    assert row.status == TaskResultStatus.SUCCESSFUL
    assert not TaskAttemptError.objects.exists()


@pytest.mark.django_db
def test_very_old_heartbeats_are_cleaned_up_and_recent_ones_kept():
    heartbeat("ancient", seconds_ago=2 * 86_400)
    heartbeat("recent", seconds_ago=120)
    Worker(lease=60, schedule={}).recover_lost()
    assert list(WorkerHeartbeat.objects.values_list("worker_id", flat=True)) == ["recent"]


@pytest.mark.django_db(transaction=True)
def test_a_long_task_run_by_run_pending_keeps_beating_and_is_not_taken_over(tmp_path):
    """``worker --batch`` (``run_pending``) runs tasks too: they must not look lost.

    A batch worker with a 2 s lease runs a task that lasts until the test lets it end; a
    second worker looks for lost tasks after the lease has run out. The batch worker is
    alive, so nothing is taken over and the task ends SUCCESSFUL on its first attempt.
    """
    done = tmp_path / "done"
    result = jobs.wait_for_file.enqueue(str(done), "finished")
    batch = Worker(worker_id="batch", lease=2, schedule={})
    ran = []

    def run():
        try:
            ran.append(batch.run_pending())
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    try:
        wait_for(
            lambda: DBTaskResult.objects.filter(
                pk=result.id, status=TaskResultStatus.RUNNING
            ).exists(),
            what="the batch worker to claim the task",
        )
        time.sleep(3)  # past the 2 s lease: only the heartbeats show the worker is alive
        assert Worker(worker_id="other", lease=2, schedule={}).recover_lost() == 0
        assert DBTaskResult.objects.get(pk=result.id).status == TaskResultStatus.RUNNING
    finally:
        done.touch()
        thread.join(timeout=60)
    assert not thread.is_alive()
    assert ran == [1]
    row = DBTaskResult.objects.get(pk=result.id)
    assert row.status == TaskResultStatus.SUCCESSFUL
    assert row.return_value == "finished"
    assert row.worker_ids == ["batch"]
    assert not TaskAttemptError.objects.exists()
    assert not WorkerHeartbeat.objects.exists()


def test_stop_is_safe_in_a_signal_handler():
    """``Worker.stop`` is the SIGTERM/SIGINT handler; it runs between any two bytecodes
    of the main thread, so it must not take a lock that thread may be holding: the lock
    of the Event the worker used to wait on was one (and a deadlock until SIGKILL)."""
    worker = Worker(schedule={})
    returned = threading.Event()

    def interrupted_while_holding_the_lock():
        with worker._stop._cond:  # as when a signal lands inside Event.wait/set
            worker.stop()
        returned.set()

    thread = threading.Thread(target=interrupted_while_holding_the_lock, daemon=True)
    thread.start()
    assert returned.wait(timeout=10), "Worker.stop() blocked on a lock"
    assert worker.running is False
    # And a worker idling between polls notices the stop at once, not after --interval.
    idle = Worker(schedule={})
    timer = threading.Timer(0.2, idle.stop)
    timer.start()
    started = time.monotonic()
    assert idle._idle(60) is True
    assert time.monotonic() - started < 30
    timer.join()
