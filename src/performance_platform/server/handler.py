"""Django's ASGI handler, with each worker process's requests on one thread.

Django's own handler gives every request a thread of its own for its synchronous code
(views, middleware, the ORM). With only synchronous views that buys no speed under the
GIL, and a thread that ends after each request takes its database connection with it, so
persistent connections (``CONN_MAX_AGE``) would be lost, and a burst of requests would
open a connection each. Here every request of a process runs on asgiref's one shared
thread instead, as each gunicorn sync worker did: one view at a time per process, each
process keeping its connection. Waiting for clients (request bodies, slow readers of a
response) still happens on the event loop, where it costs no thread.
"""

from django.core.handlers.asgi import ASGIHandler


class OneThreadASGIHandler(ASGIHandler):
    """``ASGIHandler`` without a thread per request (see the module docstring)."""

    async def __call__(self, scope, receive, send):
        # Django's handler wraps this in a ThreadSensitiveContext: the thread per request.
        if scope["type"] != "http":
            raise ValueError(f"Django serves HTTP only, not {scope['type']}")
        await self.handle(scope, receive, send)
