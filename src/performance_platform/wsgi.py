"""WSGI entry point, for WSGI servers (``performance-platform serve`` uses ``asgi.py``)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "performance_platform.settings")
application = get_wsgi_application()
