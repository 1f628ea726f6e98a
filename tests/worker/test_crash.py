"""A worker killed in the middle of a transform: the task is taken over, nothing is lost.

A real ``performance-platform worker`` runs a digital take-up transform over tens of
thousands of records; it is SIGKILLed while the task is RUNNING. A second worker with a
short lease must notice the missing heartbeats, put the task back in the queue as a
failed attempt (``WorkerLost``) and run it again, and the derived records must then be
exactly right: one per day with data, each with the value computed here independently.

On PostgreSQL the kill lands inside the transform's transaction for certain: the test
holds the output data set's row lock, so the worker blocks inside its transaction
until it is killed. On SQLite (whose locks are database-wide) the kill is timed to land
just after the task is claimed, and the cycle is repeated if it came too late.
"""

import psycopg
import pytest
from django.db import connection
from django.tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from performance_platform.datastore.models import DataSet, Record
from performance_platform.kpis.tasks import run_transform_task
from performance_platform.worker.models import TaskAttemptError
from tests.conftest import database_url_for_tests

from . import takeup
from .helpers import wait_for

DAYS = 2500
PER_CHANNEL = 8
CYCLES = 5
ENV = {"TASK_RETRY_DELAY": "1", "TASK_MAX_ATTEMPTS": "5"}

pytestmark = [pytest.mark.server, pytest.mark.django_db(transaction=True)]


def mismatches(output: DataSet, records: list[dict] | None) -> list[str]:
    """How the output differs from one derived record per day with data of ``records``.

    ``None`` stands for "no records written yet": the output must be empty.
    """
    expected = takeup.expected_takeup(records or [])
    found: dict[str, dict] = {}
    for record_id, data in Record.objects.filter(data_set=output).values_list("record_id", "data"):
        assert record_id not in found
        found[record_id] = data
    wrong = []
    if sorted(found) != sorted(e["_id"] for e in expected.values()):
        wrong.append(f"{len(found)} derived records, expected {len(expected)}")
    for start, want in expected.items():
        got = found.get(want["_id"])
        if got is None:
            continue
        same = (
            got["_start_at"] == start
            and got["_end_at"] == want["_end_at"]
            and got["numerator"] == want["numerator"]
            and got["denominator"] == want["denominator"]
            and (
                got["rate"] is None
                if want["rate"] is None
                else got["rate"] == pytest.approx(want["rate"], rel=1e-12)
            )
        )
        if not same:
            wrong.append(f"{start}: got {got}, expected {want}")
    return wrong[:5]


def transform_tasks():
    return DBTaskResult.objects.filter(task_path=run_transform_task.module_path)


def waiting_on_a_lock() -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity "
            "WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        return cursor.fetchone()[0]


def test_a_worker_killed_mid_task_loses_and_duplicates_nothing(start_worker):
    postgres = connection.vendor == "postgresql"
    source, output = takeup.configure("crash-test", rollup=False)
    records = takeup.make_records(DAYS, PER_CHANNEL, seed=0)
    assert len(records) > 40_000
    takeup.store(source, records)
    previous = None  # the records whose derived records are stored (none yet)
    landed = []
    for cycle in range(CYCLES):
        task = transform_tasks().get(status=TaskResultStatus.READY)
        lock = None
        if postgres:
            # Hold the output's row lock: the worker's transform blocks inside its
            # transaction, so the kill below lands mid-transaction for certain.
            lock = psycopg.connect(database_url_for_tests())
            lock.execute(
                f"SELECT id FROM {DataSet._meta.db_table} WHERE id = %s FOR UPDATE", [output.pk]
            )
        try:
            first = start_worker(
                "--no-schedule", "--interval", "0.05", "--worker-id", f"doomed-{cycle}", **ENV
            )
            wait_for(
                lambda task=task: DBTaskResult.objects.filter(
                    pk=task.pk, status=TaskResultStatus.RUNNING
                ).exists(),
                interval=0.002,
                what="the first worker to claim the transform task",
            )
            if postgres:
                wait_for(waiting_on_a_lock, what="the transform to block on the row lock")
            first.kill()
            assert not first.alive()
        finally:
            if lock is not None:
                lock.rollback()
                lock.close()
        task.refresh_from_db()
        if task.status != TaskResultStatus.RUNNING:
            # Too late (SQLite only): the task had finished. Write new figures and retry.
            assert not postgres, "the kill cannot come late while the row lock is held"
            assert task.status == TaskResultStatus.SUCCESSFUL
            assert task.worker_ids == [f"doomed-{cycle}"]
            assert mismatches(output, records) == []
            previous, records = records, takeup.make_records(DAYS, PER_CHANNEL, seed=cycle + 1)
            takeup.store(source, records)
            continue
        landed.append(cycle)
        assert task.worker_ids == [f"doomed-{cycle}"]
        # The killed run is all or nothing: its transaction never committed (PostgreSQL:
        # it was blocked before writing), or it committed whole just before the kill.
        if postgres:
            assert mismatches(output, previous) == []
        else:
            assert mismatches(output, previous) == [] or mismatches(output, records) == []

        second = start_worker(
            "--no-schedule", "--interval", "0.05", "--lease", "1", "--worker-id", "rescuer", **ENV
        )
        wait_for(
            lambda task=task: (
                not DBTaskResult.objects.filter(
                    status__in=[TaskResultStatus.READY, TaskResultStatus.RUNNING]
                ).exists()
                and DBTaskResult.objects.filter(
                    pk=task.pk, status=TaskResultStatus.SUCCESSFUL
                ).exists()
            ),
            what="the second worker to take over and finish the task",
        )
        code, _out, err = second.terminate()
        assert code == 0, err
        assert "Traceback" not in err
        break

    assert landed, f"no kill out of {CYCLES} landed while the task was running"
    task.refresh_from_db()
    assert task.status == TaskResultStatus.SUCCESSFUL
    assert task.worker_ids == [f"doomed-{landed[0]}", "rescuer"]  # attempts == 2
    lost = TaskAttemptError.objects.get(task_id=task.pk)
    assert lost.exception_class_path == "performance_platform.worker.runner.WorkerLost"
    assert lost.attempt == 1
    assert lost.will_retry is True
    assert lost.worker_id == f"doomed-{landed[0]}"
    assert task.return_value["computed"] == len(takeup.expected_takeup(records))
    days = len(takeup.expected_takeup(records))
    assert days == DAYS - len(range(3, DAYS, 7))  # the gap days have no derived record
    assert mismatches(output, records) == []
    # Every transform task ended SUCCESSFUL; nothing is left queued or failed.
    assert set(transform_tasks().values_list("status", flat=True)) == {"SUCCESSFUL"}
