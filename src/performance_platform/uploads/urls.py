"""Routes of the upload pages (all signed in, under /manage)."""

from django.urls import path

from . import views

app_name = "uploads"

_S = "manage/data-sets/<slug:name>"
urlpatterns = [
    path("manage/uploads", views.index, name="index"),
    path(f"{_S}/upload", views.upload, name="new"),
    path(f"{_S}/uploads", views.history, name="history"),
    path(f"{_S}/template.<str:extension>", views.template, name="template"),
    path("manage/uploads/<int:pk>", views.detail, name="upload"),
    path("manage/uploads/<int:pk>/progress", views.progress, name="progress"),
    path("manage/uploads/<int:pk>/confirm", views.confirm, name="confirm"),
    path("manage/uploads/<int:pk>/cancel", views.cancel, name="cancel"),
    path("manage/uploads/<int:pk>/rollback", views.rollback, name="rollback"),
    path("manage/uploads/<int:pk>/file", views.download, name="download"),
]
