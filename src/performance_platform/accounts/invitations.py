"""Invitations: an email with a link that lets a new account set its password.

The link carries Django's password-reset token for the user, so it stops working once the
password is set (the token depends on the password hash) and after ``INVITATION_DAYS``.
Where single sign-on is switched on, the email also says the person can sign in with it.
"""

from django.conf import settings
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.urls import reverse
from django.utils.crypto import constant_time_compare
from django.utils.encoding import force_bytes
from django.utils.http import base36_to_int, urlsafe_base64_encode

from . import audit, mail
from .models import User


class InvitationTokenGenerator(PasswordResetTokenGenerator):
    """Password-reset tokens that last ``INVITATION_DAYS`` instead of the reset timeout.

    Django checks the age against ``PASSWORD_RESET_TIMEOUT``; this generator checks the
    signature with Django's code and then the age against its own limit.
    """

    key_salt = "performance_platform.accounts.invitations"

    def check_token(self, user, token) -> bool:
        """Whether ``token`` is this user's, unused and younger than ``INVITATION_DAYS``."""
        if not (user and token) or not isinstance(token, str) or token.count("-") != 1:
            return False
        try:
            issued = base36_to_int(token.split("-")[0])
        except ValueError:
            return False
        for secret in [self.secret, *self.secret_fallbacks]:
            if constant_time_compare(self._make_token_with_timestamp(user, issued, secret), token):
                break
        else:
            return False
        age = self._num_seconds(self._now()) - issued
        return 0 <= age <= settings.INVITATION_DAYS * 24 * 3600


invitation_tokens = InvitationTokenGenerator()


def set_password_path(user: User) -> str:
    """The path of the page where ``user`` sets their password (``accounts:set-password``)."""
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = invitation_tokens.make_token(user)
    return reverse("accounts:set-password", kwargs={"uidb64": uid, "token": token})


def invite(user: User, *, invited_by: User | None = None, why: str = "", request=None) -> None:
    """Email ``user`` a link to set their password (and sign in), and audit it.

    ``why`` says in a sentence what they are invited to ("to manage the Carer's Allowance
    dashboard").
    """
    mail.send(
        [user.email],
        "You have been invited to the Performance Platform",
        "accounts/email/invitation.txt",
        {
            "user": user,
            "invited_by": invited_by,
            "why": why,
            "link": mail.absolute_url(set_password_path(user)),
            "days": settings.INVITATION_DAYS,
            "oidc_enabled": settings.OIDC_ENABLED,
        },
    )
    audit.record("user.invite", actor=invited_by, target=user, request=request, detail={"why": why})
