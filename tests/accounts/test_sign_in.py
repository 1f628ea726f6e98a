"""Signing in and out with an email address and password."""

import pytest

from performance_platform.accounts.models import AuditEvent

from .conftest import PASSWORD, audit_actions

pytestmark = pytest.mark.django_db


def sign_in(client, email, password=PASSWORD, **extra):
    return client.post("/manage/sign-in", {"username": email, "password": password, **extra})


def test_the_sign_in_page_is_a_govuk_form_with_csrf(client):
    page = client.get("/manage/sign-in")
    assert page.status_code == 200
    html = page.content.decode()
    assert '<h1 class="govuk-heading-l">Sign in</h1>' in html
    assert 'name="csrfmiddlewaretoken"' in html
    assert 'autocomplete="email"' in html and 'type="password"' in html
    assert 'content="noindex, nofollow"' in html
    assert "/manage/password-reset" in html
    # Single sign-on is off by default, so it is not offered.
    assert "organisation's account" not in html


def test_a_person_signs_in_with_any_case_of_their_email_and_goes_to_manage(client, person):
    response = sign_in(client, "JO.BLOGGS@example.gov.uk")
    assert response.status_code == 302
    assert response["Location"] == "/manage"
    assert int(client.session["_auth_user_id"]) == person.pk
    event = AuditEvent.objects.get(action="sign_in")
    assert event.actor == person
    assert event.detail == {"method": "password"}
    assert event.ip_address == "127.0.0.1"


def test_a_wrong_password_is_refused_with_an_error_and_audited_without_the_password(client, person):
    response = sign_in(client, person.email, "not the password")
    assert response.status_code == 200
    html = response.content.decode()
    assert "There is a problem" in html
    assert "Enter a correct email address and password" in html
    assert "_auth_user_id" not in client.session
    event = AuditEvent.objects.get(action="sign_in.failed")
    assert event.detail == {"email": person.email}
    assert event.actor is None
    assert "not the password" not in str(event.detail) + event.target_repr


def test_empty_fields_get_govuk_errors(client):
    html = client.post("/manage/sign-in", {}).content.decode()
    assert "Enter your email address" in html
    assert "Enter your password" in html
    assert "govuk-error-summary" in html


@pytest.mark.parametrize(
    ("next_url", "goes_to"),
    [
        ("/manage/dashboards/x", "/manage/dashboards/x"),
        ("/performance/carers-allowance?x=1", "/performance/carers-allowance?x=1"),
        ("https://evil.example/", "/manage"),
        ("//evil.example/", "/manage"),
        ("/\\evil.example", "/manage"),
        ("http://testserver/manage", "/manage"),
        ("javascript:alert(1)", "/manage"),
    ],
)
def test_next_is_followed_only_to_a_path_on_this_site(client, person, next_url, goes_to):
    response = sign_in(client, person.email, next=next_url)
    assert response.status_code == 302
    assert response["Location"] == goes_to


def test_next_from_the_query_string_is_kept_in_the_form(client):
    html = client.get("/manage/sign-in", {"next": "/manage/x"}).content.decode()
    assert 'name="next" value="/manage/x"' in html


def test_someone_signed_in_who_opens_sign_in_goes_to_manage(client, person):
    client.force_login(person)
    response = client.get("/manage/sign-in")
    assert response.status_code == 302
    assert response["Location"] == "/manage"


def test_an_inactive_account_cannot_sign_in(client, person):
    person.is_active = False
    person.save()
    response = sign_in(client, person.email)
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


def test_sign_out_is_post_only_and_audited(client, person):
    client.force_login(person)
    assert client.get("/manage/sign-out").status_code == 405
    assert "_auth_user_id" in client.session
    response = client.post("/manage/sign-out")
    assert response.status_code == 302
    assert response["Location"] == "/manage/sign-in"
    assert "_auth_user_id" not in client.session
    # force_login signs in as a sign-in would (and is audited as one).
    assert audit_actions() == ["sign_in", "sign_out"]
    assert AuditEvent.objects.get(action="sign_out").actor == person


def test_sign_out_needs_a_csrf_token(person):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(person)
    response = client.post("/manage/sign-out")
    assert response.status_code == 403
    assert "_auth_user_id" in client.session
    assert audit_actions() == ["sign_in"]


def test_the_django_admin_sign_in_still_works_and_is_audited(client, make_user):
    make_user(email="staff@example.gov.uk", is_staff=True, is_superuser=True)
    response = client.post(
        "/admin/login/?next=/admin/",
        {"username": "staff@example.gov.uk", "password": PASSWORD, "next": "/admin/"},
    )
    assert response.status_code == 302
    assert response["Location"] == "/admin/"
    assert audit_actions() == ["sign_in"]
