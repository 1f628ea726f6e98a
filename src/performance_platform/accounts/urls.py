"""Routes for signing in and out, resetting a password and accepting an invitation."""

from django.urls import path

from . import views

app_name = "accounts"

urlpatterns = [
    path("manage/set-password/<uidb64>/<token>", views.set_password, name="set-password"),
]
