"""The availability checks page in a real browser (Debian's chromium): axe-core finds no
violation with JavaScript on and off, on a desktop and a phone's screen (375 px, with no
sideways scrolling), and starting the checks works without JavaScript.

The server is the browser tests' (the demo on a real server; this directory's conftest);
a service manager of a demo dashboard's organisation is signed in by a session made before
the browser starts. No check is made: the server's worker is not running.
"""

import pytest

from tests.browser.conftest import PHONE, VIEWPORT, Visit


@pytest.fixture(scope="module")
def manager_session(site, django_db_blocker):
    """A signed-in service manager's session key, and their dashboard's slug."""
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    from performance_platform.accounts.models import Membership, User
    from performance_platform.dashboards.models import Dashboard

    with django_db_blocker.unblock():
        dashboard = (
            Dashboard.objects.filter(organisation__isnull=False, kpi_group__isnull=False)
            .order_by("slug")
            .first()
        )
        user = User.objects.create_user("checks.manager@example.gov.uk", "not-used-here-123")
        Membership.objects.create(
            user=user, organisation=dashboard.organisation, role=Membership.Role.SERVICE_MANAGER
        )
        session = SessionStore()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session.create()
    return session.session_key, dashboard.slug


@pytest.mark.parametrize("viewport", [VIEWPORT, PHONE], ids=["desktop", "phone"])
def test_the_page_passes_axe_and_starts_checks_without_javascript_too(
    manager_session, browser, site, js, viewport
):
    # manager_session first: its database work must be done before the browser starts.
    key, slug = manager_session
    visit = Visit(browser, site.url, js, viewport=viewport)
    visit.context.add_cookies([{"name": "sessionid", "value": key, "url": site.url}])
    page = visit.page
    size = "phone" if viewport == PHONE else "desktop"
    try:
        visit.goto(f"/manage/dashboards/{slug}")
        page.get_by_role("link", name="Set up or change the availability checks").click()
        assert page.url.endswith(f"/manage/dashboards/{slug}/availability")
        visit.check(f"availability-{size}")
        # An address that is not one: the error summary, and nothing saved.
        page.fill("#id_url", "not a web address")
        page.locator("form[novalidate] button[type=submit]").click()
        assert page.locator(".govuk-error-summary").is_visible()
        assert "Enter a web address" in page.locator(".govuk-error-summary").inner_text()
        visit.check(f"availability-error-{size}")
        address = f"https://www.example.gov.uk/{visit.mode}-{size}"
        page.fill("#id_url", address)
        page.get_by_label("Every 15 minutes", exact=True).check()
        page.locator("form[novalidate] button[type=submit]").click()
        assert page.locator("#checking").inner_text() == address
        assert page.get_by_role("button", name="Stop the checks", exact=True).is_visible()
        visit.check(f"availability-saved-{size}")
        width = visit.viewport["width"]
        assert page.evaluate("document.documentElement.scrollWidth") <= width
    finally:
        visit.close()
