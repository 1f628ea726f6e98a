"""HTTP caching for public pages: ``Cache-Control`` by kind of page, and an ETag on every page.

The lifetimes are the original front end's (Spotlight's caching rules):

=================================================  ==========================
Homepage, services index, accessibility, lists     ``public, max-age=7200``
Dashboard and module pages                         ``public, max-age=600``
... with a realtime module ("users online")        ``public, max-age=60``
Error pages                                        ``public, max-age=5``
=================================================  ==========================

Every page also gets a strong ETag: a hash of the exact bytes sent, so two servers
rendering the same page agree on it without sharing anything. A ``GET`` or ``HEAD`` whose
``If-None-Match`` names it gets an empty ``304 Not Modified`` (with the same
``Cache-Control`` and ``ETag``), saving the transfer, though not the rendering.

Use the decorator on a view::

    from performance_platform.site import caching

    @caching.public_page(caching.DASHBOARD_MAX_AGE)
    def dashboard(request, slug): ...

or call :func:`finish` on a response built elsewhere (error handlers do)::

    return caching.finish(request, response, caching.ERROR_MAX_AGE)

A view can opt a response out by setting ``Cache-Control`` itself (for instance
``private, no-store`` on a preview of an unpublished dashboard): :func:`finish` then leaves that
header alone and still adds the ETag.
"""

import hashlib
from collections.abc import Callable
from functools import wraps

from django.http import HttpRequest, HttpResponse
from django.utils.cache import get_conditional_response, patch_cache_control

#: Homepage, services index, accessibility statement and other lists (seconds).
PAGE_MAX_AGE = 7200
#: Dashboard and module pages (seconds).
DASHBOARD_MAX_AGE = 600
#: Dashboard and module pages that show realtime figures ("users online at 3:40pm"): a
#: browser or proxy must not keep a figure that comes every 5 minutes for ten.
REALTIME_MAX_AGE = 60
#: Error pages: short, so a fixed page is not hidden for long, but enough to absorb a storm.
ERROR_MAX_AGE = 5


def etag_for(body: bytes) -> str:
    """A strong ETag (quoted) for a response body: the first 128 bits of its SHA-256."""
    return '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


def finish(request: HttpRequest, response: HttpResponse, max_age: int) -> HttpResponse:
    """Add ``Cache-Control: public, max-age=<max_age>`` and an ETag; answer 304 if it matches.

    ``Cache-Control`` is only added when the response has none. Streaming responses (whose
    body is not known yet) get the header but no ETag. Only successful responses to ``GET``
    and ``HEAD`` can become a 304; an error page keeps its status whatever the request says.
    """
    if not response.has_header("Cache-Control"):
        patch_cache_control(response, public=True, max_age=max_age)
    if response.streaming:
        return response
    if not response.has_header("ETag"):
        response["ETag"] = etag_for(response.content)
    if request.method in ("GET", "HEAD") and 200 <= response.status_code < 300:
        return get_conditional_response(request, etag=response["ETag"], response=response)
    return response


def public_page(max_age: int) -> Callable:
    """Decorate a view so that its responses go through :func:`finish` with ``max_age``.

    A ``TemplateResponse`` is rendered first, so the ETag covers the final bytes.
    """

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            response = view(request, *args, **kwargs)
            if hasattr(response, "render") and callable(response.render):
                response = response.render()
            return finish(request, response, max_age)

        return wrapped

    return decorator
