"""Scheduled jobs: enqueued once per period however many workers look, never piled up."""

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.tasks import TaskResultStatus
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from performance_platform.worker.models import ScheduledJob
from performance_platform.worker.runner import Worker

from . import jobs

EVERY = 600
SCHEDULE = {"tick": {"task": "tests.worker.jobs.scheduled_job", "every": EVERY}}


def queued():
    return DBTaskResult.objects.filter(task_path=jobs.scheduled_job.module_path)


def worker(name: str) -> Worker:
    return Worker(worker_id=name, schedule=SCHEDULE)


def age_the_schedule(seconds: float) -> None:
    """Pretend the job was last enqueued ``seconds`` ago."""
    ScheduledJob.objects.filter(name="tick").update(
        last_enqueued_at=timezone.now() - timedelta(seconds=seconds)
    )


@pytest.mark.django_db
def test_a_due_job_is_enqueued_once_and_again_only_after_its_period():
    first, second = worker("a"), worker("b")
    assert first.enqueue_due() == ["tick"]
    assert second.enqueue_due() == []
    assert queued().count() == 1
    assert first.run_pending() == 1
    assert queued().get().status == TaskResultStatus.SUCCESSFUL
    # Done, but not due again yet.
    assert first.enqueue_due() == [] and second.enqueue_due() == []
    age_the_schedule(EVERY - 30)
    assert second.enqueue_due() == []
    assert queued().count() == 1
    age_the_schedule(EVERY + 1)
    assert second.enqueue_due() == ["tick"]
    assert first.enqueue_due() == []
    assert queued().count() == 2
    assert queued().filter(status=TaskResultStatus.READY).count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize("state", ["READY", "RUNNING"])
def test_no_second_copy_while_one_is_waiting_or_running(state):
    assert worker("a").enqueue_due() == ["tick"]
    if state == "RUNNING":
        assert worker("a").claim_next() is not None
    assert queued().get().status == state
    age_the_schedule(EVERY * 10)  # long overdue: the queue is backed up
    assert worker("b").enqueue_due() == []
    assert queued().count() == 1
    assert queued().get().status == state


@pytest.mark.django_db
def test_a_failed_run_does_not_block_the_next_one():
    assert worker("a").enqueue_due() == ["tick"]
    queued().update(status=TaskResultStatus.FAILED)
    age_the_schedule(EVERY + 1)
    assert worker("b").enqueue_due() == ["tick"]
    assert sorted(queued().values_list("status", flat=True)) == ["FAILED", "READY"]


@pytest.mark.django_db
def test_an_empty_schedule_enqueues_nothing():
    assert Worker(schedule={}).enqueue_due() == []
    assert not DBTaskResult.objects.exists()
    assert not ScheduledJob.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_workers_racing_for_a_due_job_enqueue_it_once():
    """Several workers call ``enqueue_due`` at the same moment, round after round."""
    racers = 4
    for round_ in range(5):
        if round_:
            queued().update(status=TaskResultStatus.SUCCESSFUL)
            age_the_schedule(EVERY + 1)
        start = threading.Barrier(racers)
        results: list = []
        errors: list = []

        def race(name, start=start, results=results, errors=errors):
            try:
                w = worker(name)
                start.wait(timeout=30)
                results.append(w.enqueue_due())
            except BaseException as exc:  # reported below
                errors.append(exc)
            finally:
                connection.close()

        threads = [threading.Thread(target=race, args=(f"w{n}",)) for n in range(racers)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        assert not any(t.is_alive() for t in threads)
        assert errors == []
        assert sorted(results) == [[]] * (racers - 1) + [["tick"]], round_
        assert queued().count() == round_ + 1
        assert queued().filter(status=TaskResultStatus.READY).count() == 1
    assert ScheduledJob.objects.count() == 1
