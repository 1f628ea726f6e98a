"""Audit rows for signing in and out, from Django's auth signals and django-axes'.

Connected in ``AccountsConfig.ready``. The email address a failed sign-in tried is kept
(cut to the longest an address can be); the password never is.
"""

from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from . import audit


def _tried(value) -> str:
    if not isinstance(value, str):
        return ""
    # No control characters in the audit (PostgreSQL's JSON refuses NUL outright).
    return "".join(c for c in value if c.isprintable())[:254]


@receiver(user_logged_in, dispatch_uid="accounts.audit.sign_in")
def audit_sign_in(sender, request, user, **kwargs):
    method = "single sign-on" if "oidc" in getattr(user, "backend", "") else "password"
    audit.record("sign_in", actor=user, target=user, request=request, detail={"method": method})


@receiver(user_login_failed, dispatch_uid="accounts.audit.sign_in_failed")
def audit_sign_in_failed(sender, credentials, request=None, **kwargs):
    email = _tried(credentials.get("username"))
    detail = {"email": email} if email else {"method": "single sign-on"}
    audit.record(
        "sign_in.failed",
        target_type="user",
        target_repr=email,
        request=request,
        detail=detail,
    )


@receiver(user_locked_out, dispatch_uid="accounts.audit.sign_in_locked")
def audit_locked_out(sender, request=None, username=None, ip_address=None, **kwargs):
    email = _tried(username)
    audit.record(
        "sign_in.locked",
        target_type="user",
        target_repr=email,
        request=request,
        detail={"email": email},
    )


@receiver(user_logged_out, dispatch_uid="accounts.audit.sign_out")
def audit_sign_out(sender, request, user, **kwargs):
    if user is not None:
        audit.record("sign_out", actor=user, target=user, request=request)
