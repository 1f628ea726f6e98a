"""Routes of the signed-in pages: the manager's hub and the platform admin's pages.

Three groups, each from its own module, so the pieces stay apart: the hub (dashboards,
data sets, tokens, modules), publishing (status moves, preview links, sign-off) and the
audit trail.
"""

from django.urls import path

from . import audit_views

app_name = "manage"

# The manager's hub (views.py).
hub_urlpatterns: list = []
# Publishing: status moves, preview links, sign-off (publishing_views.py).
publishing_urlpatterns: list = []
# The audit trail, for platform admins (audit_views.py).
audit_urlpatterns: list = [
    path("manage/audit", audit_views.audit_trail, name="audit"),
]

urlpatterns = hub_urlpatterns + publishing_urlpatterns + audit_urlpatterns
