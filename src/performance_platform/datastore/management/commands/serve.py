"""``performance-platform serve``: the production server (uvicorn), static files included.

The options are checked here; then the process becomes ``python -m
performance_platform.server``, which binds the socket and runs the workers (see that
package for the serving model). Static files are built once, by ``make install`` (or
``performance-platform collectstatic``); ``serve`` builds them only when asked, or when
they are missing, and then under a lock, so that servers started together never rebuild
the same folder at once.
"""

import fcntl
import os
import sys
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

MAX_WORKERS = 64
SERVER_MODULE = "performance_platform.server"


def _positive(value: str) -> int:
    # Bounded: the server starts as many processes as asked, and a typo must not fork-bomb.
    number = int(value)
    if not 1 <= number <= MAX_WORKERS:
        raise ValueError
    return number


def static_manifest() -> Path:
    """The file ``collectstatic`` writes last: when it exists, static files are built."""
    return Path(settings.STATIC_ROOT) / "staticfiles.json"


def collect_static(*, force: bool) -> bool:
    """Collect static files under an exclusive lock; returns whether it collected.

    Without ``force``, only when the manifest is missing. A second ``serve`` that starts
    meanwhile waits for the lock, then finds the manifest and goes on.
    """
    root = Path(settings.STATIC_ROOT)
    root.mkdir(parents=True, exist_ok=True)
    with open(root.parent / f".{root.name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not force and static_manifest().is_file():
            return False
        call_command("collectstatic", interactive=False, verbosity=0)
        return True


class Command(BaseCommand):
    help = "Serve the platform with uvicorn (static files are served by WhiteNoise)."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", default="8000")
        parser.add_argument(
            "--workers",
            default=os.environ.get("WEB_CONCURRENCY", str(min(8, 2 * (os.cpu_count() or 1) + 1))),
        )
        parser.add_argument(
            "--banner",
            default="",
            help="A text file whose lines are printed after the addresses, with {base} "
            "replaced by the site's address (`make run` prints the demo's sign-in so).",
        )
        static = parser.add_mutually_exclusive_group()
        static.add_argument(
            "--collectstatic",
            action="store_true",
            help="Collect static files first, even if they are there already.",
        )
        static.add_argument(
            "--no-collectstatic",
            action="store_true",
            help="Never collect static files, even if they are missing.",
        )

    def handle(
        self, *args, host, port, workers, collectstatic, no_collectstatic, banner, **options
    ):
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
        self._check_server_settings()
        if not no_collectstatic:
            collect_static(force=collectstatic)
        argv = [sys.executable, "-m", SERVER_MODULE, host, str(port_number), str(worker_count)]
        if banner:
            argv.append(str(Path(banner).resolve()))
        sys.stdout.flush()
        os.execv(sys.executable, argv)

    def _check_server_settings(self):
        # The SERVE_* variables are read by the server itself; a bad one is reported here,
        # as an option would be, rather than as a traceback from every worker.
        from performance_platform.server.config import ServerSettings

        try:
            ServerSettings.from_environ()
        except ValueError as exc:
            raise CommandError(str(exc))
