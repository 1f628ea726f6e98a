"""The HTTP server that ``performance-platform serve`` runs.

uvicorn serves Django's ASGI application on an event loop, so a slow or idle client holds
only a socket, never a worker; Django's own code still runs on one thread per worker
process. On top of uvicorn this package adds what a public server needs and uvicorn
leaves out:

* ``protocol``: deadlines for request heads, limits on their size, and every refusal at
  the HTTP level answered in the data API's JSON envelope;
* ``guard``: the ASGI layer in front of Django: a deadline and a size cap for request
  bodies, and a JSON 500 when the application fails before it answers;
* ``handler``: Django's ASGI handler, running each process's requests on one thread;
* ``config``: the ``SERVE_*`` settings, read from the environment;
* ``__main__``: binds the socket and starts the worker processes (``python -m
  performance_platform.server``, which ``serve`` runs).

See docs/operations.md ("Start the server") for the serving model and its settings.
"""
