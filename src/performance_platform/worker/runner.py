"""The worker loop: claim a queued task, run it, retry it with backoff or keep its error.

Tasks are queued by Django's tasks framework into ``django_tasks_db``'s table, in the
same database as the data (so SQLite needs no other service, and a task queued inside a
write's transaction commits with it). This loop adds three things that backend's own
``db_worker`` lacks, because losing derived data silently is the one failure we refuse:

* **Retries.** A failed attempt is recorded (:class:`~.models.TaskAttemptError`) and the
  same queue row goes back to READY after an exponential backoff. After
  ``TASK_MAX_ATTEMPTS`` (or at once, for a :class:`PermanentError`) the row is FAILED,
  with its traceback, and stays visible in the admin and ``performance-platform tasks``.
* **Crash recovery.** Each worker refreshes a heartbeat row. A RUNNING task whose
  worker has stopped beating for ``WORKER_LEASE_SECONDS`` was lost with its process; it
  is put back in the queue (as a failed attempt). Tasks must therefore be idempotent,
  and ours are: each runs in one transaction and writes records with fixed ids.
* **Schedule.** ``WORKER_SCHEDULE`` jobs are enqueued when due, with the due time
  claimed by a conditional UPDATE, so two workers never both enqueue the same run.
"""

import logging
import os
import socket
import threading
import time
import traceback
from datetime import timedelta

from django.conf import settings
from django.db import OperationalError, close_old_connections, connection, transaction
from django.db.models import Q
from django.tasks import TaskResultStatus
from django.utils import timezone
from django.utils.crypto import get_random_string
from django.utils.module_loading import import_string
from django_tasks_db.models import DBTaskResult
from django_tasks_db.utils import exclusive_transaction, is_locked_database_exception

from .models import ScheduledJob, TaskAttemptError, WorkerHeartbeat

logger = logging.getLogger("performance_platform.worker")


class PermanentError(Exception):
    """An error that retrying cannot fix (bad source data, bad configuration).

    The task fails at once, with its message kept; the next write to the source queues
    a fresh task, which is what fixes it.
    """

    permanent = True


class WorkerLost(Exception):
    """Recorded for a task whose worker stopped sending heartbeats while running it."""


def retry_delay(attempt: int) -> float:
    """Seconds to wait before attempt ``attempt + 1``: doubling from TASK_RETRY_DELAY."""
    return min(settings.TASK_RETRY_MAX_DELAY, settings.TASK_RETRY_DELAY * 2 ** (attempt - 1))


def _message(exc: BaseException) -> str:
    text = str(exc) or type(exc).__name__
    return text[:10_000]


class Worker:
    """One worker process. ``run()`` loops until stopped; ``run_pending()`` drains the queue."""

    def __init__(
        self,
        *,
        worker_id: str | None = None,
        interval: float = 1.0,
        lease: float | None = None,
        schedule: dict | None = None,
        queue_names: list[str] | None = None,
        max_tasks: int | None = None,
        backend_name: str = "default",
    ):
        self.worker_id = worker_id or get_random_string(32)
        self.interval = interval
        # At least a second: a lease near 0 would take over every running task at once.
        self.lease = max(1.0, float(lease if lease is not None else settings.WORKER_LEASE_SECONDS))
        self.schedule = settings.WORKER_SCHEDULE if schedule is None else schedule
        self.queue_names = queue_names
        self.max_tasks = max_tasks
        self.backend_name = backend_name
        self.tasks_run = 0
        self.running = True
        self._stop = threading.Event()
        self._last_housekeeping = 0.0

    # --- heartbeats ------------------------------------------------------------------
    def _register(self) -> None:
        now = timezone.now()
        WorkerHeartbeat.objects.update_or_create(
            worker_id=self.worker_id,
            defaults={
                "hostname": socket.gethostname()[:255],
                "pid": os.getpid(),
                "started_at": now,
                "last_seen": now,
            },
        )

    def _beat_forever(self, stop: threading.Event | None = None) -> None:
        stop = stop or self._stop
        try:
            while not stop.wait(max(0.2, self.lease / 4)):
                try:
                    WorkerHeartbeat.objects.filter(worker_id=self.worker_id).update(
                        last_seen=timezone.now()
                    )
                except Exception:  # a missed beat is retried; never kill the thread
                    logger.exception("heartbeat failed")
                    close_old_connections()
        finally:
            connection.close()

    # --- claiming and running --------------------------------------------------------
    def _ready(self, *, ignore_run_after: bool = False):
        tasks = DBTaskResult.objects.filter(
            status=TaskResultStatus.READY, backend_name=self.backend_name
        )
        if not ignore_run_after:
            tasks = DBTaskResult.objects.ready().filter(backend_name=self.backend_name)
        if self.queue_names:
            tasks = tasks.filter(queue_name__in=self.queue_names)
        return tasks

    def claim_next(self, *, ignore_run_after: bool = False) -> DBTaskResult | None:
        """Lock and mark RUNNING the next ready task, or return None."""
        tasks = self._ready(ignore_run_after=ignore_run_after)
        try:
            with exclusive_transaction(tasks.db):
                found = tasks.get_locked()
                if found is not None:
                    found.claim(self.worker_id)
                return found
        except OperationalError as exc:
            if is_locked_database_exception(exc):
                return None
            raise

    def run_task(self, row: DBTaskResult) -> bool:
        """Run one claimed task; True if it succeeded."""
        try:
            task = row.task
            result = row.task_result
            if task.takes_context:
                from django.tasks import TaskContext

                value = task.call(TaskContext(task_result=result), *result.args, **result.kwargs)
            else:
                value = task.call(*result.args, **result.kwargs)
            if not self._still_ours(row):
                return True
            row.set_successful(value)
            return True
        except Exception as exc:
            # Drop a connection the task broke. Not inside a transaction (run_pending
            # called in one, as tests and scripts do): that would close it for good.
            if not connection.in_atomic_block:
                close_old_connections()
            if self._still_ours(row):
                self._failed(row, exc)
            return False
        finally:
            self.tasks_run += 1

    def _still_ours(self, row: DBTaskResult) -> bool:
        """Whether this worker still holds ``row`` (another may have taken it over after a
        heartbeat outage; then its result is that worker's to record, not ours)."""
        current = DBTaskResult.objects.filter(pk=row.pk).values_list("status", "worker_ids").first()
        if (
            current is None
            or current[0] != TaskResultStatus.RUNNING
            or current[1] != row.worker_ids
        ):
            logger.warning("task %s was taken over by another worker; not recording", row.id)
            return False
        return True

    def _failed(self, row: DBTaskResult, exc: BaseException, *, lost: bool = False) -> None:
        attempt = len(row.worker_ids)
        permanent = getattr(exc, "permanent", False)
        will_retry = not permanent and attempt < settings.TASK_MAX_ATTEMPTS
        now = timezone.now()
        TaskAttemptError.objects.create(
            task_id=row.id,
            task_path=row.task_path,
            attempt=attempt,
            at=now,
            worker_id=row.worker_ids[-1] if row.worker_ids else "",
            exception_class_path=f"{type(exc).__module__}.{type(exc).__qualname__}",
            message=_message(exc),
            traceback="" if lost else "".join(traceback.format_exception(exc))[:100_000],
            will_retry=will_retry,
        )
        if will_retry:
            delay = retry_delay(attempt)
            DBTaskResult.objects.filter(pk=row.pk).update(
                status=TaskResultStatus.READY,
                run_after=now + timedelta(seconds=delay),
                exception_class_path=f"{type(exc).__module__}.{type(exc).__qualname__}",
                traceback="".join(traceback.format_exception(exc))[:100_000],
            )
            logger.warning(
                "task %s (%s) failed on attempt %d, retrying in %.0fs: %s",
                row.id,
                row.task_path,
                attempt,
                delay,
                _message(exc),
            )
        else:
            row.set_failed(exc)
            logger.error(
                "task %s (%s) failed for good on attempt %d: %s",
                row.id,
                row.task_path,
                attempt,
                _message(exc),
            )

    # --- housekeeping ----------------------------------------------------------------
    def recover_lost(self) -> int:
        """Requeue RUNNING tasks whose worker stopped beating. Returns how many."""
        now = timezone.now()
        cutoff = now - timedelta(seconds=self.lease)
        alive = set(
            WorkerHeartbeat.objects.filter(last_seen__gte=cutoff).values_list(
                "worker_id", flat=True
            )
        )
        recovered = 0
        suspects = DBTaskResult.objects.filter(
            status=TaskResultStatus.RUNNING, backend_name=self.backend_name, started_at__lt=cutoff
        )
        for row in suspects:
            owner = row.worker_ids[-1] if row.worker_ids else ""
            if owner in alive:
                continue
            with transaction.atomic():
                # Re-check under the row lock: the owner may have just finished it.
                row = (
                    DBTaskResult.objects.select_for_update()
                    .filter(pk=row.pk, status=TaskResultStatus.RUNNING)
                    .first()
                )
                if row is None or (row.worker_ids[-1:] or [""])[0] != owner:
                    continue
                self._failed(
                    row,
                    WorkerLost(
                        f"worker {owner or '(unknown)'} stopped sending heartbeats "
                        f"while running this task (attempt {len(row.worker_ids)})"
                    ),
                    lost=True,
                )
                recovered += 1
        if recovered:
            logger.warning("requeued %d task(s) from lost workers", recovered)
        WorkerHeartbeat.objects.filter(last_seen__lt=now - timedelta(days=1)).delete()
        return recovered

    def enqueue_due(self) -> list[str]:
        """Enqueue the scheduled jobs that are due. Returns their names."""
        now = timezone.now()
        enqueued = []
        for name, spec in self.schedule.items():
            every = float(spec["every"])
            ScheduledJob.objects.get_or_create(name=name)
            with transaction.atomic():
                due = ScheduledJob.objects.filter(name=name).filter(
                    Q(last_enqueued_at__isnull=True)
                    | Q(last_enqueued_at__lte=now - timedelta(seconds=every))
                )
                if not due.update(last_enqueued_at=now):
                    continue
                task = import_string(spec["task"])
                # One pending run is enough: a backlog must not pile up copies.
                if not DBTaskResult.objects.filter(
                    task_path=task.module_path,
                    status__in=[TaskResultStatus.READY, TaskResultStatus.RUNNING],
                ).exists():
                    task.enqueue()
                    enqueued.append(name)
        return enqueued

    def housekeeping(self, *, force: bool = False) -> None:
        """Recover lost tasks and enqueue due jobs, at most every few seconds."""
        if not force and time.monotonic() - self._last_housekeeping < max(1.0, self.lease / 4):
            return
        self._last_housekeeping = time.monotonic()
        try:
            self.recover_lost()
            self.enqueue_due()
        except OperationalError as exc:
            if not is_locked_database_exception(exc):
                raise

    # --- loops -----------------------------------------------------------------------
    def run(self) -> None:
        """Run tasks until stopped (SIGTERM/SIGINT) or ``max_tasks`` have run."""
        self._register()
        beat = threading.Thread(target=self._beat_forever, name="heartbeat", daemon=True)
        beat.start()
        logger.info("worker %s started (pid %d)", self.worker_id, os.getpid())
        try:
            while self.running:
                close_old_connections()
                self.housekeeping()
                row = self.claim_next()
                if row is not None:
                    self.run_task(row)
                    if self.max_tasks is not None and self.tasks_run >= self.max_tasks:
                        break
                    continue
                if self._idle(self.interval):
                    break
        finally:
            self._stop.set()
            beat.join(timeout=5)
            WorkerHeartbeat.objects.filter(worker_id=self.worker_id).delete()
            logger.info("worker %s stopped after %d task(s)", self.worker_id, self.tasks_run)

    def run_pending(self, *, ignore_run_after: bool = False, limit: int = 100_000) -> int:
        """Run ready tasks in this process until none are left. Returns how many ran.

        Used by ``load-demo``, ``worker --batch`` and the tests. With
        ``ignore_run_after`` it also runs tasks waiting out a retry backoff.
        """
        self._register()
        # Beat while running, as ``run()`` does, or another worker would take a task
        # that outlasts the lease for lost. (Inside a transaction the claims are not
        # visible to other workers anyway, and a second connection would only wait.)
        stop = threading.Event()
        beat = None
        if not connection.in_atomic_block:
            beat = threading.Thread(
                target=self._beat_forever, args=(stop,), name="heartbeat", daemon=True
            )
            beat.start()
        ran = 0
        try:
            while ran < limit:
                row = self.claim_next(ignore_run_after=ignore_run_after)
                if row is None:
                    break
                self.run_task(row)
                ran += 1
        finally:
            stop.set()
            if beat is not None:
                beat.join(timeout=5)
            WorkerHeartbeat.objects.filter(worker_id=self.worker_id).delete()
        return ran

    def _idle(self, seconds: float) -> bool:
        """Wait up to ``seconds`` for work; True if asked to stop meanwhile.

        Polls the flag :meth:`stop` clears rather than waiting on an Event: a signal
        handler must take no lock (setting an Event does), or a signal arriving while
        this thread holds that lock, or a second signal, deadlocks the worker.
        """
        deadline = time.monotonic() + seconds
        while self.running:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return False
            time.sleep(min(remaining, 0.05))
        return True

    def stop(self, *_args) -> None:
        """Finish the current task, then stop (the signal handler: takes no lock)."""
        self.running = False


def run_pending(**kwargs) -> int:
    """Drain the queue in this process (see :meth:`Worker.run_pending`)."""
    return Worker(schedule={}).run_pending(**kwargs)
