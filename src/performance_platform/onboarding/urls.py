"""Routes for getting a dashboard: the guidance, the request form, and reviewing requests."""

from django.urls import path, re_path

from . import views

app_name = "onboarding"

urlpatterns = [
    path("performance/get-a-dashboard", views.guidance, name="guidance"),
    path("performance/get-a-dashboard/request", views.start, name="start"),
    path("performance/get-a-dashboard/request/check-your-answers", views.check, name="check"),
    path(
        "performance/get-a-dashboard/request/confirmation",
        views.confirmation,
        name="confirmation",
    ),
    re_path(
        r"^performance/get-a-dashboard/request/(?P<step>[a-z][a-z-]{0,40})$",
        views.question,
        name="question",
    ),
    path("manage/requests", views.request_list, name="requests"),
    # Ids of at most 12 digits: a longer one is no request's, and is refused before any
    # query (PostgreSQL would reject a number beyond its bigint).
    re_path(r"^manage/requests/(?P<pk>[0-9]{1,12})$", views.request_detail, name="request"),
    re_path(
        r"^manage/requests/(?P<pk>[0-9]{1,12})/(?P<decision>approve|decline)$",
        views.request_decide,
        name="decide",
    ),
]
