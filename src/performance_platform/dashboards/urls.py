"""Routes of the signed-in pages: the manager's hub and the platform admin's pages.

Three groups, each from its own module, so the pieces stay apart: the hub (dashboards,
data sets, tokens, modules), publishing (status moves, preview links, sign-off) and the
audit trail.
"""

from django.urls import path

from . import audit_views, publishing_views

app_name = "manage"

# The manager's hub (views.py).
hub_urlpatterns: list = []
# Publishing: status moves, preview links, sign-off (publishing_views.py).
publishing_urlpatterns: list = [
    path(
        "manage/dashboards/<slug:slug>/publishing",
        publishing_views.panel_page,
        name="publishing",
    ),
    path(
        "manage/dashboards/<slug:slug>/send-for-review",
        publishing_views.confirm_move,
        {"move": "send_for_review"},
        name="send-for-review",
    ),
    path(
        "manage/dashboards/<slug:slug>/withdraw",
        publishing_views.confirm_move,
        {"move": "withdraw"},
        name="withdraw",
    ),
    path(
        "manage/dashboards/<slug:slug>/unpublish",
        publishing_views.confirm_move,
        {"move": "unpublish"},
        name="unpublish",
    ),
    path("manage/dashboards/<slug:slug>/sign-off", publishing_views.sign_off, name="sign-off"),
    path(
        "manage/dashboards/<slug:slug>/preview-links/new",
        publishing_views.new_link,
        name="new-preview-link",
    ),
    path("manage/preview-links", publishing_views.all_links, name="preview-links"),
    path(
        "manage/preview-links/<int:pk>/revoke",
        publishing_views.revoke_link,
        name="revoke-preview-link",
    ),
]
# The audit trail, for platform admins (audit_views.py).
audit_urlpatterns: list = [
    path("manage/audit", audit_views.audit_trail, name="audit"),
]

urlpatterns = hub_urlpatterns + publishing_urlpatterns + audit_urlpatterns
