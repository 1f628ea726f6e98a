"""Routes of the collectors' signed-in pages (beside the hub's, under /manage)."""

from django.urls import path

from . import views

app_name = "collectors"

urlpatterns = [
    path("manage/dashboards/<slug:slug>/availability", views.availability, name="availability"),
    path(
        "manage/dashboards/<slug:slug>/availability/stop",
        views.availability_stop,
        name="availability-stop",
    ),
]
