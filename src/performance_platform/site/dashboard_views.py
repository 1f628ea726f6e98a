"""Views of the services index, dashboards and module pages, with their .json and .csv twins.

Thin: the figures come from :mod:`.services`, :mod:`.dashboard_pages` and
:mod:`.renderers`. Dashboard and module pages are cached whole, keyed on every input (see
:func:`dashboard_pages.cache_key`), and every response carries the original's
``Cache-Control`` lifetimes and a strong ETag (:mod:`.caching`).

A dashboard's pages are built by functions that take the dashboard and its address
(``base``), so the preview of an unpublished dashboard (:mod:`.preview_views`, at
``/performance/preview/<token>/<slug>``) is drawn by the same code, with links that stay in
the preview. A dashboard that was published and then unpublished answers 410 Gone.
"""

import hashlib
import io
from functools import wraps
from urllib.parse import urlencode

import orjson
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import timezone

from performance_platform.lib import csvsafe

from . import caching, dashboard_pages, renderers, services

JSON = "application/json"
CSV = "text/csv; charset=utf-8"


def _json(payload, status: int = 200) -> HttpResponse:
    body = orjson.dumps(payload, option=orjson.OPT_INDENT_2)
    return HttpResponse(body, content_type=JSON, status=status)


def _csv(text: str, filename: str) -> HttpResponse:
    response = HttpResponse(text, content_type=CSV)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


# --- services index ------------------------------------------------------------------------


def _services_state(request):
    query = request.GET
    # NUL is not allowed in HTML (nor anywhere in a service's name): drop it.
    text = (query.get("filter") or "").replace("\x00", "")[:200]
    department = (query.get("department") or "").replace("\x00", "")[:200]
    everything = services.services()
    rows = services.apply_filter(everything, text, department)
    rows, key, order = services.sort(
        rows, (query.get("sortby") or "")[:50], (query.get("sortorder") or "")[:10]
    )
    return everything, rows, text, department, key, order


@caching.public_page(caching.PAGE_MAX_AGE)
def services_page(request):
    """``/performance/services``: filter, sort and totals, all in the URL.

    Kept in the cache under the index's fingerprint (summaries version, dashboards and
    organisations changed) and the query string: any change to what it shows changes
    the key.
    """
    key = "|".join(
        [
            "services",
            services.fingerprint(),
            request.GET.urlencode(),
            timezone.now().strftime("%Y%m%d%H"),  # staleness moves with the clock
        ]
    )
    key = "page:" + hashlib.sha256(key.encode()).hexdigest()
    return HttpResponse(dashboard_pages.cached(key, lambda: _services_html(request)))


def _services_html(request) -> str:
    everything, rows, text, department, key, order = _services_state(request)
    departments, agencies = services.department_choices(everything)
    labels = dict(departments) | dict(agencies)
    base = {"filter": text, "department": department}
    columns = []
    for col_key, label, numeric in [
        ("name", "Service", False),
        ("department", "Department", False),
    ] + [(k, lab, True) for k, lab, _f, _kind in services.COLUMNS]:
        active = col_key == key
        next_order = (
            ("asc" if order == "desc" else "desc") if active else ("asc" if not numeric else "desc")
        )
        params = {
            k: v for k, v in {**base, "sortby": col_key, "sortorder": next_order}.items() if v
        }
        columns.append(
            {
                "key": col_key,
                "label": label,
                "numeric": numeric,
                "aria_sort": ("ascending" if order == "asc" else "descending")
                if active
                else "none",
                "sort_url": f"/performance/services?{urlencode(params)}",
                "next_order_words": "ascending" if next_order == "asc" else "descending",
            }
        )
    from performance_platform.lib.formatting import format_html

    table_rows = []
    for row in rows:
        cells = []
        for col_key, _label, fmt, _kind in services.COLUMNS:
            record = row.kpis.get(col_key) or {}
            cells.append(
                {
                    "value": format_html(record.get("value"), fmt, missing="table"),
                    "period": record.get("period_label") if record.get("value") is not None else "",
                    "stale": bool(record.get("stale")),
                }
            )
        org = row.department or row.agency
        table_rows.append(
            {
                "slug": row.slug,
                "title": row.title,
                "department": org["name"] if org else "",
                "cells": cells,
            }
        )
    kept = {k: v for k, v in {**base, "sortby": key, "sortorder": order}.items() if v}
    return render_to_string(
        "site/services.html",
        {
            "nav": "services",
            "rows": rows,
            "table_rows": table_rows,
            "columns": columns,
            "aggregates": services.aggregates(rows),
            "departments": departments,
            "agencies": agencies,
            "filter_text": text,
            "department": department,
            "department_label": labels.get(department, ""),
            "sort_key": key,
            "sort_order": order,
            "query_string": urlencode(kept),
        },
        request=request,
    )


@caching.public_page(caching.PAGE_MAX_AGE)
def services_json(request):
    """The services index as JSON: the same filter and sort as the page."""
    _everything, rows, text, department, key, order = _services_state(request)
    return _json(
        {
            "filter": text,
            "department": department,
            "sort_by": key,
            "sort_order": order,
            "aggregates": [
                {k: a[k] for k in ("key", "label", "kind", "value", "count")}
                for a in services.aggregates(rows)
            ],
            "services": services.as_records(rows),
        }
    )


@caching.public_page(caching.PAGE_MAX_AGE)
def services_csv(request):
    """The services index as CSV."""
    _everything, rows, *_ = _services_state(request)
    records = services.as_records(rows)
    out = io.StringIO()
    fields = list(records[0]) if records else ["slug", "service", "url", "department", "agency"]
    writer = csvsafe.writer(out)
    writer.writerow(fields)
    for record in records:
        writer.writerow(record.get(field) for field in fields)
    return _csv("\ufeff" + out.getvalue(), "services.csv")


# --- dashboards ----------------------------------------------------------------------------


def _lifetime(found, response: HttpResponse) -> HttpResponse:
    """A page with realtime figures may be kept a minute, not ten (caching.finish keeps a
    Cache-Control that a view has set)."""
    if dashboard_pages.shows_realtime(found):
        response["Cache-Control"] = f"public, max-age={caching.REALTIME_MAX_AGE}"
    return response


def gone(request, dashboard) -> HttpResponse:
    """410 Gone: the page of a dashboard that was published and has been unpublished.

    Kept as briefly as an error page, so a dashboard published again shows at once."""
    response = render(request, "site/410.html", {"dashboard": dashboard}, status=410)
    response["Cache-Control"] = f"public, max-age={caching.ERROR_MAX_AGE}"
    return response


def _gone_if_unpublished(view):
    """Answer 410 (see :func:`gone`) where ``view`` finds its dashboard unpublished."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except dashboard_pages.DashboardGone as exc:
            return gone(request, exc.dashboard)

    return wrapped


def _breadcrumbs(dashboard, module=None, base=None):
    items = [
        {"text": "Performance", "href": "/performance"},
        {"text": "Services", "href": "/performance/services"},
    ]
    if module is None:
        items.append({"text": dashboard.title})
    else:
        items.append({"text": dashboard.title, "href": base or f"/performance/{dashboard.slug}"})
        items.append({"text": module.title})
    return items


def _live(views) -> bool:
    """Whether any of ``views`` (or their children) has a figure the page refreshes, so
    the page loads the script that does it (site/static/site/realtime.js)."""
    return any(v.live is not None or _live(v.children) for v in views)


def dashboard_html(request, found, base: str, *, preview: bool = False) -> str:
    """The dashboard page's HTML, its links starting from ``base`` (its address)."""
    page = dashboard_pages.dashboard_page(found, base=base)
    return render_to_string(
        "site/dashboard.html",
        {
            "dashboard": found,
            "page": page,
            "live": _live(page.modules),
            "breadcrumbs": _breadcrumbs(found),
            "dashboard_url": base,
            "preview": preview,
        },
        request=request,
    )


def dashboard_json_bytes(found, base: str) -> bytes:
    """The dashboard as JSON: its facts, KPI figures and each module's data and query."""
    page = dashboard_pages.dashboard_page(found, base=base)
    return orjson.dumps(
        {
            "slug": found.slug,
            "title": found.title,
            "strapline": found.strapline,
            "dashboard_type": found.dashboard_type,
            "department": page.department.name if page.department else None,
            "agency": page.agency.name if page.agency else None,
            "links": found.links,
            # The tiles' words, and their figures as numbers and dates ("value" is the
            # number; "display" the text the tile shows).
            "kpis": [
                {k: v for k, v in t.items() if k not in ("value", "text", "figures")}
                | {"display": t.get("text")}
                | (t.get("figures") or dashboard_pages.kpi_figures(None))
                for t in page.tiles
            ],
            "modules": [_module_json(v) for v in page.modules],
            "annotations": [{"date": a.date.isoformat(), "text": a.text} for a in page.annotations],
        },
        option=orjson.OPT_INDENT_2,
    )


def dashboard_csv_response(found, text: str) -> HttpResponse:
    """The dashboard's KPI tiles as a CSV download."""
    return _csv(text, f"{found.slug}-kpis.csv")


@caching.public_page(caching.DASHBOARD_MAX_AGE)
@_gone_if_unpublished
def dashboard(request, slug: str):
    """``/performance/<slug>``: the title, KPI tiles and modules of a published dashboard."""
    found = dashboard_pages.published_dashboard(slug)
    base = dashboard_pages.public_url(slug)
    key = dashboard_pages.cache_key("dashboard", found, "")
    html = dashboard_pages.cached(key, lambda: dashboard_html(request, found, base))
    return _lifetime(found, HttpResponse(html))


@caching.public_page(caching.DASHBOARD_MAX_AGE)
@_gone_if_unpublished
def dashboard_json(request, slug: str):
    """The dashboard as JSON: its facts, KPI figures and each module's data and query."""
    found = dashboard_pages.published_dashboard(slug)
    base = dashboard_pages.public_url(slug)
    key = dashboard_pages.cache_key("dashboard.json", found, "")
    body = dashboard_pages.cached(key, lambda: dashboard_json_bytes(found, base))
    return _lifetime(found, HttpResponse(body, content_type=JSON))


@caching.public_page(caching.DASHBOARD_MAX_AGE)
@_gone_if_unpublished
def dashboard_csv(request, slug: str):
    """The dashboard's KPI tiles as CSV: one row per KPI, with numbers, not formatted text."""
    found = dashboard_pages.published_dashboard(slug)

    def build():
        return dashboard_pages.kpis_csv(dashboard_pages.kpi_tiles(found))

    key = dashboard_pages.cache_key("dashboard.csv", found, "")
    return dashboard_csv_response(found, dashboard_pages.cached(key, build))


def _shown(view):
    """The module whose data a page shows: a tab module's tab shown, else the module."""
    if view.type == "tab" and view.children:
        return view.children[0]
    return view


def _module_json(view) -> dict:
    out = {
        "slug": view.slug,
        "type": view.type,
        "title": view.title,
        "url": view.url,
    }
    if view.api_url:
        out["query"] = view.api_url
    if view.error:
        out["error"] = view.error
    if view.live is not None:
        # The latest figure and when it was taken: what a realtime module's page refreshes.
        out["latest"] = view.live.as_json()
    if view.table is not None:
        out["data"] = view.table.as_records()
    if view.children:
        out["modules"] = [_module_json(c) for c in view.children]
    return out


def _module_state(request, found, path: str, base: str):
    parts = [p for p in path.split("/") if p]
    if not parts or len(parts) > 3:
        raise Http404("No such module")
    module, module_base = dashboard_pages.find_module(found, parts, base)
    date_range, form, errors = dashboard_pages.date_range_from(request.GET)
    tab = (request.GET.get("tab") or "")[:60] or None
    return module, module_base, date_range, form, errors, tab


def _render_module(module, base, date_range, tab):
    annotations = list(module.dashboard.annotations.all())
    return renderers.render(
        module, annotations=annotations, date_range=date_range, full=True, base_url=base, tab=tab
    )


def module_page_response(request, found, path: str, base: str, *, preview: bool = False):
    """A module page (the full chart, the full table, a date form) of ``found`` at ``base``.

    Public pages are kept in the page cache; a preview's never is (its links hold the
    token, which is stored nowhere)."""
    module, module_base, date_range, form, errors, tab = _module_state(request, found, path, base)
    page_url = f"{module_base}/{module.slug}"
    kept = {k: v for k, v in {**form, "tab": tab or ""}.items() if v}
    query_string = urlencode(kept)

    def build():
        view = _render_module(module, module_base, date_range, tab)
        if date_range is not None:
            # Switching tab keeps the chosen dates (tabs are links, not a form).
            dates = urlencode({k: v for k, v in form.items() if v})
            for item in view.tabs:
                item["url"] = f"{item['url']}&{dates}"
        return render_to_string(
            "site/module.html",
            {
                "dashboard": found,
                "dashboard_url": base,
                "preview": preview,
                "view": view,
                "live": _live([view]),
                "shown": _shown(view),
                "page_url": page_url,
                "query_string": query_string,
                "form": form,
                "errors": errors,
                "error_fields": {e.field for e in errors},
                "date_fields": [("from", "From"), ("to", "To")],
                "periods": dashboard_pages.PERIODS,
                "breadcrumbs": _breadcrumbs(found, module, base),
            },
            request=request,
        )

    if errors:
        # A friendly page naming the problem, not a 500; cached briefly, like errors.
        response = HttpResponse(build(), status=400)
        response["Cache-Control"] = f"public, max-age={caching.ERROR_MAX_AGE}"
        return response
    if preview:
        return HttpResponse(build())
    key = dashboard_pages.cache_key("module", found, f"{path}?{query_string}")
    return _lifetime(found, HttpResponse(dashboard_pages.cached(key, build)))


def module_json_response(request, found, path: str, base: str) -> HttpResponse:
    """A module page as JSON: the query behind it and its table."""
    module, module_base, date_range, form, errors, tab = _module_state(request, found, path, base)
    if errors:
        return _json({"errors": [{"field": e.field, "message": e.message} for e in errors]}, 400)
    view = _render_module(module, module_base, date_range, tab)
    return _json({"dashboard": found.slug, **_module_json(view)})


def module_csv_response(request, found, path: str, base: str) -> HttpResponse:
    """A module's table as CSV."""
    module, module_base, date_range, form, errors, tab = _module_state(request, found, path, base)
    if errors:
        message = "; ".join(e.message for e in errors)
        return HttpResponse(message, status=400, content_type="text/plain; charset=utf-8")
    view = _render_module(module, module_base, date_range, tab)
    shown = _shown(view)  # a tab module's CSV is the table of the tab shown (?tab=)
    if shown.table is None:
        raise Http404("This module has no table")
    name = module.slug if shown is view else f"{module.slug}-{shown.slug}"
    return _csv(dashboard_pages.table_csv(shown.table), f"{found.slug}-{name}.csv")


@caching.public_page(caching.DASHBOARD_MAX_AGE)
@_gone_if_unpublished
def module_page(request, slug: str, path: str):
    """``/performance/<slug>/<module>``: the full chart, the full table, a date form."""
    found = dashboard_pages.published_dashboard(slug)
    return module_page_response(request, found, path, dashboard_pages.public_url(slug))


@caching.public_page(caching.DASHBOARD_MAX_AGE)
@_gone_if_unpublished
def module_json(request, slug: str, path: str):
    """A module page as JSON: the query behind it and its table."""
    found = dashboard_pages.published_dashboard(slug)
    response = module_json_response(request, found, path, dashboard_pages.public_url(slug))
    return _lifetime(found, response) if response.status_code == 200 else response


@caching.public_page(caching.DASHBOARD_MAX_AGE)
@_gone_if_unpublished
def module_csv(request, slug: str, path: str):
    """A module's table as CSV."""
    found = dashboard_pages.published_dashboard(slug)
    return module_csv_response(request, found, path, dashboard_pages.public_url(slug))
