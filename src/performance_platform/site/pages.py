"""What the site's fixed pages say: the homepage's facts, the sitemap and robots.txt.

Plain functions over the models, so views stay thin and the JSON twin of a page says
exactly what its HTML says. Only published dashboards are public: every count and list
here leaves out drafts, unlisted (preview) and in-review dashboards.
"""

from django.db.models import Count, Q

from performance_platform.dashboards.models import SERVICE_TYPES, Dashboard
from performance_platform.kpis import catalogue

HOME_PATH = "/performance"
SERVICES_PATH = "/performance/services"
ACCESSIBILITY_PATH = "/performance/accessibility"
API_DOCS_PATH = "/api/openapi.json"

#: The four KPIs as the homepage explains them (as on the original Spotlight homepage, with
#: the original's KPI definitions).
KPIS = [
    {"kpi": k.key, "title": k.title, "summary": k.summary, "description": k.description}
    for k in catalogue.FOUR
]


def published_dashboards():
    """Dashboards the public may see."""
    return Dashboard.objects.published()


def dashboard_url(slug: str) -> str:
    return f"{HOME_PATH}/{slug}"


def dashboard_counts() -> dict[str, int]:
    """Published dashboards: ``services`` (transaction, high-volume-transaction and
    service-group dashboards, those in the services index) and ``other`` (the rest)."""
    is_service = Q(dashboard_type__in=SERVICE_TYPES)
    counts = published_dashboards().aggregate(
        services=Count("pk", filter=is_service), other=Count("pk", filter=~is_service)
    )
    return {"services": counts["services"] or 0, "other": counts["other"] or 0}


def homepage_facts() -> dict:
    """Everything the homepage says, for its HTML and its ``.json`` twin alike."""
    counts = dashboard_counts()
    return {
        "title": "Performance",
        "description": "Find performance data of government services",
        "service_dashboards": counts["services"],
        "other_dashboards": counts["other"],
        "services_url": SERVICES_PATH,
        "kpis": [dict(kpi) for kpi in KPIS],
        "data_api_url": API_DOCS_PATH,
    }


def sitemap_entries() -> list[dict]:
    """``[{"path", "lastmod"}]``: the homepage, the services index and every published
    dashboard. ``lastmod`` (a datetime or None) is when the dashboard last changed; for the
    two lists, when any published dashboard they count last changed."""
    dashboards = list(
        published_dashboards().order_by("slug").values_list("slug", "dashboard_type", "updated_at")
    )
    latest_any = max((updated for _, _, updated in dashboards), default=None)
    latest_service = max(
        (updated for _, kind, updated in dashboards if kind in SERVICE_TYPES), default=None
    )
    entries = [
        {"path": HOME_PATH, "lastmod": latest_any},
        {"path": SERVICES_PATH, "lastmod": latest_service},
    ]
    entries += [
        {"path": dashboard_url(slug), "lastmod": updated} for slug, _, updated in dashboards
    ]
    return entries


#: Paths robots should leave alone: the admin, and the data API, whose addresses are the
#: write paths too (records are posted to the same /data/<group>/<type> that is read).
ROBOTS_DISALLOW = ("/admin/", "/data/", "/data-sets/", "/_status")


def robots_txt(sitemap_url: str) -> str:
    """robots.txt: crawl the public pages, not the admin or the data API."""
    lines = ["User-agent: *", f"Allow: {HOME_PATH}"]
    lines += [f"Disallow: {path}" for path in ROBOTS_DISALLOW]
    lines += ["", f"Sitemap: {sitemap_url}", ""]
    return "\n".join(lines)
