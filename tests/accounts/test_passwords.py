"""Password reset by email, and setting a password from an invitation."""

import re
from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from performance_platform.accounts import invitations
from performance_platform.accounts.models import AuditEvent

from .conftest import PASSWORD, audit_actions

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a brand new passphrase 7"


def link_in(message) -> str:
    match = re.search(r"http://127\.0\.0\.1:8000(/manage/\S+)", message.body)
    assert match, message.body
    return match.group(1)


# --- Password reset -------------------------------------------------------------------


def test_reset_emails_a_link_that_sets_a_new_password(client, person, mailoutbox):
    page = client.get("/manage/password-reset")
    assert page.status_code == 200
    assert "Reset your password" in page.content.decode()
    response = client.post("/manage/password-reset", {"email": "JO.BLOGGS@example.gov.uk"})
    assert response.status_code == 302
    assert response["Location"] == "/manage/password-reset/sent"
    assert len(mailoutbox) == 1
    message = mailoutbox[0]
    assert message.to == [person.email]
    assert message.subject == "Reset your Performance Platform password"
    assert "Hello Jo Bloggs," in message.body
    assert "for 60 minutes" in message.body
    link = link_in(message)
    # Django moves the token out of the address (into the session) before showing the form.
    form_page = client.get(link, follow=True)
    assert "Set a new password" in form_page.content.decode()
    form_url = form_page.redirect_chain[-1][0]
    done = client.post(form_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert done.status_code == 302
    assert done["Location"] == "/manage/password-reset/done"
    assert "Your password has been changed" in client.get(done["Location"]).content.decode()
    person.refresh_from_db()
    assert person.check_password(NEW_PASSWORD)
    assert audit_actions() == ["password.reset"]
    # The link worked once.
    again = client.get(link, follow=True)
    assert "This link does not work" in again.content.decode()


def test_reset_says_the_same_for_an_address_with_no_account(client, person, mailoutbox):
    known = client.post("/manage/password-reset", {"email": person.email}, follow=True)
    unknown = client.post("/manage/password-reset", {"email": "nobody@example.gov.uk"}, follow=True)
    assert known.status_code == unknown.status_code == 200
    assert known.redirect_chain == unknown.redirect_chain
    strip = lambda html: re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)  # noqa: E731
    assert strip(known.content.decode()) == strip(unknown.content.decode())
    assert [m.to for m in mailoutbox] == [[person.email]]


def test_an_inactive_account_gets_no_reset_email(client, person, mailoutbox):
    person.is_active = False
    person.save()
    client.post("/manage/password-reset", {"email": person.email})
    assert mailoutbox == []


def test_the_new_password_is_checked_by_the_validators(client, person, mailoutbox):
    client.post("/manage/password-reset", {"email": person.email})
    form_page = client.get(link_in(mailoutbox[0]), follow=True)
    form_url = form_page.redirect_chain[-1][0]
    response = client.post(form_url, {"new_password1": "12345678", "new_password2": "12345678"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "There is a problem" in html
    assert "too common" in html
    person.refresh_from_db()
    assert person.check_password(PASSWORD)
    assert audit_actions() == []


def test_a_forged_reset_link_gets_a_clear_page(client, person):
    response = client.get("/manage/password-reset/MQ/forged-token", follow=True)
    assert response.status_code == 200
    assert "This link does not work" in response.content.decode()
    response = client.get("/manage/password-reset/%FF%FF/x-y", follow=True)
    assert "This link does not work" in response.content.decode()


# --- Invitations ----------------------------------------------------------------------


@pytest.fixture
def invited(make_user):
    """Someone invited, who has not set a password yet."""
    return make_user(email="new.person@example.gov.uk", password=None, name="New Person")


def invite(user, mailoutbox) -> str:
    invitations.invite(user, why="to manage the Carer's Allowance dashboard")
    assert len(mailoutbox) == 1
    body = mailoutbox[0].body
    assert "to manage the Carer's Allowance dashboard" in body  # not HTML-escaped
    return link_in(mailoutbox[0])


def test_an_invitation_link_sets_the_password_and_signs_in(client, invited, mailoutbox):
    link = invite(invited, mailoutbox)
    page = client.get(link)
    assert page.status_code == 200
    html = page.content.decode()
    assert "Set your password" in html and invited.email in html
    response = client.post(link, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == "/manage"
    assert int(client.session["_auth_user_id"]) == invited.pk
    invited.refresh_from_db()
    assert invited.check_password(NEW_PASSWORD)
    assert invited.password.startswith("argon2$")
    assert audit_actions(actor=invited) == ["password.set", "sign_in"]


def test_a_used_invitation_link_gets_a_clear_page(client, invited, mailoutbox):
    link = invite(invited, mailoutbox)
    client.post(link, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    client.post("/manage/sign-out")
    for method in (client.get, client.post):
        response = method(
            link,
            {"new_password1": "another one 12345", "new_password2": "another one 12345"}
            if method == client.post
            else None,
        )
        assert response.status_code == 404
        assert "This invitation link does not work" in response.content.decode()
    invited.refresh_from_db()
    assert invited.check_password(NEW_PASSWORD)


def test_an_expired_invitation_link_gets_a_clear_page(client, invited, mailoutbox, settings):
    link = invite(invited, mailoutbox)
    with time_machine.travel(timezone.now() + timedelta(days=settings.INVITATION_DAYS, hours=1)):
        response = client.get(link)
    assert response.status_code == 404
    assert "This invitation link does not work" in response.content.decode()


@pytest.mark.parametrize(
    "path",
    [
        "/manage/set-password/MQ/abc-def",
        "/manage/set-password/%00%01/abc-def",
        "/manage/set-password/OTk5OTk5OTk5OTk5OTk5OTk5OTk5OTk5/abc-def",
        "/manage/set-password/bm90LWEtbnVtYmVy/abc-def",
        "/manage/set-password/" + "A" * 3000 + "/" + "b" * 3000,
    ],
)
def test_a_forged_invitation_link_gets_a_clear_page(client, invited, path):
    response = client.get(path)
    assert response.status_code == 404
    assert "This invitation link does not work" in response.content.decode()


def test_a_weak_password_is_refused_and_nothing_changes(client, invited, mailoutbox):
    link = invite(invited, mailoutbox)
    response = client.post(link, {"new_password1": "password", "new_password2": "password"})
    assert response.status_code == 200
    assert "too common" in response.content.decode()
    mismatch = client.post(
        link, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD + "x"}
    )
    assert "The two passwords do not match" in mismatch.content.decode()
    invited.refresh_from_db()
    assert not invited.has_usable_password()
    assert "_auth_user_id" not in client.session
    assert not AuditEvent.objects.filter(action="password.set").exists()


def test_one_address_gets_at_most_three_reset_emails_an_hour(client, person, mailoutbox):
    pages = [
        client.post("/manage/password-reset", {"email": person.email}, follow=True)
        for _ in range(5)
    ]
    assert len(mailoutbox) == 3
    # The page says the same every time, so it tells nothing.
    assert {p.redirect_chain[-1][0] for p in pages} == {"/manage/password-reset/sent"}


def test_one_client_asking_too_often_is_told_to_wait(client, mailoutbox):
    codes = [
        client.post("/manage/password-reset", {"email": f"n{n}@example.gov.uk"}).status_code
        for n in range(21)
    ]
    assert codes == [302] * 20 + [429]
    page = client.post("/manage/password-reset", {"email": "x@example.gov.uk"})
    assert page.status_code == 429
    assert "Try again in an hour" in page.content.decode()
    assert page["Retry-After"] == "3600"
