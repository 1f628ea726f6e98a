"""Routes of the email choices, the unsubscribe links and the problems page."""

from django.urls import path

from . import views

app_name = "alerts"

urlpatterns = [
    path("manage/emails", views.email_choices, name="preferences"),
    path("manage/emails/stop/<str:token>", views.unsubscribe, name="unsubscribe"),
    path("manage/problems", views.problems_page, name="problems"),
]
