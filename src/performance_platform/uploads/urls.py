"""Routes of the upload pages (all signed in, under /manage)."""

from django.urls import path

from . import quarterly_views, views

app_name = "uploads"

_S = "manage/data-sets/<slug:name>"
_Q = "manage/uploads/quarterly/<int:pk>"
urlpatterns = [
    path("manage/uploads", views.index, name="index"),
    path(f"{_S}/upload", views.upload, name="new"),
    path(f"{_S}/uploads", views.history, name="history"),
    path(f"{_S}/template.<str:extension>", views.template, name="template"),
    path("manage/uploads/quarterly", quarterly_views.index, name="quarterly"),
    path(
        "manage/uploads/quarterly/template.<str:extension>",
        quarterly_views.template,
        name="quarterly-template",
    ),
    path("manage/uploads/quarterly/<int:pk>", quarterly_views.detail, name="quarterly-upload"),
    path(f"{_Q}/confirm", quarterly_views.confirm, name="quarterly-confirm"),
    path(f"{_Q}/drafts", quarterly_views.drafts, name="quarterly-drafts"),
    path(f"{_Q}/cancel", quarterly_views.cancel, name="quarterly-cancel"),
    path(f"{_Q}/rollback", quarterly_views.rollback, name="quarterly-rollback"),
    path("manage/uploads/<int:pk>", views.detail, name="upload"),
    path("manage/uploads/<int:pk>/progress", views.progress, name="progress"),
    path("manage/uploads/<int:pk>/confirm", views.confirm, name="confirm"),
    path("manage/uploads/<int:pk>/cancel", views.cancel, name="cancel"),
    path("manage/uploads/<int:pk>/rollback", views.rollback, name="rollback"),
    path("manage/uploads/<int:pk>/file", views.download, name="download"),
]
