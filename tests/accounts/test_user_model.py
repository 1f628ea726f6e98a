"""The custom user model: email is the sign-in name, passwords are argon2 hashes, and
the admin and ``createsuperuser`` work with it."""

import pytest
from django.conf import settings
from django.contrib.auth import authenticate, get_user_model
from django.core.management import call_command
from django.db import IntegrityError, transaction

pytestmark = pytest.mark.django_db


@pytest.fixture
def plain_static(settings):
    # Pages are rendered without running collectstatic, so no manifest exists.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


def test_the_project_uses_its_own_user_model():
    assert settings.AUTH_USER_MODEL == "accounts.User"
    assert get_user_model()._meta.label == "accounts.User"
    assert get_user_model().USERNAME_FIELD == "email"


def test_a_user_signs_in_by_email_in_any_case():
    user = get_user_model().objects.create_user("Jo.Bloggs@Example.GOV.UK", "a long passphrase")
    # The domain is lower-cased when stored; the local part is kept as typed.
    assert user.email == "Jo.Bloggs@example.gov.uk"
    assert authenticate(username="jo.bloggs@example.gov.uk", password="a long passphrase") == user
    assert authenticate(username="jo.bloggs@example.gov.uk", password="wrong") is None


def test_passwords_are_stored_as_argon2_hashes():
    user = get_user_model().objects.create_user("a@example.com", "a long passphrase")
    assert user.password.startswith("argon2$")
    assert "a long passphrase" not in user.password


def test_an_email_address_is_one_account_whatever_its_case():
    get_user_model().objects.create_user("sam@example.com", "x")
    with pytest.raises(IntegrityError), transaction.atomic():
        get_user_model().objects.create_user("SAM@example.com", "x")
    assert get_user_model().objects.count() == 1


def test_a_user_needs_an_email_address():
    with pytest.raises(ValueError, match="email"):
        get_user_model().objects.create_user("", "x")
    assert get_user_model().objects.count() == 0


def test_a_user_made_without_a_password_cannot_sign_in_with_one():
    user = get_user_model().objects.create_user("sso@example.com")
    assert not user.has_usable_password()
    assert authenticate(username="sso@example.com", password="") is None


def test_createsuperuser_asks_for_an_email_address(monkeypatch):
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "a long passphrase")
    call_command("createsuperuser", "--noinput", "--email", "admin@example.com", verbosity=0)
    admin = get_user_model().objects.get()
    assert admin.email == "admin@example.com"
    assert admin.is_staff and admin.is_superuser
    assert admin.check_password("a long passphrase")


def test_the_admin_lists_and_adds_users_by_email(client, plain_static):
    admin = get_user_model().objects.create_superuser("admin@example.com", "x")
    client.force_login(admin)
    listing = client.get("/admin/accounts/user/")
    assert listing.status_code == 200
    assert b"admin@example.com" in listing.content
    added = client.post(
        "/admin/accounts/user/add/",
        {
            "email": "new.person@example.com",
            "name": "New Person",
            "password1": "a long passphrase 42",
            "password2": "a long passphrase 42",
            "usable_password": "true",
        },
    )
    assert added.status_code == 302, added.content.decode()[:2000]
    person = get_user_model().objects.get(email="new.person@example.com")
    assert person.name == "New Person"
    assert not person.is_staff
    assert person.check_password("a long passphrase 42")
