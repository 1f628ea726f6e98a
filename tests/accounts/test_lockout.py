"""Lock-out after repeated failed sign-ins (django-axes), per email address and client."""

from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.utils import timezone

from .conftest import PASSWORD, audit_actions

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _limits(settings):
    settings.AXES_FAILURE_LIMIT = 3
    settings.AXES_COOLOFF_TIME = timedelta(minutes=30)


def sign_in(client, email, password, remote_addr="127.0.0.1", **headers):
    return client.post(
        "/manage/sign-in",
        {"username": email, "password": password},
        headers=headers,
        REMOTE_ADDR=remote_addr,
    )


def fail(client, email, times, **headers):
    return [sign_in(client, email, "wrong password", **headers).status_code for _ in range(times)]


def test_the_limit_locks_out_with_a_page_that_says_when_to_try_again(client, person):
    assert fail(client, person.email, 2) == [200, 200]
    locked = sign_in(client, person.email, "wrong password")
    assert locked.status_code == 429
    html = locked.content.decode()
    assert "You cannot sign in for now" in html
    assert "in 30 minutes" in html
    assert "Try again after" in html
    assert locked["Cache-Control"] == "private, no-store"
    # Even the right password is refused while locked out, whatever the case of the email.
    again = sign_in(client, person.email.upper(), PASSWORD)
    assert again.status_code == 429
    assert "_auth_user_id" not in client.session
    actions = audit_actions()
    assert actions.count("sign_in.failed") == 4
    assert actions.count("sign_in.locked") == 2
    assert "sign_in" not in actions


def test_the_lock_is_for_that_email_address_and_client_only(client, person, make_user):
    other = make_user(email="other@example.gov.uk")
    fail(client, person.email, 3)
    # Another person from the same client can still sign in...
    assert sign_in(client, other.email, PASSWORD).status_code == 302
    client.post("/manage/sign-out")
    # ...and so can the same person from another client.
    assert sign_in(client, person.email, PASSWORD, remote_addr="192.0.2.7").status_code == 302


def test_the_lock_ends_after_the_cool_off(client, person):
    fail(client, person.email, 3)
    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=31))
    assert sign_in(client, person.email, PASSWORD).status_code == 302


def test_a_success_resets_the_count(client, person):
    fail(client, person.email, 2)
    assert sign_in(client, person.email, PASSWORD).status_code == 302
    client.post("/manage/sign-out")
    assert fail(client, person.email, 2) == [200, 200]
    assert sign_in(client, person.email, PASSWORD).status_code == 302


def test_x_forwarded_for_is_not_trusted_by_default(client, person):
    # Changing the header each time would otherwise escape the lock.
    codes = [
        sign_in(client, person.email, "wrong", X_FORWARDED_FOR=f"198.51.100.{n}").status_code
        for n in range(4)
    ]
    assert codes == [200, 200, 429, 429]
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"127.0.0.1"}


def test_x_forwarded_for_is_used_when_the_operator_trusts_the_proxy(client, person, settings):
    settings.TRUST_X_FORWARDED_FOR = True
    fail(client, person.email, 3, X_FORWARDED_FOR="203.0.113.9, 198.51.100.1")
    # The proxy's own entry (the last) is the client; what came before it could be made up.
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"198.51.100.1"}
    assert (
        sign_in(client, person.email, PASSWORD, X_FORWARDED_FOR="198.51.100.2").status_code == 302
    )
    from performance_platform.accounts.models import AuditEvent

    assert AuditEvent.objects.get(action="sign_in").ip_address == "198.51.100.2"


def test_the_admin_sign_in_is_locked_out_too(client, make_user):
    make_user(email="staff@example.gov.uk", is_staff=True)
    codes = [
        client.post(
            "/admin/login/", {"username": "staff@example.gov.uk", "password": "wrong"}
        ).status_code
        for _ in range(3)
    ]
    assert codes == [200, 200, 429]
