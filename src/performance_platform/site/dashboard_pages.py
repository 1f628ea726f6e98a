"""What the dashboard, module and services pages show, as plain data for templates.

Views stay thin: they call these functions and pick a template, a ``.json`` or a
``.csv``. Rendered pages are kept in the cache under a key made of everything they
depend on (the dashboard's last change, the version of every data set its modules
read, the KPI summaries' version), so a warm page is one cheap query and a cache read,
and any write to the data changes the key at once: never a stale figure.
"""

import hashlib
import io
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from django.db.models import Q
from django.http import Http404
from django.utils import timezone

from performance_platform.dashboards.models import Dashboard, Module
from performance_platform.dashboards.module_types import CONTAINERS
from performance_platform.datastore import softcache
from performance_platform.datastore.models import DataSet
from performance_platform.kpis import catalogue
from performance_platform.kpis.summaries import data_url, service_kpis
from performance_platform.lib import csvsafe, formatting

from . import renderers

PERIODS = [("day", "Day"), ("week", "Week"), ("month", "Month"), ("quarter", "Quarter")]
EARLIEST = date(2000, 1, 1)
PAGE_CACHE_SECONDS = 600
#: Module types whose words depend on the minute ("no newer figure has come in").
REALTIME_TYPES = ("realtime",)


class PageInputError(ValueError):
    """A query parameter on a page that cannot be used; shown as a friendly error."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field
        self.message = message


class DashboardGone(Exception):
    """A dashboard that was published and has been unpublished: its pages answer 410."""

    def __init__(self, dashboard: Dashboard):
        super().__init__(dashboard.slug)
        self.dashboard = dashboard


def public_url(slug: str) -> str:
    """A dashboard's public address."""
    return f"/performance/{slug}"


def published_dashboard(slug: str) -> Dashboard:
    """The published dashboard with this slug; else 404 (other states are not public), or
    :class:`DashboardGone` for one that was published and has been unpublished since."""
    found = (
        Dashboard.objects.filter(slug=slug)
        .select_related("organisation__parent__parent", "kpi_group")
        .first()
    )
    if found is not None and found.is_published:
        return found
    if found is not None and found.unpublished_at is not None:
        raise DashboardGone(found)
    raise Http404("No such dashboard")


def kpi_tiles(dashboard: Dashboard, *, now=None) -> list[dict]:
    """The dashboard's KPI tiles: value, period, change in words, last updated, stale."""
    group = dashboard.kpi_group.name if dashboard.kpi_group_id else dashboard.slug
    figures = service_kpis(group, now=now)
    tiles = []
    for kpi in catalogue.ALL:
        key, title, fmt = kpi.key, kpi.title, kpi.format
        record = figures.get(key)
        if record is None:
            if kpi is catalogue.TRANSACTIONS_PER_YEAR:
                continue
            tiles.append(
                {
                    "key": key,
                    "title": title,
                    "value": formatting.format_html(None, fmt),
                    "has_value": False,
                }
            )
            continue
        updated = record.get("last_updated")
        tiles.append(
            {
                "key": key,
                "title": title,
                "value": formatting.format_html(record.get("value"), fmt),
                "text": formatting.format_value(record.get("value"), fmt),
                "has_value": record.get("value") is not None,
                "period": record.get("period_label") or "",
                "change_text": record.get("change_text") or "",
                "direction": record.get("direction"),
                "last_updated": formatting.format_date(updated) if updated else "",
                "stale": bool(record.get("stale")),
                "api_url": data_url(group, key),
                "figures": kpi_figures(record),
            }
        )
    return tiles


#: A KPI's figures as numbers and ISO dates, as its summary record holds them: the
#: dashboard's .json and .csv give these beside the words the tiles show.
FIGURE_FIELDS = {
    "value": "value",
    "unit": "unit",
    "previous_value": "previous_value",
    "change": "change",
    "relative_change": "relative_change",
    "period_start": "start_at",
    "period_end": "end_at",
    "previous_period_start": "previous_start_at",
    "previous_period_end": "previous_end_at",
    "last_updated_at": "last_updated",
}


def kpi_figures(record: dict | None) -> dict:
    """A KPI's figures as data (None where the summary has none)."""
    record = record or {}
    return {name: record.get(field) for name, field in FIGURE_FIELDS.items()}


def kpis_csv(tiles: list[dict]) -> str:
    """The KPI tiles as CSV: one row per KPI, with numbers, not formatted text."""
    out = io.StringIO()
    writer = csvsafe.writer(out)
    fields = list(FIGURE_FIELDS)
    writer.writerow(["kpi", "title", *fields, "stale", "period_label", "change_text"])
    for tile in tiles:
        figures = tile.get("figures") or kpi_figures(None)
        writer.writerow(
            [
                tile["key"],
                tile["title"],
                *(figures[f] for f in fields),
                tile.get("stale", False),
                tile.get("period", ""),
                tile.get("change_text", ""),
            ]
        )
    return "\ufeff" + out.getvalue()


def organisation_facts(dashboard: Dashboard) -> dict:
    org = dashboard.organisation
    return {
        "department": org.department() if org else None,
        "agency": org.agency() if org else None,
    }


def _versions(dashboard: Dashboard) -> tuple[str, bool]:
    """A fingerprint of every data set the dashboard's modules read, and of the KPI
    summaries (versions change on every write), and whether it shows realtime figures.
    A warm page is mostly this, so it asks for ids and versions only. (One query with
    EXISTS took SQLite 7-14 ms here: it tested every data set; these two or three indexed
    lookups take about 1 ms.)"""
    sources = set(
        Module.objects.filter(dashboard=dashboard, data_group__isnull=False).values_list(
            "data_group_id", "data_type_id", "type"
        )
    )
    realtime = any(kind in REALTIME_TYPES for _, _, kind in sources)
    pairs = {(group, dtype) for group, dtype, _ in sources}
    found = []
    if pairs:
        condition = Q()
        for group, dtype in pairs:
            condition |= Q(data_group_id=group, data_type_id=dtype)
        found = list(DataSet.objects.filter(condition).values_list("pk", "version"))
    group, data_type = catalogue.SUMMARIES_OUTPUT
    found += DataSet.objects.filter(data_group__name=group, data_type__name=data_type).values_list(
        "pk", "version"
    )
    fingerprint = ",".join(f"{pk}:{version}" for pk, version in sorted(set(found))) or "-"
    return fingerprint, realtime


def shows_realtime(dashboard: Dashboard) -> bool:
    """Whether the dashboard has a module that says what is happening "now"."""
    return Module.objects.filter(dashboard=dashboard, type__in=REALTIME_TYPES).exists()


def cache_key(kind: str, dashboard: Dashboard, extra: str) -> str:
    """A page-cache key covering everything the page depends on.

    The clock is part of it too. A dashboard with a realtime module says whether its
    figure is over 10 minutes old, which must be right to the minute: its pages are keyed
    by the minute. Other pages change with the clock only through staleness, which the freshness
    check stores (a write, so a new key) every 5 minutes: the hour is enough for them.
    """
    versions, realtime = _versions(dashboard)
    parts = [
        kind,
        dashboard.slug,
        dashboard.updated_at.isoformat(),
        versions,
        extra,
        timezone.now().strftime("%Y%m%d%H%M" if realtime else "%Y%m%d%H"),
    ]
    return "page:" + hashlib.sha256("|".join(parts).encode()).hexdigest()


def cached(key: str, build):
    """``build()`` once per key (for PAGE_CACHE_SECONDS).

    Through :mod:`~performance_platform.datastore.softcache`: when the cache is down or
    slow the page is built every time, never refused, and a page too large to keep is
    built every time too.
    """
    found = softcache.get(key)
    if found is not None:
        return found
    value = build()
    softcache.put(key, value, PAGE_CACHE_SECONDS)
    return value


@dataclass
class DashboardPage:
    dashboard: Dashboard
    tiles: list[dict]
    modules: list
    annotations: list
    department: object
    agency: object


def dashboard_page(dashboard: Dashboard, *, now=None, base: str | None = None) -> DashboardPage:
    """The dashboard page: KPI tiles, then the modules in order. ``base`` is the dashboard's
    address, which its module links start with (a preview's differs from the public one)."""
    now = now or datetime.now(UTC)
    annotations = list(dashboard.annotations.all())
    top = (
        dashboard.modules.filter(parent__isnull=True)
        .select_related("data_group", "data_type")
        .prefetch_related("children")
    )
    base = base or public_url(dashboard.slug)
    views = [renderers.render(m, annotations=annotations, now=now, base_url=base) for m in top]
    facts = organisation_facts(dashboard)
    return DashboardPage(
        dashboard,
        kpi_tiles(dashboard, now=now),
        views,
        annotations,
        facts["department"],
        facts["agency"],
    )


def find_module(
    dashboard: Dashboard, path: list[str], base: str | None = None
) -> tuple[Module, str]:
    """The module at ``<base>/<path...>`` (``base`` the dashboard's address, by default its
    public one) and the address its own path starts from, or 404."""
    parent = None
    base = base or public_url(dashboard.slug)
    module = None
    for index, slug in enumerate(path):
        module = (
            Module.objects.filter(dashboard=dashboard, parent=parent, slug=slug)
            .select_related("data_group", "data_type")
            .first()
        )
        if module is None:
            raise Http404("No such module")
        if index < len(path) - 1:
            if module.type not in CONTAINERS:
                raise Http404("No such module")
            base = f"{base}/{slug}"
            parent = module
    if module is None:
        raise Http404("No such module")
    return module, base


def parse_month(text: str, field: str) -> date:
    """A "YYYY-MM" month from the date form."""
    try:
        year, month = text.split("-")
        when = date(int(year), int(month), 1)
    except (ValueError, AttributeError, OverflowError):  # a year too big for a C int
        raise PageInputError(field, "Enter a month as a year and month, like 2025-04")
    if when < EARLIEST or when > date.today() + timedelta(days=366):
        raise PageInputError(field, f"Enter a month between {EARLIEST:%B %Y} and next year")
    return when


def date_range_from(query) -> tuple[renderers.Range | None, dict, list]:
    """The module page's date form: (range or None, form values, errors)."""
    # The values are shown again in the form: NUL has no place in HTML, so it is dropped.
    values = {
        name: (query.get(name) or "").replace("\x00", "")[:20] for name in ("from", "to", "period")
    }
    errors = []
    if not values["from"] and not values["to"] and not values["period"]:
        return None, values, errors
    start = end = None
    try:
        start = parse_month(values["from"], "from") if values["from"] else None
    except PageInputError as exc:
        errors.append(exc)
    try:
        end = parse_month(values["to"], "to") if values["to"] else None
    except PageInputError as exc:
        errors.append(exc)
    period = values["period"] or None
    if period is not None and period not in dict(PERIODS):
        errors.append(PageInputError("period", "Choose a period: day, week, month or quarter"))
        period = None
    if start and end and end < start:
        errors.append(PageInputError("to", "The end month must be the same as or after the start"))
    if errors:
        return None, values, errors
    today = date.today()
    start = start or date(today.year - 1, today.month, 1)
    end = end or date(today.year, today.month, 1)
    end_exclusive = date(end.year + (end.month == 12), end.month % 12 + 1, 1)
    if period == "day" and (end_exclusive - start).days > 731:
        errors.append(PageInputError("period", "Choose weeks or longer for more than two years"))
        return None, values, errors
    rng = renderers.Range(
        datetime(start.year, start.month, start.day, tzinfo=UTC),
        datetime(end_exclusive.year, end_exclusive.month, 1, tzinfo=UTC),
        period,
    )
    return rng, values, errors


def table_csv(table) -> str:
    """A table as CSV text (formulas escaped, as the read API's CSV does)."""
    out = io.StringIO()
    writer = csvsafe.writer(out)
    # Column labels come from the module's options, so they are escaped like the values.
    writer.writerow([c.label for c in table.columns])
    for row in table.as_records():
        writer.writerow(row.values())
    return "\ufeff" + out.getvalue()
