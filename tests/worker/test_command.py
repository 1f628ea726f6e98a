"""``performance-platform worker`` and ``tasks``: batch runs, clean stops, hostile arguments."""

import signal
import time
import uuid
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.tasks import TaskResultStatus
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from performance_platform.worker.models import WorkerHeartbeat
from performance_platform.worker.runner import run_pending

from . import jobs
from .helpers import run_cli, wait_for


def statuses() -> dict[str, str]:
    return {str(pk): s for pk, s in DBTaskResult.objects.values_list("pk", "status")}


def assert_clean_failure(result, message: str) -> None:
    assert result.returncode != 0, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr, result.stderr
    assert "Traceback" not in result.stdout, result.stdout
    assert message in result.stderr, result.stderr
    assert len(result.stderr) < 5000  # a hostile value is not echoed back in full


# --- worker --batch ------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_batch_runs_the_ready_tasks_and_exits():
    ready = [jobs.add.enqueue(n, n) for n in range(3)]
    later = jobs.add.using(run_after=timezone.now() + timedelta(hours=1)).enqueue(9, 9)
    result = run_cli("worker", "--batch")
    assert result.returncode == 0, result.stderr
    assert result.stdout == "ran 3 task(s)\n"
    assert "Traceback" not in result.stderr
    assert statuses() == {**{r.id: "SUCCESSFUL" for r in ready}, later.id: "READY"}
    assert [DBTaskResult.objects.get(pk=r.id).return_value for r in ready] == [0, 2, 4]
    assert not WorkerHeartbeat.objects.exists()
    # Nothing left that is due: a second batch runs nothing.
    again = run_cli("worker", "--batch")
    assert (again.returncode, again.stdout) == (0, "ran 0 task(s)\n")


@pytest.mark.django_db(transaction=True)
def test_batch_stops_after_max_tasks():
    queued = [jobs.add.enqueue(n, 1) for n in range(3)]
    result = run_cli("worker", "--batch", "--max-tasks", "2")
    assert result.returncode == 0, result.stderr
    assert result.stdout == "ran 2 task(s)\n"
    assert sorted(statuses()[r.id] for r in queued) == ["READY", "SUCCESSFUL", "SUCCESSFUL"]


@pytest.mark.django_db(transaction=True)
def test_batch_keeps_failures_and_exits_zero():
    """A failing task is the task's problem, kept in the queue; the batch itself succeeded."""
    broken = jobs.broken.enqueue()
    result = run_cli("worker", "--batch", TASK_MAX_ATTEMPTS="1")
    assert result.returncode == 0, result.stderr
    assert result.stdout == "ran 1 task(s)\n"
    assert statuses() == {broken.id: "FAILED"}


# --- the worker loop ------------------------------------------------------------------


@pytest.mark.server
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_the_worker_runs_tasks_and_stops_cleanly_on_a_signal(start_worker, signum):
    worker = start_worker("--no-schedule", "--interval", "0.1", "--worker-id", "stopper")
    wait_for(
        lambda: WorkerHeartbeat.objects.filter(worker_id="stopper").exists(),
        what="the worker to register",
    )
    beat = WorkerHeartbeat.objects.get(worker_id="stopper")
    assert beat.pid == worker.pid
    task = jobs.add.enqueue(20, 22)
    wait_for(lambda: statuses()[task.id] == "SUCCESSFUL", what="the worker to run the task")
    assert DBTaskResult.objects.get(pk=task.id).worker_ids == ["stopper"]
    code, _out, err = worker.terminate(signum)
    assert code == 0, err
    assert "Traceback" not in err
    assert not WorkerHeartbeat.objects.filter(worker_id="stopper").exists()


@pytest.mark.server
@pytest.mark.django_db(transaction=True)
def test_sigterm_lets_the_running_task_finish(start_worker, tmp_path):
    done = tmp_path / "done"
    worker = start_worker("--no-schedule", "--interval", "0.1", "--worker-id", "finisher")
    task = jobs.wait_for_file.enqueue(str(done), "finished")
    wait_for(lambda: statuses()[task.id] == "RUNNING", what="the worker to start the task")
    worker.process.send_signal(signal.SIGTERM)
    time.sleep(0.5)
    assert worker.alive()  # still finishing its task
    assert statuses()[task.id] == "RUNNING"
    done.touch()
    code, _out, err = worker.finish()
    assert code == 0, err
    row = DBTaskResult.objects.get(pk=task.id)
    assert row.status == TaskResultStatus.SUCCESSFUL
    assert row.return_value == "finished"
    assert row.worker_ids == ["finisher"]
    assert not WorkerHeartbeat.objects.exists()


@pytest.mark.server
@pytest.mark.django_db(transaction=True)
def test_signals_in_quick_succession_never_hang_the_worker(start_worker):
    """SIGTERM then SIGINT at once (an impatient operator, a supervisor and a terminal).

    The signal handler used to set a ``threading.Event``, which takes a lock: a second
    signal arriving while the first handler held it (or one arriving while the worker
    waited on that Event) deadlocked the process, which then had to be SIGKILLed.
    The race is narrow: several workers are stopped this way at once to widen the
    chance of seeing it (``test_stop_is_safe_in_a_signal_handler`` pins it down).
    """
    workers = [
        start_worker("--no-schedule", "--interval", "1", "--worker-id", f"hurried-{n}")
        for n in range(8)
    ]
    wait_for(
        lambda: WorkerHeartbeat.objects.filter(worker_id__startswith="hurried-").count() == 8,
        what="the workers to register",
    )
    for worker in workers:
        worker.process.send_signal(signal.SIGTERM)
        worker.process.send_signal(signal.SIGINT)
    for worker in workers:
        code, _out, err = worker.finish(timeout=30)  # a deadlock fails here
        assert "Traceback" not in err
        # 0, or killed by the second signal while the interpreter was already exiting
        # (Python restores the default handlers then): either way it stopped by itself.
        assert code in (0, -signal.SIGINT), (code, err)
    assert not WorkerHeartbeat.objects.exists()


@pytest.mark.server
@pytest.mark.django_db(transaction=True)
def test_the_worker_exits_after_max_tasks(start_worker):
    queued = [jobs.add.enqueue(n, 0) for n in range(3)]
    worker = start_worker("--no-schedule", "--interval", "0.1", "--max-tasks", "2")
    code, _out, err = worker.finish()
    assert code == 0, err
    assert sorted(statuses()[r.id] for r in queued) == ["READY", "SUCCESSFUL", "SUCCESSFUL"]
    assert not WorkerHeartbeat.objects.exists()


# --- hostile arguments ------------------------------------------------------------------

LONG = "x" * 10_240
BAD_SECONDS = "seconds must be between 0 and 86400"

WORKER_REFUSALS = [
    (["--interval", "-1"], BAD_SECONDS),
    (["--interval=-inf"], BAD_SECONDS),
    (["--interval", "nan"], BAD_SECONDS),
    (["--interval", "NaN"], BAD_SECONDS),
    (["--interval", "inf"], BAD_SECONDS),
    (["--interval", "1e400"], BAD_SECONDS),
    (["--interval", "86401"], BAD_SECONDS),
    (["--interval", "9" * 10_000], BAD_SECONDS),
    (["--interval", ""], "not a number of seconds: ''"),
    (["--interval", "soon"], "not a number of seconds: 'soon'"),
    (["--interval", LONG], "not a number of seconds"),
    (["--lease", "-5"], BAD_SECONDS),
    (["--lease", "nan"], BAD_SECONDS),
    (["--lease", "1e309"], BAD_SECONDS),
    (["--lease", "99999999"], BAD_SECONDS),
    (["--lease", "0"], "--lease must be at least 1 second"),
    (["--lease", "0.5"], "--lease must be at least 1 second"),
    (["--lease", "0." + "0" * 10_000 + "1"], "--lease must be at least 1 second"),
    (["--lease", "a while"], "not a number of seconds"),
    (["--max-tasks", "0"], "--max-tasks must be at least 1"),
    (["--max-tasks", "-3"], "--max-tasks must be at least 1"),
    (["--max-tasks", "1.5"], "invalid int value: '1.5'"),
    (["--max-tasks", "lots"], "invalid int value: 'lots'"),
    (["--worker-id", LONG], "--worker-id must be 1 to 64 printable characters"),
    (["--worker-id", ""], "--worker-id must be 1 to 64 printable characters"),
    (["--worker-id", "tab\there"], "--worker-id must be 1 to 64 printable characters"),
    (["--worker-id", "new\nline"], "--worker-id must be 1 to 64 printable characters"),
    (["--no-such-option"], "unrecognized arguments: --no-such-option"),
    (["--interval"], "expected one argument"),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("args", "message"), WORKER_REFUSALS)
def test_worker_refuses(args, message):
    jobs.add.enqueue(1, 1)
    # --batch: were an argument wrongly accepted, this would run once, not for ever.
    with pytest.raises(CommandError) as raised:
        call_command("worker", "--batch", *args)
    assert message in str(raised.value)
    assert len(str(raised.value)) < 1000
    assert set(statuses().values()) == {"READY"}  # nothing ran
    assert not WorkerHeartbeat.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("worker_id", ["nul\x00byte", "\x00", "bell\x07", "\u2028"])
def test_worker_refuses_unprintable_ids(worker_id):
    with pytest.raises(CommandError, match="--worker-id must be 1 to 64 printable characters"):
        call_command("worker", "--batch", "--worker-id", worker_id)
    assert not WorkerHeartbeat.objects.exists()


@pytest.mark.django_db
def test_worker_accepts_sound_unusual_values():
    """The control case: odd but sound values are accepted (and --batch runs)."""
    task = jobs.add.enqueue(2, 3)
    out = StringIO()
    call_command(
        "worker",
        "--batch",
        "--worker-id",
        "wörker-ü-" + "9" * 54,  # 64 characters, not ASCII
        "--interval",
        "86400",
        "--lease",
        " 1 ",
        "--max-tasks",
        "99999999999999999999",
        stdout=out,
    )
    assert out.getvalue() == "ran 1 task(s)\n"
    row = DBTaskResult.objects.get(pk=task.id)
    assert row.status == TaskResultStatus.SUCCESSFUL
    assert row.worker_ids == ["wörker-ü-" + "9" * 54]


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--interval", "-1"], BAD_SECONDS),
        (["--interval", "nan"], BAD_SECONDS),
        (["--lease", "0"], "--lease must be at least 1 second"),
        (["--lease", "1e400"], BAD_SECONDS),
        (["--max-tasks", "0"], "--max-tasks must be at least 1"),
        (["--worker-id", LONG], "--worker-id must be 1 to 64 printable characters"),
    ],
)
def test_worker_refuses_from_the_command_line(args, message):
    """The real command, without --batch: it must refuse before starting its loop."""
    result = run_cli("worker", "--no-schedule", *args, timeout=30)
    assert_clean_failure(result, message)
    assert not WorkerHeartbeat.objects.exists()


TASKS_REFUSALS = [
    ([], "the following arguments are required: action"),
    (["frobnicate"], "invalid choice: 'frobnicate'"),
    (["list", "--limit", "0"], "--limit must be between 1 and 10000"),
    (["list", "--limit", "-1"], "--limit must be between 1 and 10000"),
    (["list", "--limit", "10001"], "--limit must be between 1 and 10000"),
    (["list", "--limit", "9" * 400], "--limit must be between 1 and 10000"),
    (["list", "--limit", "ten"], "invalid int value: 'ten'"),
    (["list", "--status", "lost"], "invalid choice: 'lost'"),
    (["list", "--status", "FAILED"], "invalid choice: 'FAILED'"),
    (["errors", "--limit", "0"], "--limit must be between 1 and 10000"),
    (["errors", "not-a-uuid"], "not a task id: 'not-a-uuid'"),
    (["errors", LONG], "not a task id: 'xxxx"),
    (["errors", "1234"], "not a task id: '1234'"),
    (["retry"], "give one task id, or --all-failed"),
    (["retry", str(uuid.uuid4()), "--all-failed"], "give one task id, or --all-failed"),
    (["retry", "not-a-uuid"], "not a task id: 'not-a-uuid'"),
    (["retry", LONG], "not a task id"),
    (["retry", str(uuid.uuid4())], "no FAILED task with that id"),
    (["retry", "--all-failed", "--limit", "3"], "unrecognized arguments: --limit"),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("args", "message"), TASKS_REFUSALS)
def test_tasks_refuses(args, message):
    with pytest.raises(CommandError) as raised:
        call_command("tasks", *args, stdout=StringIO())
    assert message in str(raised.value)
    assert len(str(raised.value)) < 1000


@pytest.mark.django_db
@pytest.mark.parametrize("action", ["errors", "retry"])
@pytest.mark.parametrize("task_id", ["\x00", "a\x00b", "{" + "0" * 32 + "}\x00"])
def test_tasks_refuses_task_ids_with_nul(action, task_id):
    with pytest.raises(CommandError, match="not a task id"):
        call_command("tasks", action, task_id, stdout=StringIO())


@pytest.mark.django_db
def test_retry_refuses_a_task_that_has_not_failed():
    ready = jobs.add.enqueue(1, 1)
    with pytest.raises(CommandError, match="no FAILED task with that id"):
        call_command("tasks", "retry", ready.id, stdout=StringIO())
    assert run_pending() == 1
    done = DBTaskResult.objects.get(pk=ready.id)
    assert done.status == TaskResultStatus.SUCCESSFUL
    with pytest.raises(CommandError, match="no FAILED task with that id"):
        call_command("tasks", "retry", ready.id, stdout=StringIO())
    done.refresh_from_db()
    assert done.status == TaskResultStatus.SUCCESSFUL
    assert done.return_value == 2


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["list", "--limit", "0"], "--limit must be between 1 and 10000"),
        (["errors", LONG], "not a task id"),
        (["retry", str(uuid.uuid4()), "--all-failed"], "give one task id, or --all-failed"),
        (["retry", str(uuid.uuid4())], "no FAILED task with that id"),
        (["list", "--status", "lost"], "invalid choice: 'lost'"),
        ([], "the following arguments are required: action"),
    ],
)
def test_tasks_refuses_from_the_command_line(args, message):
    assert_clean_failure(run_cli("tasks", *args), message)


@pytest.mark.django_db(transaction=True)
def test_tasks_from_the_command_line_really_work():
    """The control case: sound arguments through the same path succeed."""
    task = jobs.add.enqueue(1, 1)
    listed = run_cli("tasks", "list", "--status", "ready", "--limit", "10000")
    assert listed.returncode == 0, listed.stderr
    assert task.id in listed.stdout and "READY" in listed.stdout
    assert run_cli("tasks", "errors", task.id).returncode == 0
    retry = run_cli("tasks", "retry", "--all-failed")
    assert (retry.returncode, retry.stdout) == (0, "queued 0 task(s) again\n")
