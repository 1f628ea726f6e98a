"""Signing in and out, password reset, invitations, the lock-out and refusal pages.

Thin: Django's auth views do the work, with our forms and GOV.UK templates; the audit rows
come from the auth signals (``signals.py``), except where a password is set, which is
audited with the change in one transaction.
"""

from datetime import timedelta

from axes.helpers import get_cool_off
from django.conf import settings
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.db import transaction
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse_lazy
from django.utils import timezone
from django.utils.encoding import force_str
from django.utils.http import urlsafe_base64_decode
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods
from django_ratelimit.core import is_ratelimited

from . import audit, oidc
from .clients import client_ip
from .forms import PasswordResetForm, SetPasswordForm, SignInForm
from .invitations import invitation_tokens
from .models import User

PASSWORD_BACKEND = "django.contrib.auth.backends.ModelBackend"
# Password-reset emails: at most this many to one address, and requests from one client,
# an hour. Over the first, the page says what it always says and no email goes (so the
# form cannot flood someone's inbox, nor tell who has an account); over the second, the
# client is told to wait.
RESET_EMAILS_PER_ADDRESS = "3/h"
RESETS_PER_CLIENT = "20/h"


def safe_next(value: str | None) -> str | None:
    """``value`` if it is a path on this site (``/manage/...``), else None.

    Only same-site paths are followed after signing in: no scheme, no host, no
    protocol-relative ``//host`` and no backslash (which browsers read as ``/``).
    """
    if not value or not isinstance(value, str) or len(value) > 2000:
        return None
    if not value.startswith("/") or value.startswith("//") or "\\" in value:
        return None
    if any(ord(c) < 32 or ord(c) == 127 for c in value):
        return None
    return value


def reset_link_minutes() -> int:
    """How long a password-reset link works, in minutes (``PASSWORD_RESET_TIMEOUT``)."""
    return max(1, settings.PASSWORD_RESET_TIMEOUT // 60)


class SignInView(auth_views.LoginView):
    """``/manage/sign-in``: email address and password (and single sign-on, when on)."""

    template_name = "accounts/sign_in.html"
    authentication_form = SignInForm
    redirect_authenticated_user = True

    def get_redirect_url(self):
        return safe_next(self.request.POST.get("next", self.request.GET.get("next")))

    def get_default_redirect_url(self):
        return settings.LOGIN_REDIRECT_URL

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["oidc_enabled"] = settings.OIDC_ENABLED
        return context


class SignOutView(auth_views.LogoutView):
    """``/manage/sign-out``: POST only (a link or an image cannot sign anyone out)."""

    next_page = settings.LOGOUT_REDIRECT_URL

    def get_success_url(self):
        return settings.LOGOUT_REDIRECT_URL


class PasswordResetView(auth_views.PasswordResetView):
    """``/manage/password-reset``: emails a link if the address has an account, and says
    the same thing either way."""

    template_name = "accounts/password_reset.html"
    form_class = PasswordResetForm
    email_template_name = "accounts/email/password_reset.txt"
    subject_template_name = "accounts/email/password_reset_subject.txt"
    success_url = reverse_lazy("accounts:password-reset-sent")

    def post(self, request, *args, **kwargs):
        if is_ratelimited(
            request,
            group="accounts.password-reset.client",
            key=lambda group, request: client_ip(request) or "unknown",
            rate=RESETS_PER_CLIENT,
            increment=True,
        ):
            return too_many_requests(request)
        return super().post(request, *args, **kwargs)

    def form_valid(self, form):
        address = form.cleaned_data["email"].lower()
        if is_ratelimited(
            self.request,
            group="accounts.password-reset.address",
            key=lambda group, request: address,
            rate=RESET_EMAILS_PER_ADDRESS,
            increment=True,
        ):
            return HttpResponseRedirect(self.get_success_url())
        # Links in the email are made from SITE_URL, not from the request's Host header,
        # which a client chooses.
        self.extra_email_context = {
            "site_url": settings.SITE_URL.rstrip("/"),
            "minutes": reset_link_minutes(),
        }
        return super().form_valid(form)


class PasswordResetSentView(auth_views.PasswordResetDoneView):
    """Says to check email (whether or not an email was sent)."""

    template_name = "accounts/password_reset_sent.html"

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "timeout_minutes": reset_link_minutes()}


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    """``/manage/password-reset/<uidb64>/<token>``: a new password, if the link is good."""

    template_name = "accounts/password_reset_confirm.html"
    form_class = SetPasswordForm
    success_url = reverse_lazy("accounts:password-reset-done")

    def form_valid(self, form):
        with transaction.atomic():
            response = super().form_valid(form)
            audit.record("password.reset", actor=form.user, target=form.user, request=self.request)
        return response


class PasswordResetDoneView(auth_views.PasswordResetCompleteView):
    """Says the password is changed, with a link to sign in."""

    template_name = "accounts/password_reset_done.html"


def _invited_user(uidb64: str) -> User | None:
    try:
        pk = force_str(urlsafe_base64_decode(uidb64))
        return User.objects.get(pk=int(pk))
    except (ValueError, TypeError, OverflowError, User.DoesNotExist):
        return None


@sensitive_post_parameters("new_password1", "new_password2")
@never_cache
@csrf_protect
@require_http_methods(["GET", "HEAD", "POST"])
def set_password(request, uidb64: str, token: str):
    """``/manage/set-password/<uidb64>/<token>``: an invited person sets their password,
    and is signed in. A used, expired or forged link gets a page that says what to do."""
    user = _invited_user(uidb64)
    if user is None or not user.is_active or not invitation_tokens.check_token(user, token):
        return render(request, "accounts/invitation_invalid.html", status=404)
    form = SetPasswordForm(user, request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            form.save()
            audit.record("password.set", actor=user, target=user, request=request)
            login(request, user, backend=PASSWORD_BACKEND)
        return HttpResponseRedirect(settings.LOGIN_REDIRECT_URL)
    return render(request, "accounts/set_password.html", {"form": form, "invited": user})


def csrf_failure(request, reason: str = ""):
    """403 for a form sent without a valid CSRF token (``CSRF_FAILURE_VIEW``): a GOV.UK
    page that says nothing changed and what to do, instead of Django's plain one."""
    response = render(request, "accounts/csrf_failure.html", status=403)
    response["Cache-Control"] = "private, no-store"
    return response


def too_many_requests(request):
    """429: this client has asked too often; it says to wait."""
    response = render(request, "accounts/too_many_requests.html", status=429)
    response["Cache-Control"] = "private, no-store"
    response["Retry-After"] = "3600"
    return response


def locked_out(request, original_response=None, credentials=None):
    """django-axes' lock-out answer: a page that says when to try again (429)."""
    cool_off = get_cool_off(request) or timedelta(0)
    # Every try while locked out starts the wait again, so it ends cool_off from now.
    minutes = max(1, round(cool_off.total_seconds() / 60))
    context = {"try_again_at": timezone.now() + cool_off, "minutes": minutes}
    response = render(request, "accounts/locked_out.html", context, status=429)
    response["Cache-Control"] = "private, no-store"
    return response


@never_cache
@require_http_methods(["GET", "HEAD"])
def sign_in_refused(request):
    """Where single sign-on sends someone it could not sign in, saying why."""
    reason = request.session.pop(oidc.REFUSAL_KEY, "")
    return render(request, "accounts/sign_in_refused.html", {"reason": reason}, status=403)
