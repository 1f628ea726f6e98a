"""The preview of a dashboard that is not published yet: ``/performance/preview/<token>/<slug>``.

The token is a preview link's (``dashboards.publishing``); the pages are drawn by the same
code as the public ones (:mod:`.dashboard_views`), with every link to the dashboard, its
module pages and its downloads staying inside the preview. Every response:

* says ``X-Robots-Tag: noindex, nofollow`` (and the pages carry the same robots meta tag);
* says ``Cache-Control: private, no-store`` and is kept in no server-side cache (its links
  hold the token, which is stored nowhere);
* sends no ``Referer`` anywhere (``Referrer-Policy: no-referrer``): a link to the service's
  start page must not carry the token to another site.

A guessed, revoked or expired token, a slug that is not the link's, and a dashboard in
draft all get the very same 404 as a dashboard that does not exist. A live link to a
dashboard that has since been published redirects to its public page (the link has done
its job; its holder wants the dashboard). None of this is in the index, the sitemap, the
counts or the search: those read published dashboards only.
"""

from functools import wraps

from django.http import Http404, HttpResponseRedirect
from django.views.decorators.http import require_safe

from performance_platform.dashboards import publishing
from performance_platform.dashboards.models import Dashboard

from . import dashboard_pages, dashboard_views

#: States a preview shows. (Draft is not one: make_unlisted is the step that opens it.)
PREVIEW_STATES = (Dashboard.Status.UNLISTED, Dashboard.Status.IN_REVIEW)


def preview_url(token: str, slug: str) -> str:
    """A preview's address (the token included)."""
    return f"/performance/preview/{token}/{slug}"


def _private(response):
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Cache-Control"] = "private, no-store"
    response["Referrer-Policy"] = "no-referrer"
    return response


def preview_view(view):
    """Find the previewed dashboard for ``view`` (or 404, or redirect to the public page)
    and mark the answer private and unindexed, whatever it is."""

    @wraps(view)
    def wrapped(request, token: str, slug: str, **kwargs):
        found = publishing.find_preview(token, slug)
        if found is not None and found.is_published:
            return _private(HttpResponseRedirect(dashboard_pages.public_url(slug)))
        if found is None or found.status not in PREVIEW_STATES:
            raise Http404("No such dashboard")  # the same page as any missing dashboard
        response = view(request, found, preview_url(token, slug), **kwargs)
        return _private(response)

    return require_safe(wrapped)


@preview_view
def dashboard(request, found, base):
    """The preview of a dashboard page."""
    return dashboard_views.HttpResponse(
        dashboard_views.dashboard_html(request, found, base, preview=True)
    )


@preview_view
def dashboard_json(request, found, base):
    """The preview's dashboard as JSON."""
    return dashboard_views.HttpResponse(
        dashboard_views.dashboard_json_bytes(found, base), content_type=dashboard_views.JSON
    )


@preview_view
def dashboard_csv(request, found, base):
    """The preview's KPI tiles as CSV."""
    text = dashboard_pages.kpis_csv(dashboard_pages.kpi_tiles(found))
    return dashboard_views.dashboard_csv_response(found, text)


@preview_view
def module_page(request, found, base, path: str):
    """The preview of a module page."""
    return dashboard_views.module_page_response(request, found, path, base, preview=True)


@preview_view
def module_json(request, found, base, path: str):
    """The preview of a module page, as JSON."""
    return dashboard_views.module_json_response(request, found, path, base)


@preview_view
def module_csv(request, found, base, path: str):
    """The preview of a module's table, as CSV."""
    return dashboard_views.module_csv_response(request, found, path, base)
