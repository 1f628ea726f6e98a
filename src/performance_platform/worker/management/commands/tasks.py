"""``performance-platform tasks``: see queued, running and failed tasks; retry failures."""

import uuid

from django.core.management.base import BaseCommand, CommandError
from django.tasks import TaskResultStatus
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from performance_platform.worker.models import TaskAttemptError

STATUSES = [s.lower() for s in TaskResultStatus.names]


class Command(BaseCommand):
    help = "List background tasks and their errors, or put failed tasks back in the queue."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        listing = sub.add_parser("list", help="Recent tasks, newest first.")
        listing.add_argument("--status", choices=STATUSES, default=None)
        listing.add_argument("--limit", type=int, default=50)
        show = sub.add_parser("errors", help="Every failed attempt of one task, or of all.")
        show.add_argument("task_id", nargs="?", default=None)
        show.add_argument("--limit", type=int, default=50)
        retry = sub.add_parser("retry", help="Queue a FAILED task again.")
        retry.add_argument("task_id", nargs="?", default=None)
        retry.add_argument("--all-failed", action="store_true")

    def _task_id(self, text):
        try:
            return uuid.UUID(text)
        except (ValueError, TypeError, AttributeError):
            raise CommandError(f"not a task id: {str(text)[:60]!r}")

    def handle(self, *args, **options):
        limit = options.get("limit")
        if limit is not None and not 1 <= limit <= 10_000:
            raise CommandError("--limit must be between 1 and 10000")
        action = options["action"]
        if action == "list":
            rows = DBTaskResult.objects.order_by("-enqueued_at")
            if options["status"]:
                rows = rows.filter(status=options["status"].upper())
            for row in rows[:limit]:
                args = row.args_kwargs.get("args", [])
                self.stdout.write(
                    f"{row.id}  {row.status:<10} attempts={len(row.worker_ids)}  "
                    f"{row.task_path.rsplit('.', 1)[-1]}{tuple(args)}  "
                    f"enqueued {row.enqueued_at:%Y-%m-%d %H:%M:%S}"
                )
            return
        if action == "errors":
            rows = TaskAttemptError.objects.all()
            if options["task_id"]:
                rows = rows.filter(task_id=self._task_id(options["task_id"]))
            for err in rows[:limit]:
                retry = "will retry" if err.will_retry else "final"
                self.stdout.write(
                    f"{err.task_id}  attempt {err.attempt} ({retry}) at "
                    f"{err.at:%Y-%m-%d %H:%M:%S}: {err.exception_class_path}: {err.message}"
                )
            return
        if options["all_failed"] == bool(options["task_id"]):
            raise CommandError("give one task id, or --all-failed")
        rows = DBTaskResult.objects.filter(status=TaskResultStatus.FAILED)
        if options["task_id"]:
            rows = rows.filter(pk=self._task_id(options["task_id"]))
            if not rows.exists():
                raise CommandError("no FAILED task with that id")
        # A fresh set of attempts: the earlier ones stay in `tasks errors`.
        count = rows.update(
            status=TaskResultStatus.READY, run_after=timezone.now(), finished_at=None, worker_ids=[]
        )
        self.stdout.write(f"queued {count} task(s) again")
