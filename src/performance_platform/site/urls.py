"""Routes of the public site. Included by the project's URL map before the legacy ``/<name>``
data route, which would otherwise take ``/performance``."""

from django.urls import path, re_path

from . import dashboard_views, preview_views, views

app_name = "site"

PREVIEW = r"performance/preview/(?P<token>[A-Za-z0-9_-]{1,100})/(?P<slug>[a-z0-9][a-z0-9-]*)"
MODULE = r"(?P<path>[a-z0-9][a-z0-9/-]*)"

urlpatterns = [
    path("", views.root, name="root"),
    path("robots.txt", views.robots_txt, name="robots"),
    path("sitemap.xml", views.sitemap_xml, name="sitemap"),
    path("performance", views.home, name="home"),
    path("performance.json", views.home_json, name="home-json"),
    path("performance/", views.trailing_slash, name="home-slash"),
    path("performance/accessibility", views.accessibility, name="accessibility"),
    path("performance/services", dashboard_views.services_page, name="services"),
    path("performance/services.json", dashboard_views.services_json, name="services-json"),
    path("performance/services.csv", dashboard_views.services_csv, name="services-csv"),
    # Before the dashboards' pattern, which would take them (as it would "services").
    path("performance/web-traffic", views.dashboard_list, {"kind": "web-traffic"}, name="web"),
    path(
        "performance/web-traffic.json",
        views.dashboard_list_json,
        {"kind": "web-traffic"},
        name="web-json",
    ),
    path("performance/other", views.dashboard_list, {"kind": "other"}, name="other"),
    path("performance/other.json", views.dashboard_list_json, {"kind": "other"}, name="other-json"),
    # Previews of dashboards not yet published (before the dashboards' patterns, which
    # would take "preview" for a dashboard's slug). A token is 43 URL-safe characters;
    # anything else of the kind is looked up all the same, and simply not found.
    re_path(
        rf"^{PREVIEW}\.json$",
        preview_views.dashboard_json,
        name="preview-json",
    ),
    re_path(rf"^{PREVIEW}\.csv$", preview_views.dashboard_csv, name="preview-csv"),
    re_path(rf"^{PREVIEW}$", preview_views.dashboard, name="preview"),
    re_path(rf"^{PREVIEW}/{MODULE}\.json$", preview_views.module_json, name="preview-module-json"),
    re_path(rf"^{PREVIEW}/{MODULE}\.csv$", preview_views.module_csv, name="preview-module-csv"),
    re_path(rf"^{PREVIEW}/{MODULE}$", preview_views.module_page, name="preview-module"),
    re_path(
        r"^performance/(?P<slug>[a-z0-9][a-z0-9-]*)\.json$",
        dashboard_views.dashboard_json,
        name="dashboard-json",
    ),
    re_path(
        r"^performance/(?P<slug>[a-z0-9][a-z0-9-]*)\.csv$",
        dashboard_views.dashboard_csv,
        name="dashboard-csv",
    ),
    re_path(
        r"^performance/(?P<slug>[a-z0-9][a-z0-9-]*)$", dashboard_views.dashboard, name="dashboard"
    ),
    re_path(
        r"^performance/(?P<slug>[a-z0-9][a-z0-9-]*)/(?P<path>[a-z0-9][a-z0-9/-]*)\.json$",
        dashboard_views.module_json,
        name="module-json",
    ),
    re_path(
        r"^performance/(?P<slug>[a-z0-9][a-z0-9-]*)/(?P<path>[a-z0-9][a-z0-9/-]*)\.csv$",
        dashboard_views.module_csv,
        name="module-csv",
    ),
    re_path(
        r"^performance/(?P<slug>[a-z0-9][a-z0-9-]*)/(?P<path>[a-z0-9][a-z0-9/-]*)$",
        dashboard_views.module_page,
        name="module",
    ),
]
