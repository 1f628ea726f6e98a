"""Views for the site's fixed pages and its error pages. Thin: the facts come from
:mod:`.pages`, the caching headers from :mod:`.caching`."""

import logging

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.http import HttpResponse, HttpResponsePermanentRedirect
from django.shortcuts import render
from django.template import loader
from django.views.decorators.http import require_safe

from performance_platform.datastore import responses
from performance_platform.datastore import views as data_views

from . import caching, pages

log = logging.getLogger(__name__)


def is_site_path(path: str) -> bool:
    """Whether ``path`` belongs to the site, public or signed-in (so gets HTML error pages)."""
    return path in (pages.HOME_PATH, "/manage") or path.startswith(
        (pages.HOME_PATH + "/", pages.HOME_PATH + ".", "/manage/")
    )


@require_safe
def root(request):
    """``/``: the site lives under /performance, as it did on GOV.UK."""
    return HttpResponsePermanentRedirect(pages.HOME_PATH)


@require_safe
def trailing_slash(request):
    """``/performance/``: the homepage has no trailing slash."""
    return HttpResponsePermanentRedirect(pages.HOME_PATH)


@require_safe
@caching.public_page(caching.PAGE_MAX_AGE)
def home(request):
    return render(request, "site/home.html", {"facts": pages.homepage_facts()})


@require_safe
@caching.public_page(caching.PAGE_MAX_AGE)
def home_json(request):
    """``/performance.json``: the homepage's facts."""
    return responses.json_response(pages.homepage_facts(), Access_Control_Allow_Origin="*")


@require_safe
@caching.public_page(caching.PAGE_MAX_AGE)
def dashboard_list(request, kind: str):
    """``/performance/web-traffic`` and ``/performance/other``: the dashboards that are not
    services, which the homepage counts."""
    listing = pages.dashboard_list(kind)
    return render(
        request,
        "site/dashboard_list.html",
        {
            "listing": listing,
            "path": pages.LISTS[kind]["path"],
            "breadcrumbs": [
                {"text": "Performance", "href": pages.HOME_PATH},
                {"text": listing["title"]},
            ],
        },
    )


@require_safe
@caching.public_page(caching.PAGE_MAX_AGE)
def dashboard_list_json(request, kind: str):
    """A list of dashboards as JSON."""
    return responses.json_response(pages.dashboard_list(kind), Access_Control_Allow_Origin="*")


@require_safe
@caching.public_page(caching.PAGE_MAX_AGE)
def accessibility(request):
    return render(request, "site/accessibility.html", {"contact_email": contact_email()})


def contact_email() -> str:
    """The ``CONTACT_EMAIL`` setting when it is an email address, else "" (never a bad link)."""
    address = settings.CONTACT_EMAIL
    try:
        validate_email(address)
    except ValidationError:
        return ""
    return address


@require_safe
@caching.public_page(caching.PAGE_MAX_AGE)
def robots_txt(request):
    text = pages.robots_txt(request.build_absolute_uri("/sitemap.xml"))
    return HttpResponse(text, content_type="text/plain; charset=utf-8")


@require_safe
@caching.public_page(caching.PAGE_MAX_AGE)
def sitemap_xml(request):
    entries = [
        {"loc": request.build_absolute_uri(entry["path"]), "lastmod": entry["lastmod"]}
        for entry in pages.sitemap_entries()
    ]
    return render(
        request,
        "site/sitemap.xml",
        {"entries": entries},
        content_type="application/xml; charset=utf-8",
    )


# --------------------------------------------------------------------------- errors
# The data API answers errors in its JSON envelope; pages under /performance get the
# design system's HTML error pages instead. Both cache errors briefly at most.

SERVER_ERROR_FALLBACK = (
    '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
    "<title>Sorry, there is a problem with the service – Performance – GOV.UK style</title>"
    "</head><body><main><h1>Sorry, there is a problem with the service</h1>"
    "<p>Try again later.</p></main></body></html>"
)


def not_found(request, exception=None):
    """404: HTML under /performance and /manage, the data API's JSON everywhere else.

    A signed-in page's 404 may depend on who asks (a dashboard another person may see), so
    it is never kept by a shared cache.
    """
    if not is_site_path(request.path_info):
        return data_views.not_found(request, exception)
    response = render(request, "site/404.html", status=404)
    if request.path_info == "/manage" or request.path_info.startswith("/manage/"):
        response["Cache-Control"] = "private, no-store"
        return response
    return caching.finish(request, response, caching.ERROR_MAX_AGE)


def forbidden(request, exception=None):
    """403: HTML on the site's pages (a signed-in page the person may not use), the data
    API's JSON everywhere else."""
    if not is_site_path(request.path_info):
        return data_views.permission_denied(request, exception)
    response = render(request, "site/403.html", status=403)
    response["Cache-Control"] = "private, no-store"
    return response


def server_error(request):
    """500: HTML under /performance, the data API's JSON everywhere else.

    Rendered without context processors (as Django's own handler is), and if even that
    fails, a fixed page: an error page must not fail.
    """
    if not is_site_path(request.path_info):
        return data_views.server_error(request)
    try:
        body = loader.get_template("site/500.html").render({})
    except Exception:
        log.exception("the 500 page could not be rendered")
        body = SERVER_ERROR_FALLBACK
    response = HttpResponse(body, status=500, content_type="text/html; charset=utf-8")
    response["Cache-Control"] = f"public, max-age={caching.ERROR_MAX_AGE}"
    return response
