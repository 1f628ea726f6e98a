"""Authentication backends of our own."""

from axes.backends import AxesStandaloneBackend


class LockoutBackend(AxesStandaloneBackend):
    """django-axes' lock-out check, for sign-ins that come with a request.

    Every sign-in page passes the request; code that checks a password without one (a
    management command, a shell) has no client to lock out, so it is let through to the
    password check instead of failing, as axes' own backend would.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)
