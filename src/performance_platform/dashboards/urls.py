"""Routes of the signed-in pages: the manager's hub and the platform admin's pages.

Three groups, each from its own module, so the pieces stay apart: the hub (dashboards,
data sets, tokens, modules), publishing (status moves, preview links, sign-off) and the
audit trail.
"""

from django.urls import path

from . import audit_views, publishing_views, views

app_name = "manage"

# The manager's hub (views.py). Slugs and data-set names use the slug converter: the
# names they match are the only ones that exist, and no NUL character reaches a query.
_D = "manage/dashboards/<slug:slug>"
_S = "manage/data-sets/<slug:name>"
hub_urlpatterns: list = [
    path("manage", views.index, name="index"),
    path(_D, views.dashboard, name="dashboard"),
    path(f"{_D}/details", views.details, name="details"),
    path(f"{_D}/annotations/add", views.annotation_add, name="annotation-add"),
    path(f"{_D}/annotations/<int:pk>/remove", views.annotation_remove, name="annotation-remove"),
    path(f"{_D}/modules/add/<slug:kind>", views.module_add, name="module-add"),
    path(f"{_D}/modules/<int:pk>/move", views.module_move, name="module-move"),
    path(f"{_D}/modules/<int:pk>/remove", views.module_remove, name="module-remove"),
    path(_S, views.data_set, name="data-set"),
    path(f"{_S}/tokens/new", views.token_new, name="token-new"),
    path(f"{_S}/tokens/<int:pk>/created", views.token_created, name="token-created"),
    path(f"{_S}/tokens/<int:pk>/revoke", views.token_revoke, name="token-revoke"),
    path(f"{_S}/access/new", views.access_grant, name="access-grant"),
    path(f"{_S}/access/<int:pk>/remove", views.access_revoke, name="access-revoke"),
]
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
