"""``performance-platform serve``: the production server (gunicorn), static files included."""

import os
import sys

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

MAX_WORKERS = 64


def _positive(value: str) -> int:
    # Bounded: gunicorn forks as many workers as asked, and a typo must not fork-bomb.
    number = int(value)
    if not 1 <= number <= MAX_WORKERS:
        raise ValueError
    return number


class Command(BaseCommand):
    help = "Serve the platform with gunicorn (static files are served by WhiteNoise)."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", default="8000")
        parser.add_argument(
            "--workers",
            default=os.environ.get("WEB_CONCURRENCY", str(min(8, 2 * (os.cpu_count() or 1) + 1))),
        )
        parser.add_argument(
            "--no-collectstatic", action="store_true", help="Skip collecting static files first."
        )

    def handle(self, *args, host, port, workers, no_collectstatic, **options):
        try:
            port_number = int(port)
            if not 0 <= port_number <= 65535:
                raise ValueError
        except ValueError:
            raise CommandError(f"--port must be a number from 0 to 65535, not {port!r}")
        try:
            worker_count = _positive(workers)
        except ValueError:
            raise CommandError(
                f"--workers must be a whole number from 1 to {MAX_WORKERS}, not {workers!r}"
            )
        if not host or any(c.isspace() for c in host):
            raise CommandError("--host must be a host name or address")
        if not no_collectstatic:
            call_command("collectstatic", interactive=False, verbosity=0)
        bind = f"[{host}]:{port_number}" if ":" in host else f"{host}:{port_number}"
        argv = [
            sys.executable,
            "-m",
            "gunicorn",
            "performance_platform.wsgi:application",
            "--bind",
            bind,
            "--workers",
            str(worker_count),
            "--timeout",
            "120",
            "--no-control-socket",
            "--access-logfile",
            "-",
        ]
        sys.stdout.flush()
        os.execv(sys.executable, argv)
