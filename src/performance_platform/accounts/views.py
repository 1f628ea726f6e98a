"""Signing in and out, password reset and invitations."""

from django.http import Http404


def set_password(request, uidb64: str, token: str):
    """Set a password from an invitation link (built with the sign-in pages)."""
    raise Http404("Not yet")
