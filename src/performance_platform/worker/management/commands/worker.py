"""``performance-platform worker``: run queued tasks and the schedule."""

import math
import signal

from django.core.management.base import BaseCommand, CommandError

from performance_platform.worker.runner import Worker


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise CommandError(f"not a number of seconds: {text[:50]!r}")
    if not math.isfinite(value) or value < 0 or value > 86_400:
        raise CommandError(f"seconds must be between 0 and 86400, not {text[:50]!r}")
    return value


class Command(BaseCommand):
    help = (
        "Run queued background tasks (transforms, freshness checks) and the schedule. "
        "Run one or more beside `serve`; they share the work through the database."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--interval", default="1", help="Seconds to wait when the queue is empty."
        )
        parser.add_argument(
            "--lease",
            default=None,
            help="Seconds without a heartbeat before another worker takes over this "
            "worker's task (default: WORKER_LEASE_SECONDS).",
        )
        parser.add_argument(
            "--batch",
            action="store_true",
            help="Run every task that is ready now, then exit (no schedule).",
        )
        parser.add_argument("--max-tasks", type=int, default=None, help="Exit after N tasks.")
        parser.add_argument("--worker-id", default=None, help="A unique id (default: random).")
        parser.add_argument(
            "--no-schedule", action="store_true", help="Do not enqueue scheduled jobs."
        )

    def handle(self, *args, **options):
        worker_id = options["worker_id"]
        if worker_id is not None and not (0 < len(worker_id) <= 64 and worker_id.isprintable()):
            raise CommandError("--worker-id must be 1 to 64 printable characters")
        if options["max_tasks"] is not None and options["max_tasks"] < 1:
            raise CommandError("--max-tasks must be at least 1")
        lease = _seconds(options["lease"]) if options["lease"] is not None else None
        if lease is not None and lease < 1:
            # A lease shorter than the other workers' heartbeat period takes their
            # running tasks for lost (0: every running task, at every look).
            raise CommandError(f"--lease must be at least 1 second, not {options['lease'][:50]!r}")
        worker = Worker(
            worker_id=worker_id,
            interval=max(0.1, _seconds(options["interval"])),
            lease=lease,
            schedule={} if options["no_schedule"] or options["batch"] else None,
            max_tasks=options["max_tasks"],
        )
        if options["batch"]:
            ran = worker.run_pending(limit=options["max_tasks"] or 100_000)
            self.stdout.write(f"ran {ran} task(s)")
            return
        signal.signal(signal.SIGTERM, worker.stop)
        signal.signal(signal.SIGINT, worker.stop)
        worker.run()
