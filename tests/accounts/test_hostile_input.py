"""Hostile input on the sign-in, password and sign-out forms: long values, control
characters, HTML and script, wrong types, and missing, forged or replayed CSRF tokens.
Each gets a clear form error or a 4xx, never a 500, and changes nothing."""

import re

import pytest
from django.test import Client

from performance_platform.accounts import invitations
from performance_platform.accounts.models import AuditEvent

from .conftest import PASSWORD

pytestmark = pytest.mark.django_db

LONG = "a" * 100_000
HOSTILE_VALUES = [
    pytest.param(LONG + "@example.gov.uk", id="very-long"),
    pytest.param("jo\x00bloggs@example.gov.uk", id="nul"),
    pytest.param("jo\x1b[31m@example.gov.uk\r\nBcc: x@evil.example", id="control-characters"),
    pytest.param('<script>alert("x")</script>@example.gov.uk', id="script"),
    pytest.param('"><img src=x onerror=alert(1)>', id="html"),
    pytest.param("\u202ejo@example.gov.uk", id="bidi-override"),
]


@pytest.fixture
def csrf_client():
    return Client(enforce_csrf_checks=True)


def csrf_token_of(client, path) -> str:
    html = client.get(path).content.decode()
    match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
    assert match, html[:500]
    return match.group(1)


def assert_safe_page(response):
    assert response.status_code < 500
    html = response.content.decode()
    # Whatever was sent is shown back escaped, never as markup.
    assert "<script>alert" not in html
    assert "<img src=x" not in html
    return html


@pytest.mark.parametrize("value", HOSTILE_VALUES)
def test_sign_in_refuses_hostile_emails_with_a_form_error(client, person, value):
    response = client.post("/manage/sign-in", {"username": value, "password": PASSWORD})
    assert response.status_code == 200
    html = assert_safe_page(response)
    assert "There is a problem" in html
    assert "_auth_user_id" not in client.session
    assert not AuditEvent.objects.filter(action="sign_in").exists()


@pytest.mark.parametrize(
    "password",
    [LONG, "pass\x00word", '<script>alert("x")</script>'],
    ids=["very-long", "nul", "script"],
)
def test_sign_in_refuses_hostile_passwords_with_a_form_error(client, person, password):
    response = client.post("/manage/sign-in", {"username": person.email, "password": password})
    assert response.status_code == 200
    html = assert_safe_page(response)
    assert "There is a problem" in html
    assert password not in html  # a password is never shown back
    assert "_auth_user_id" not in client.session
    for event in AuditEvent.objects.all():
        assert password not in str(event.detail)


def test_sign_in_with_wrong_types_is_a_form_error(client, person):
    # A list where one value is expected, and a JSON body where a form is expected.
    listed = client.post(
        "/manage/sign-in", {"username": [person.email, "x@example.gov.uk"], "password": ["a", "b"]}
    )
    assert listed.status_code == 200
    assert "There is a problem" in listed.content.decode()
    as_json = client.post(
        "/manage/sign-in",
        {"username": {"$ne": None}, "password": 1},
        content_type="application/json",
    )
    assert as_json.status_code == 200
    assert "Enter your email address" in as_json.content.decode()
    assert "_auth_user_id" not in client.session


@pytest.mark.parametrize(
    "next_url", ["/manage\x00/x", "/manage\r\nSet-Cookie: x=1", "javascript:alert(1)", LONG]
)
def test_a_hostile_next_is_dropped(client, person, next_url):
    page = client.get("/manage/sign-in", {"next": next_url})
    assert page.status_code == 200
    assert 'name="next"' not in page.content.decode()
    response = client.post(
        "/manage/sign-in", {"username": person.email, "password": PASSWORD, "next": next_url}
    )
    assert response.status_code == 302
    assert response["Location"] == "/manage"


@pytest.mark.parametrize("value", HOSTILE_VALUES)
def test_password_reset_refuses_hostile_emails(client, person, mailoutbox, value):
    response = client.post("/manage/password-reset", {"email": value})
    assert response.status_code == 200
    assert "There is a problem" in assert_safe_page(response)
    assert mailoutbox == []


def test_set_password_refuses_hostile_passwords_and_changes_nothing(client, make_user, mailoutbox):
    invited = make_user(email="new.person@example.gov.uk", password=None)
    invitations.invite(invited)
    link = re.search(r"(/manage/set-password/\S+)", mailoutbox[0].body).group(1)
    # (HTML is a fine password: it is hashed, never shown.)
    for value in [LONG, "new pass\x00word 123", "\x01\x02"]:
        response = client.post(link, {"new_password1": value, "new_password2": value})
        assert response.status_code == 200
        assert "There is a problem" in assert_safe_page(response)
    invited.refresh_from_db()
    assert not invited.has_usable_password()
    assert "_auth_user_id" not in client.session


# --- CSRF -----------------------------------------------------------------------------


def test_sign_in_without_a_csrf_token_is_refused(csrf_client, person):
    csrf_client.get("/manage/sign-in")  # has the cookie, but posts no token
    response = csrf_client.post("/manage/sign-in", {"username": person.email, "password": PASSWORD})
    assert response.status_code == 403
    html = response.content.decode()
    assert "Your form was not sent" in html
    assert "Nothing has been changed" in html
    assert "_auth_user_id" not in csrf_client.session
    assert not AuditEvent.objects.exists()


def test_sign_in_with_a_forged_csrf_token_is_refused(csrf_client, person):
    csrf_client.get("/manage/sign-in")
    response = csrf_client.post(
        "/manage/sign-in",
        {"username": person.email, "password": PASSWORD, "csrfmiddlewaretoken": "x" * 64},
    )
    assert response.status_code == 403
    assert "_auth_user_id" not in csrf_client.session


def test_a_csrf_token_replayed_from_another_browser_is_refused(person):
    attacker, victim = Client(enforce_csrf_checks=True), Client(enforce_csrf_checks=True)
    stolen = csrf_token_of(attacker, "/manage/sign-in")
    victim.get("/manage/sign-in")
    response = victim.post(
        "/manage/sign-in",
        {"username": person.email, "password": PASSWORD, "csrfmiddlewaretoken": stolen},
    )
    assert response.status_code == 403
    assert "_auth_user_id" not in victim.session


def test_the_right_csrf_token_signs_in(csrf_client, person):
    token = csrf_token_of(csrf_client, "/manage/sign-in")
    response = csrf_client.post(
        "/manage/sign-in",
        {"username": person.email, "password": PASSWORD, "csrfmiddlewaretoken": token},
    )
    assert response.status_code == 302


def test_a_csrf_token_from_before_sign_in_no_longer_works_after_it(csrf_client, person):
    old = csrf_token_of(csrf_client, "/manage/sign-in")
    old_cookie = csrf_client.cookies["csrftoken"].value
    csrf_client.post(
        "/manage/sign-in",
        {"username": person.email, "password": PASSWORD, "csrfmiddlewaretoken": old},
    )
    assert csrf_client.cookies["csrftoken"].value != old_cookie  # rotated at sign-in
    response = csrf_client.post("/manage/sign-out", {"csrfmiddlewaretoken": old})
    assert response.status_code == 403
    assert "_auth_user_id" in csrf_client.session


def test_password_reset_and_set_password_need_csrf_tokens(
    csrf_client, person, make_user, mailoutbox
):
    csrf_client.get("/manage/password-reset")
    refused = csrf_client.post(
        "/manage/password-reset", {"email": person.email, "csrfmiddlewaretoken": "forged" * 6}
    )
    assert refused.status_code == 403
    assert mailoutbox == []
    invited = make_user(email="new.person@example.gov.uk", password=None)
    invitations.invite(invited)
    link = re.search(r"(/manage/set-password/\S+)", mailoutbox[0].body).group(1)
    csrf_client.get(link)
    response = csrf_client.post(
        link, {"new_password1": "a fine passphrase 9", "new_password2": "a fine passphrase 9"}
    )
    assert response.status_code == 403
    invited.refresh_from_db()
    assert not invited.has_usable_password()
