"""ASGI entry point, served by uvicorn through ``performance-platform serve``.

Django's handler (on one thread per process, see ``server.handler``) behind the server's
guard (body deadline and cap, JSON 500s, see ``server.guard``).
"""

import os
import warnings

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "performance_platform.settings")
django.setup(set_prefix=False)

from performance_platform.server.guard import Guard  # noqa: E402  (after Django's setup)
from performance_platform.server.handler import OneThreadASGIHandler  # noqa: E402

# WhiteNoise answers static files with a synchronous file iterator; Django then reads the
# file on a thread and warns, once per process, that an async iterator would be better.
# For files of a few kilobytes that is the right thing to do, so the warning is noise.
warnings.filterwarnings(
    "ignore", message="StreamingHttpResponse must consume synchronous iterators"
)

application = Guard(OneThreadASGIHandler())
