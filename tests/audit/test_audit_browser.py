# ruff: noqa: F811 (the browser tests' fixtures are imported, then asked for by name)
"""The audit trail page in a real browser (Debian's chromium), with JavaScript and without:
axe-core finds no WCAG 2.2 AA violation, the filters work as a plain GET form, the pages
link on, and the page fits a 375 px phone.

It borrows the browser tests' fixtures (the demo on a real server, chromium, axe). The
platform admin is signed in by a session made here, because the sign-in page is not this
part's to drive.
"""

import re

import pytest
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore

from tests.browser.conftest import (  # noqa: F401 (fixtures)
    PHONE,
    browser,
    chromium_path,
    js,
    phone,
    server_env,
    site,
    test_database,
    visit,
)

pytestmark = pytest.mark.browser


# Asked for before the browser (tests name it first): Playwright's event loop, once running,
# makes Django refuse database calls from this thread.
@pytest.fixture(scope="module")
def session_key(site, django_db_blocker):
    """A platform admin's session, and enough events for three pages of the trail."""
    from performance_platform.accounts import audit
    from performance_platform.accounts.models import Membership, User

    with django_db_blocker.unblock():
        user = User.objects.create_user("audit-admin@example.gov.uk", password=None)
        Membership.objects.create(user=user, role=Membership.Role.PLATFORM_ADMIN)
        for n in range(110):
            audit.record(
                "token.create",
                target_type="writetoken",
                target_id=n,
                target_repr=f"renew_passport: label-{n:03} [abc{n:03}…]",
                detail={"data_set": "renew_passport", "label": f"label-{n:03}"},
            )
        audit.record("sign_in", actor=user, target=user)
        session = SessionStore()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session.create()
        return session.session_key


def sign_in(visit, session_key):
    visit.context.add_cookies([{"name": "sessionid", "value": session_key, "url": visit.base_url}])


def test_the_audit_trail_filters_and_pages(session_key, visit):
    sign_in(visit, session_key)
    visit.goto("/manage/audit")
    page = visit.page
    assert page.locator("h1").inner_text() == "Audit trail"
    assert page.locator("tbody tr").count() == 50
    assert "Signed in" in page.locator("tbody tr").first.inner_text()
    visit.check("audit-trail")

    page.get_by_label("What was done").select_option("token.create")
    page.get_by_role("button", name="Apply filters").click()
    page.wait_for_url(re.compile(r"action=token\.create"))
    assert "110 events match these filters" in page.locator("#audit-count").inner_text()
    page.get_by_role("link", name="Page 3").click()
    page.wait_for_url(re.compile(r"action=token\.create.*page=3|page=3.*action=token\.create"))
    assert page.locator("tbody tr").count() == 10
    assert "label-000" in page.locator("tbody tr").last.inner_text()
    visit.check("audit-trail-page-3")


def test_a_bad_filter_is_named_at_the_top(session_key, visit):
    sign_in(visit, session_key)
    visit.goto("/manage/audit?date_from=2026-02-30", status=400)
    summary = visit.page.locator(".govuk-error-summary")
    assert "Enter a real date" in summary.inner_text()
    visit.check("audit-trail-error")


def test_the_audit_trail_fits_a_phone(session_key, phone):
    assert phone.viewport == PHONE
    sign_in(phone, session_key)
    phone.goto("/manage/audit")
    assert phone.page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    phone.check("phone-audit-trail")
