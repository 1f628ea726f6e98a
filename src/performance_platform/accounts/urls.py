"""Routes for signing in and out, resetting a password and accepting an invitation."""

from django.urls import path

from . import oidc, views

app_name = "accounts"

urlpatterns = [
    path("manage/sign-in", views.SignInView.as_view(), name="sign-in"),
    path("manage/sign-in/refused", views.sign_in_refused, name="sign-in-refused"),
    path("manage/sign-out", views.SignOutView.as_view(), name="sign-out"),
    path("manage/password-reset", views.PasswordResetView.as_view(), name="password-reset"),
    path(
        "manage/password-reset/sent",
        views.PasswordResetSentView.as_view(),
        name="password-reset-sent",
    ),
    path(
        "manage/password-reset/done",
        views.PasswordResetDoneView.as_view(),
        name="password-reset-done",
    ),
    path(
        "manage/password-reset/<uidb64>/<token>",
        views.PasswordResetConfirmView.as_view(),
        name="password-reset-confirm",
    ),
    path("manage/set-password/<uidb64>/<token>", views.set_password, name="set-password"),
    # Single sign-on (404 unless OIDC_ENABLED).
    path("manage/sign-in/oidc", oidc.SignInView.as_view(), name="oidc-sign-in"),
    path("manage/sign-in/oidc/callback", oidc.CallbackView.as_view(), name="oidc-callback"),
]
