"""URL map. The legacy ``/<name>`` route comes last so it never shadows a real page."""

from django.contrib import admin
from django.urls import include, path, re_path

from performance_platform.datastore import views as data_views
from performance_platform.kpis import views as kpi_views

# HTML error pages under /performance; the data API's JSON envelope everywhere else.
handler404 = "performance_platform.site.views.not_found"
handler500 = "performance_platform.site.views.server_error"
handler400 = "performance_platform.datastore.views.bad_request"
handler403 = "performance_platform.site.views.forbidden"

urlpatterns = [
    path("_status", data_views.status, name="status"),
    path("_status/data-sets", data_views.data_sets_status, name="status-data-sets"),
    path("admin/", admin.site.urls),
    path("api/openapi.json", data_views.openapi_document, name="openapi"),
    # No route takes a NUL character: no name or id can hold one, and PostgreSQL refuses
    # it in a query (a 500), so such a path is simply not found.
    re_path(
        r"^data/(?P<group>[^/\x00]+)/(?P<data_type>[^/\x00]+)/?$",
        data_views.data_set,
        name="data-set",
    ),
    re_path(
        r"^data/(?P<group>[^/\x00]+)/(?P<data_type>[^/\x00]+)/transform$",
        kpi_views.transform,
        name="transform",
    ),
    re_path(
        r"^data/(?P<group>[^/\x00]+)/(?P<data_type>[^/\x00]+)/(?P<record_id>[^\x00]+)$",
        data_views.record,
        name="record",
    ),
    re_path(r"^data-sets/(?P<name>[^/\x00]+)$", data_views.collection, name="collection"),
    # The signed-in pages (/manage...) and getting a dashboard (/performance/get-a-dashboard),
    # before the public site, whose /performance/<slug> would take the latter.
    path("", include("performance_platform.accounts.urls")),
    path("", include("performance_platform.dashboards.urls")),
    path("", include("performance_platform.collectors.urls")),
    path("", include("performance_platform.onboarding.urls")),
    path("", include("performance_platform.uploads.urls")),
    path("", include("performance_platform.alerts.urls")),
    path("", include("performance_platform.survey.urls")),
    # The public site: /, /performance..., /robots.txt, /sitemap.xml.
    path("", include("performance_platform.site.urls")),
    re_path(r"^(?P<name>[A-Za-z][A-Za-z0-9_]+)$", data_views.legacy_data_set, name="legacy"),
]
