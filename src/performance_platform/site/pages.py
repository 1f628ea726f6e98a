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
WEB_TRAFFIC_PATH = "/performance/web-traffic"
OTHER_PATH = "/performance/other"
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


#: The lists of dashboards that are not services, as the original platform had them at
#: /performance/web-traffic and /performance/other. Every published dashboard is in the
#: services index or one of these, and the homepage counts exactly what each lists.
LISTS = {
    "web-traffic": {
        "title": "Web traffic",
        "description": "Dashboards of how people use GOV.UK's content: visits, searches "
        "and the pages people read.",
        "path": WEB_TRAFFIC_PATH,
        "types": ("content",),
    },
    "other": {
        "title": "Other dashboards",
        "description": "Dashboards of departments, agencies and policies, rather than of "
        "one service.",
        "path": OTHER_PATH,
        "types": ("department", "agency", "other"),
    },
}


def dashboard_counts() -> dict[str, int]:
    """Published dashboards: ``services`` (transaction, high-volume-transaction and
    service-group dashboards, those in the services index), ``web_traffic`` and ``other``
    (those in the two lists of :data:`LISTS`)."""
    counts = published_dashboards().aggregate(
        services=Count("pk", filter=Q(dashboard_type__in=SERVICE_TYPES)),
        web_traffic=Count("pk", filter=Q(dashboard_type__in=LISTS["web-traffic"]["types"])),
        other=Count("pk", filter=Q(dashboard_type__in=LISTS["other"]["types"])),
    )
    return {key: value or 0 for key, value in counts.items()}


def dashboard_list(kind: str) -> dict:
    """A list of published dashboards that are not services (``kind`` a key of
    :data:`LISTS`), for its page and its ``.json`` twin alike."""
    about = LISTS[kind]
    found = (
        published_dashboards()
        .filter(dashboard_type__in=about["types"])
        .select_related("organisation__parent")
        .order_by("title", "slug")
    )
    return {
        "title": about["title"],
        "description": about["description"],
        "dashboards": [
            {
                "slug": d.slug,
                "title": d.title,
                "url": dashboard_url(d.slug),
                "dashboard_type": d.dashboard_type,
                "strapline": d.strapline,
                "organisation": d.organisation.name if d.organisation_id else None,
            }
            for d in found
        ],
    }


def homepage_facts() -> dict:
    """Everything the homepage says, for its HTML and its ``.json`` twin alike."""
    counts = dashboard_counts()
    return {
        "title": "Performance",
        "description": "Find performance data of government services",
        "service_dashboards": counts["services"],
        "web_traffic_dashboards": counts["web_traffic"],
        "other_dashboards": counts["other"],
        "services_url": SERVICES_PATH,
        "web_traffic_url": WEB_TRAFFIC_PATH,
        "other_url": OTHER_PATH,
        "kpis": [dict(kpi) for kpi in KPIS],
        "data_api_url": API_DOCS_PATH,
    }


def sitemap_entries() -> list[dict]:
    """``[{"path", "lastmod"}]``: the homepage, the services index, the lists of web
    traffic and other dashboards, and every published dashboard. ``lastmod`` (a datetime
    or None) is when the dashboard last changed; for a list, when any published dashboard
    it holds last changed."""
    dashboards = list(
        published_dashboards().order_by("slug").values_list("slug", "dashboard_type", "updated_at")
    )
    latest_any = max((updated for _, _, updated in dashboards), default=None)

    def latest(types):
        return max((updated for _, kind, updated in dashboards if kind in types), default=None)

    entries = [
        {"path": HOME_PATH, "lastmod": latest_any},
        {"path": SERVICES_PATH, "lastmod": latest(SERVICE_TYPES)},
    ]
    entries += [
        {"path": about["path"], "lastmod": latest(about["types"])} for about in LISTS.values()
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
