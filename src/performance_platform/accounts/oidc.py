"""Single sign-on by OpenID Connect: mozilla-django-oidc, configured by environment.

Switched on by ``OIDC_ENABLED``. The provider's endpoints are set one by one, or read from
its discovery document (``OIDC_DISCOVERY_URL``) the first time a sign-in needs them, so a
provider that is down never stops the platform starting. ID tokens are RS256, checked
against the provider's JWKS, for this client (``aud``), unexpired.

Only people who already have an active account here (they were invited) are signed in,
matched by email address whatever its case, unless ``OIDC_CREATE_USERS`` is set.
"""

import logging
import threading

import jwt
import requests
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured, SuspiciousOperation
from django.http import Http404, HttpResponseRedirect
from mozilla_django_oidc.auth import OIDCAuthenticationBackend
from mozilla_django_oidc.utils import import_from_settings
from mozilla_django_oidc.views import OIDCAuthenticationCallbackView, OIDCAuthenticationRequestView

from .models import User

log = logging.getLogger(__name__)

#: Our settings, by mozilla-django-oidc's name, and the discovery document's key for each.
DISCOVERED = {
    "OIDC_OP_AUTHORIZATION_ENDPOINT": "authorization_endpoint",
    "OIDC_OP_TOKEN_ENDPOINT": "token_endpoint",
    "OIDC_OP_USER_ENDPOINT": "userinfo_endpoint",
    "OIDC_OP_JWKS_ENDPOINT": "jwks_uri",
}

# Why a sign-in was refused, kept in the session for the refusal page.
REFUSAL_KEY = "oidc_refused"

_discovery_lock = threading.Lock()
_discovery: dict[str, dict] = {}


def discovery_document(url: str) -> dict:
    """The provider's discovery document at ``url``, fetched once per process."""
    with _discovery_lock:
        if url not in _discovery:
            response = requests.get(url, timeout=settings.OIDC_TIMEOUT)
            response.raise_for_status()
            document = response.json()
            if not isinstance(document, dict):
                raise ImproperlyConfigured(f"{url} is not an OpenID discovery document")
            _discovery[url] = document
        return _discovery[url]


def forget_discovery() -> None:
    """Forget fetched discovery documents (for tests, and after a provider changes)."""
    with _discovery_lock:
        _discovery.clear()


def oidc_setting(name: str, *default):
    """A mozilla-django-oidc setting; an unset endpoint comes from the discovery document."""
    if name in DISCOVERED and not getattr(settings, name, "") and settings.OIDC_DISCOVERY_URL:
        try:
            value = discovery_document(settings.OIDC_DISCOVERY_URL).get(DISCOVERED[name], "")
        except (requests.RequestException, ValueError) as error:
            raise ImproperlyConfigured(f"Cannot read OIDC_DISCOVERY_URL: {error}") from error
        if value:
            return value
    return import_from_settings(name, *default)


def refuse(request, reason: str) -> None:
    """Keep why single sign-on refused this person, for the refusal page to say."""
    if request is not None and hasattr(request, "session"):
        request.session[REFUSAL_KEY] = reason


class OIDCBackend(OIDCAuthenticationBackend):
    """mozilla-django-oidc's backend, for our user model and our rules (see the module)."""

    # mozilla-django-oidc reads every setting when the backend is made; Django makes every
    # backend for every sign-in, and a password sign-in must not fetch the discovery
    # document. So the provider's endpoints are read when first used.
    OIDC_OP_TOKEN_ENDPOINT = property(lambda self: oidc_setting("OIDC_OP_TOKEN_ENDPOINT"))
    OIDC_OP_USER_ENDPOINT = property(lambda self: oidc_setting("OIDC_OP_USER_ENDPOINT"))
    OIDC_OP_JWKS_ENDPOINT = property(lambda self: oidc_setting("OIDC_OP_JWKS_ENDPOINT"))

    def __init__(self, *args, **kwargs):
        self.enabled = settings.OIDC_ENABLED
        self.UserModel = User
        self.OIDC_RP_CLIENT_ID = settings.OIDC_RP_CLIENT_ID
        self.OIDC_RP_CLIENT_SECRET = settings.OIDC_RP_CLIENT_SECRET
        self.OIDC_RP_SIGN_ALGO = settings.OIDC_RP_SIGN_ALGO
        # Keys come from the provider's JWKS, never from a setting.
        self.OIDC_RP_IDP_SIGN_KEY = None

    @staticmethod
    def get_settings(attr, *args):
        return oidc_setting(attr, *args)

    def authenticate(self, request, **kwargs):
        """Sign in from the provider's callback; anything else is not ours to answer."""
        if not self.enabled or request is None or "code" not in request.GET:
            return None
        try:
            return super().authenticate(request, **kwargs)
        except SuspiciousOperation as error:
            log.warning("Single sign-on refused: %s", error)
            refuse(request, "token")
            return None
        except (requests.RequestException, ImproperlyConfigured) as error:
            log.warning("Single sign-on provider failed: %s", error)
            refuse(request, "provider")
            return None

    def _verify_jws(self, payload, key):
        """The ID token's claims, if its RS256 signature, audience and expiry are good.

        mozilla-django-oidc lets an expired token's error escape (a 500), and does not check
        the audience; both are refusals here.
        """
        try:
            header = jwt.get_unverified_header(payload)
        except jwt.InvalidTokenError as error:
            raise SuspiciousOperation(f"Unreadable ID token: {error}") from error
        if header.get("alg") != self.OIDC_RP_SIGN_ALGO:
            raise SuspiciousOperation(f"ID token algorithm {header.get('alg')!r} is not allowed")
        try:
            return jwt.decode(
                payload,
                key,
                algorithms=[self.OIDC_RP_SIGN_ALGO],
                audience=self.OIDC_RP_CLIENT_ID,
                options={"require": ["exp", "iat", "aud"]},
                leeway=30,
            )
        except jwt.InvalidTokenError as error:
            raise SuspiciousOperation(f"ID token refused: {error}") from error

    def get_or_create_user(self, access_token, id_token, payload):
        """The active account with the provider's email address; or, if allowed, a new one."""
        claims = self.get_userinfo(access_token, id_token, payload)
        if not isinstance(claims, dict):
            raise SuspiciousOperation("The userinfo answer is not an object")
        email = claims.get("email")
        if not isinstance(email, str) or not email.strip() or len(email) > 254:
            raise SuspiciousOperation("The provider gave no email address")
        # A provider that says it has not checked the address is not vouching for it.
        if claims.get("email_verified") is False:
            refuse(self.request, "unverified")
            return None
        user = User.objects.filter(email__iexact=email.strip()).first()
        if user is None:
            if not settings.OIDC_CREATE_USERS:
                refuse(self.request, "unknown")
                return None
            name = claims.get("name") if isinstance(claims.get("name"), str) else ""
            return User.objects.create_user(email.strip(), None, name=name[:200])
        if not user.is_active:
            refuse(self.request, "unknown")
            return None
        return user

    def get_user(self, user_id):
        try:
            return User.objects.get(pk=user_id, is_active=True)
        except User.DoesNotExist:
            return None


class SignInView(OIDCAuthenticationRequestView):
    """Sends the person to their provider (404 when single sign-on is off)."""

    def __init__(self, *args, **kwargs):
        # Not mozilla-django-oidc's __init__, which would read the discovery document.
        super(OIDCAuthenticationRequestView, self).__init__(*args, **kwargs)
        self.OIDC_RP_CLIENT_ID = settings.OIDC_RP_CLIENT_ID

    @staticmethod
    def get_settings(attr, *args):
        return oidc_setting(attr, *args)

    def get(self, request):
        if not settings.OIDC_ENABLED:
            raise Http404("Single sign-on is off")
        request.session.pop(REFUSAL_KEY, None)
        try:
            # Made here, not in __init__, so a provider that is down gets a page, not a 500.
            self.OIDC_OP_AUTH_ENDPOINT = oidc_setting("OIDC_OP_AUTHORIZATION_ENDPOINT")
        except ImproperlyConfigured as error:
            log.warning("Single sign-on provider failed: %s", error)
            refuse(request, "provider")
            return HttpResponseRedirect(settings.LOGIN_REDIRECT_URL_FAILURE)
        return super().get(request)


class CallbackView(OIDCAuthenticationCallbackView):
    """Where the provider sends the person back; a refusal goes to the refusal page."""

    @staticmethod
    def get_settings(attr, *args):
        return oidc_setting(attr, *args)

    def get(self, request):
        if not settings.OIDC_ENABLED:
            raise Http404("Single sign-on is off")
        try:
            return super().get(request)
        except SuspiciousOperation as error:
            # A state that this browser never asked for: a replayed or forged callback.
            log.warning("Single sign-on callback refused: %s", error)
            refuse(request, "token")
            return self.login_failure()
