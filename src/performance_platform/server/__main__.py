"""``python -m performance_platform.server HOST PORT WORKERS``: bind, then serve.

``performance-platform serve`` checks its options and replaces itself with this (so the
process a supervisor started is the one that serves and receives its signals). It binds
the socket, prints where the platform can be opened, and runs uvicorn: in this process
for one worker, or as a supervisor of WORKERS processes that share the socket and are
restarted if they die. Django is loaded by the workers, not here.
"""

import os
import sys
from pathlib import Path

import uvicorn
from uvicorn.supervisors import Multiprocess

from .config import ServerSettings

APP = "performance_platform.asgi:application"
PROTOCOL = "performance_platform.server.protocol:GuardedHttpToolsProtocol"


def log_config(level: str) -> dict:
    """uvicorn's logging: the access log on standard output, the rest on standard error.

    uvicorn's own start-up messages are at INFO; they are kept out (unless LOG_LEVEL is
    DEBUG) so that the addresses printed at start are the last thing a person sees.
    """
    level = level.upper() if level.upper() in _LEVELS else "INFO"
    server_level = "DEBUG" if level == "DEBUG" else max(level, "WARNING", key=_rank)
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {
            "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
            "access": {"format": "%(asctime)s %(message)s"},
        },
        # The access log names no preview token (a secret: see server/logfilters.py).
        "filters": {
            "preview_tokens": {"()": "performance_platform.server.logfilters.HidePreviewTokens"}
        },
        "handlers": {
            "errors": {
                "class": "logging.StreamHandler",
                "formatter": "plain",
                "stream": "ext://sys.stderr",
            },
            "access": {
                "class": "logging.StreamHandler",
                "formatter": "access",
                "stream": "ext://sys.stdout",
                "filters": ["preview_tokens"],
            },
        },
        "loggers": {
            "uvicorn.error": {"handlers": ["errors"], "level": server_level, "propagate": False},
            "uvicorn.access": {"handlers": ["access"], "level": level, "propagate": False},
        },
    }


_LEVELS = ["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"]


def _rank(level: str) -> int:
    return _LEVELS.index(level)


def site_address(host: str, port: int) -> str:
    """The base URL to print for a listening address."""
    shown = "127.0.0.1" if host in ("0.0.0.0", "") else host
    if shown == "::":
        shown = "::1"
    if ":" in shown:
        shown = f"[{shown}]"
    return f"http://{shown}:{port}"


def banner(base: str, workers: int, extra: str = "") -> str:
    """What ``serve`` prints once it listens: the pages to open, last.

    ``extra`` (the text of ``serve --banner FILE``) comes after the addresses, with
    ``{base}`` replaced by the site's address.
    """
    plural = "es" if workers != 1 else ""
    lines = [
        f"Serving the Performance Platform ({workers} worker process{plural}). Open:",
        f"  Home page        {base}/performance",
        f"  Services index   {base}/performance/services",
        f"  Signed-in pages  {base}/manage",
        f"  Django admin     {base}/admin/",
        f"  Data API (docs)  {base}/api/openapi.json",
    ]
    lines += [line.replace("{base}", base) for line in extra.splitlines()]
    return "\n".join([*lines, "Press Ctrl+C to stop."])


def main(argv: list[str]) -> None:
    """Serve on ``argv``: host, port, workers (already checked by ``serve``)."""
    host, port, workers = argv[0], int(argv[1]), int(argv[2])
    extra = ""
    if len(argv) > 3:
        try:
            extra = Path(argv[3]).read_text(encoding="utf-8")
        except OSError:
            extra = ""  # a banner is a courtesy: serving must not depend on it
    timeouts = ServerSettings.from_environ()
    level = os.environ.get("LOG_LEVEL", "").strip() or "INFO"
    config = uvicorn.Config(
        APP,
        host=host,
        port=port,
        workers=workers,
        http=PROTOCOL,
        # The tested configuration: Python's own event loop, even if uvloop is installed.
        loop="asyncio",
        ws="none",
        # Django has no ASGI lifespan support; asking would log a warning on every start.
        lifespan="off",
        # X-Forwarded-Proto is Django's to trust (BEHIND_HTTPS_PROXY), not the server's.
        proxy_headers=False,
        server_header=False,
        timeout_keep_alive=timeouts.keepalive_timeout,
        timeout_graceful_shutdown=timeouts.graceful_timeout,
        log_config=log_config(level),
    )
    server = uvicorn.Server(config)
    sock = config.bind_socket()
    print(banner(site_address(host, sock.getsockname()[1]), workers, extra), flush=True)
    if workers > 1:
        Multiprocess(config, sockets=[sock]).run()
    else:
        server.run(sockets=[sock])
    if not server.started and workers == 1:
        sys.exit(3)  # uvicorn's exit status for a failed start


if __name__ == "__main__":
    main(sys.argv[1:])
