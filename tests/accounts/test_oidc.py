"""Single sign-on against a local fake OpenID Connect provider (tests/accounts/fake_oidc.py).

mozilla-django-oidc runs for real: the test follows each redirect, the browser's part
with Django's test client and the provider's with real HTTP requests to the fake.
"""

from urllib.parse import parse_qs, urlparse

import pytest
import requests

from performance_platform.accounts import oidc
from performance_platform.accounts.models import AuditEvent, User

from .fake_oidc import FakeProvider

pytestmark = pytest.mark.django_db

CLIENT_ID = "performance-platform"
CLIENT_SECRET = "a-client-secret"


@pytest.fixture
def provider():
    fake = FakeProvider(CLIENT_ID, CLIENT_SECRET).start()
    yield fake
    fake.stop()


@pytest.fixture
def sso(settings, provider):
    """Single sign-on switched on, its endpoints found by discovery."""
    settings.OIDC_ENABLED = True
    settings.OIDC_RP_CLIENT_ID = CLIENT_ID
    settings.OIDC_RP_CLIENT_SECRET = CLIENT_SECRET
    settings.OIDC_DISCOVERY_URL = f"{provider.url}/.well-known/openid-configuration"
    oidc.forget_discovery()
    yield provider
    oidc.forget_discovery()


def sign_in_with_provider(client, next_url=None):
    """Start at the sign-in button, follow the provider's redirect, come back; returns the
    callback's response."""
    start = client.get("/manage/sign-in/oidc", {"next": next_url} if next_url else {})
    assert start.status_code == 302
    to_provider = start["Location"]
    assert to_provider.startswith("http://127.0.0.1:")
    query = parse_qs(urlparse(to_provider).query)
    assert query["scope"] == ["openid email profile"]
    assert query["code_challenge_method"] == ["S256"]
    at_provider = requests.get(to_provider, allow_redirects=False, timeout=10)
    assert at_provider.status_code == 302
    back = urlparse(at_provider.headers["Location"])
    assert back.netloc == "testserver"
    assert back.path == "/manage/sign-in/oidc/callback"
    return client.get(f"{back.path}?{back.query}")


def test_the_sign_in_page_offers_single_sign_on_only_when_it_is_on(client, settings, sso):
    html = client.get("/manage/sign-in").content.decode()
    assert "Sign in with your organisation's account" in html
    assert 'href="/manage/sign-in/oidc"' in html
    settings.OIDC_ENABLED = False
    assert "organisation's account" not in client.get("/manage/sign-in").content.decode()
    assert client.get("/manage/sign-in/oidc").status_code == 404
    assert client.get("/manage/sign-in/oidc/callback?code=x&state=y").status_code == 404


def test_an_invited_person_signs_in_with_their_organisations_account(client, sso, make_user):
    person = make_user(email="Jo.Bloggs@Example.gov.uk", password=None)
    # Nothing was fetched from the provider before the first sign-in.
    assert sso.requests == []
    response = sign_in_with_provider(client, next_url="/manage/dashboards/carers")
    assert response.status_code == 302
    assert response["Location"] == "/manage/dashboards/carers"
    assert int(client.session["_auth_user_id"]) == person.pk
    event = AuditEvent.objects.get(action="sign_in")
    assert event.actor == person
    assert event.detail == {"method": "single sign-on"}
    assert "GET /.well-known/openid-configuration" in sso.requests
    assert {"POST /token", "GET /jwks", "GET /userinfo"} <= set(sso.requests)
    # The session's user loads on the next request through the OIDC backend.
    assert client.get("/manage/sign-in").status_code == 302


def refused(client, response, words):
    assert response.status_code == 302
    assert response["Location"] == "/manage/sign-in/refused"
    page = client.get(response["Location"])
    assert page.status_code == 403
    html = page.content.decode()
    assert "You could not be signed in" in html
    assert words in html
    assert "_auth_user_id" not in client.session


def test_a_token_with_a_bad_signature_is_refused(client, sso, make_user):
    make_user(email="jo.bloggs@example.gov.uk")
    sso.mode = "bad_signature"
    refused(client, sign_in_with_provider(client), "could not be checked")
    assert not AuditEvent.objects.filter(action="sign_in").exists()
    assert AuditEvent.objects.filter(action="sign_in.failed").exists()


def test_an_expired_token_is_refused(client, sso, make_user):
    make_user(email="jo.bloggs@example.gov.uk")
    sso.mode = "expired"
    refused(client, sign_in_with_provider(client), "could not be checked")
    assert not AuditEvent.objects.filter(action="sign_in").exists()


def test_someone_with_no_account_is_refused_and_no_account_is_made(client, sso, make_user):
    make_user(email="someone.else@example.gov.uk")
    refused(client, sign_in_with_provider(client), "no Performance Platform account")
    assert not User.objects.filter(email__iexact="jo.bloggs@example.gov.uk").exists()


def test_an_inactive_account_is_refused(client, sso, make_user):
    make_user(email="jo.bloggs@example.gov.uk", is_active=False)
    refused(client, sign_in_with_provider(client), "no Performance Platform account")


def test_an_unverified_email_address_is_refused(client, sso, make_user):
    make_user(email="jo.bloggs@example.gov.uk")
    sso.email_verified = False
    refused(client, sign_in_with_provider(client), "has not confirmed your email address")


def test_accounts_are_made_for_new_people_when_the_operator_says_so(client, sso, settings):
    settings.OIDC_CREATE_USERS = True
    response = sign_in_with_provider(client)
    assert response.status_code == 302
    assert response["Location"] == "/manage"
    user = User.objects.get(email="jo.bloggs@example.gov.uk")
    assert user.name == "Jo Bloggs"
    assert not user.has_usable_password()
    assert not user.memberships.exists()


def test_a_replayed_callback_is_refused(client, sso, make_user):
    make_user(email="jo.bloggs@example.gov.uk")
    start = client.get("/manage/sign-in/oidc")
    at_provider = requests.get(start["Location"], allow_redirects=False, timeout=10)
    back = urlparse(at_provider.headers["Location"])
    callback = f"{back.path}?{back.query}"
    assert client.get(callback).status_code == 302
    client.post("/manage/sign-out")
    again = client.get(callback)
    assert again.status_code == 302
    assert again["Location"] == "/manage/sign-in/refused"
    assert "_auth_user_id" not in client.session


def test_endpoints_can_be_set_without_discovery(client, settings, provider, make_user):
    settings.OIDC_ENABLED = True
    settings.OIDC_RP_CLIENT_ID = CLIENT_ID
    settings.OIDC_RP_CLIENT_SECRET = CLIENT_SECRET
    settings.OIDC_DISCOVERY_URL = ""
    settings.OIDC_OP_AUTHORIZATION_ENDPOINT = f"{provider.url}/authorize"
    settings.OIDC_OP_TOKEN_ENDPOINT = f"{provider.url}/token"
    settings.OIDC_OP_USER_ENDPOINT = f"{provider.url}/userinfo"
    settings.OIDC_OP_JWKS_ENDPOINT = f"{provider.url}/jwks"
    person = make_user(email="jo.bloggs@example.gov.uk")
    assert sign_in_with_provider(client).status_code == 302
    assert int(client.session["_auth_user_id"]) == person.pk
    assert "GET /.well-known/openid-configuration" not in provider.requests


def test_password_sign_in_still_works_with_single_sign_on_on(client, sso, person):
    from .conftest import PASSWORD

    response = client.post("/manage/sign-in", {"username": person.email, "password": PASSWORD})
    assert response.status_code == 302
    assert sso.requests == []  # a password sign-in never calls the provider


def test_a_provider_that_is_down_gets_the_refusal_page_not_a_500(client, settings, provider):
    settings.OIDC_ENABLED = True
    settings.OIDC_RP_CLIENT_ID = CLIENT_ID
    provider.stop()  # nothing listens on its port now
    settings.OIDC_DISCOVERY_URL = f"{provider.url}/.well-known/openid-configuration"
    oidc.forget_discovery()
    response = client.get("/manage/sign-in/oidc")
    assert response.status_code == 302
    page = client.get(response["Location"])
    assert page.status_code == 403
    assert "did not answer" in page.content.decode()
