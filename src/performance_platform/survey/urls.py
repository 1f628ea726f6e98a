"""Routes of the done-page survey: the public page and the managers' comments page.

Included before the public site, whose ``/performance/<slug>/<module>`` would take
``done``.
"""

from django.urls import path

from . import views

app_name = "survey"

urlpatterns = [
    path("performance/<slug:slug>/done", views.done, name="done"),
    path("performance/<slug:slug>/done/thank-you", views.thanks, name="thanks"),
    path("manage/dashboards/<slug:slug>/comments", views.comments, name="comments"),
    path("manage/dashboards/<slug:slug>/comments.csv", views.comments_csv, name="comments-csv"),
]
