"""The hub's pages in a real browser (Debian's chromium): axe-core finds no WCAG 2.2 AA
violation on any of them, with JavaScript on and off, on a phone's screen (375 px) with no
sideways scrolling, and the changes work without JavaScript.

The server and browser fixtures are the browser tests' (``tests/browser/conftest.py``,
imported by this directory's conftest):
the demo on a real server, a browser that starts only after the database work is done.
A service manager of a demo dashboard's organisation is signed in by a session made
before the browser starts (the sign-in page is not the hub's).
"""

import pytest

from tests.browser.conftest import PHONE, Visit


@pytest.fixture(scope="module")
def hub(site, django_db_blocker):
    """A signed-in service manager's session, and the paths of their pages."""
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    from performance_platform.accounts.models import Membership, User
    from performance_platform.dashboards import hub as hub_changes
    from performance_platform.dashboards.models import Dashboard

    with django_db_blocker.unblock():
        dashboard = (
            Dashboard.objects.filter(organisation__isnull=False, kpi_group__isnull=False)
            .order_by("slug")
            .first()
        )
        user = User.objects.create_user("browser.manager@example.gov.uk", "not-used-here-123")
        Membership.objects.create(
            user=user, organisation=dashboard.organisation, role=Membership.Role.SERVICE_MANAGER
        )
        data_set = hub_changes.data_sets_of(dashboard).first()
        _with_collectors(data_set)
        token = data_set.tokens.first()
        if token is None:
            token, _ = data_set.tokens.model.issue(data_set, "Demo upload")
        # The module added in the browser: one the dashboard lacks, if any; else one
        # removed first, so "add" has something to add.
        missing = hub_changes.missing_standard(dashboard)
        if not missing:
            dashboard.modules.filter(slug="completion-rate").delete()
            missing = hub_changes.missing_standard(dashboard)
        session = SessionStore()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session.create()
    base = f"/manage/dashboards/{dashboard.slug}"
    ds = f"/manage/data-sets/{data_set.name}"
    return {
        "session": session.session_key,
        "dashboard": base,
        "add": f"{base}/modules/add/{missing[0].slug}",
        "data_set": ds,
        "revoke": f"{ds}/tokens/{token.pk}/revoke",
    }


def _with_collectors(data_set) -> None:
    """A working collector with a history and a broken one with its error, so the data
    set's page shows every part of its Collectors section."""
    from datetime import timedelta

    from django.utils import timezone

    from performance_platform.collectors import credentials
    from performance_platform.collectors.models import Collector, CollectorRun

    now = timezone.now()
    working = Collector.objects.create(
        name="browser-matomo",
        data_set=data_set,
        provider="matomo",
        endpoint="https://analytics.example.org/",
        credentials=credentials.encrypt({"token_auth": "browser-secret"}),
        state="working",
        last_run_at=now - timedelta(hours=1),
        last_success_at=now - timedelta(hours=1),
        next_run_at=now + timedelta(hours=23),
    )
    for day in range(3):
        CollectorRun.objects.create(
            collector=working,
            trigger="schedule" if day else "manual",
            status="succeeded",
            started_at=now - timedelta(days=day, hours=1),
            records=7 - day,
        )
    Collector.objects.create(
        name="browser-matomo-realtime-with-a-long-name",
        data_set=data_set,
        provider="matomo-realtime",
        endpoint="https://analytics.example.org/",
        state="broken",
        last_run_at=now - timedelta(minutes=3),
        last_error="Matomo refused the credentials (403): You can't access this resource "
        "as it requires 'view' access for the website id = 3.",
    )


@pytest.fixture
def signed_in(hub, browser, site, js):
    """A phone-sized visit, signed in as the manager."""
    opened = Visit(browser, site.url, js, viewport=PHONE)
    opened.context.add_cookies([{"name": "sessionid", "value": hub["session"], "url": site.url}])
    yield opened
    opened.close()


def fits(visit) -> None:
    width = visit.viewport["width"]
    assert visit.page.evaluate("document.documentElement.scrollWidth") <= width, visit.page.url


def test_every_hub_page_passes_axe_and_fits_a_phone(signed_in, hub):
    paths = {
        "hub-index": "/manage",
        "hub-dashboard": hub["dashboard"],
        "hub-details": f"{hub['dashboard']}/details",
        "hub-annotation": f"{hub['dashboard']}/annotations/add",
        "hub-module-add": hub["add"],
        "hub-data-set": hub["data_set"],
        "hub-token-new": f"{hub['data_set']}/tokens/new",
        "hub-token-revoke": hub["revoke"],
        "hub-access": f"{hub['data_set']}/access/new",
    }
    for name, path in paths.items():
        signed_in.goto(path)
        signed_in.check(name)
        fits(signed_in)


def test_the_data_set_page_with_collectors_passes_axe_on_a_desktop(hub, browser, site, js):
    desktop = Visit(browser, site.url, js)
    desktop.context.add_cookies([{"name": "sessionid", "value": hub["session"], "url": site.url}])
    try:
        desktop.goto(hub["data_set"])
        page = desktop.page
        assert page.get_by_role("heading", name="Collectors", exact=True).is_visible()
        card = page.locator("#collector-browser-matomo-realtime-with-a-long-name")
        assert "Stopped: needs new credentials" in card.inner_text()
        assert card.locator(".govuk-tag", has_text="Broken").is_visible()
        assert "browser-secret" not in page.content()
        desktop.check("hub-data-set-collectors-desktop")
    finally:
        desktop.close()


def test_the_data_set_page_with_collectors_fits_a_phone(signed_in, hub):
    signed_in.goto(hub["data_set"])
    tag = signed_in.page.locator("#collector-browser-matomo .govuk-tag")
    assert tag.text_content().strip() == "Working"
    signed_in.check("hub-data-set-collectors-phone")
    fits(signed_in)


def test_form_errors_and_a_new_token_without_javascript_too(signed_in, hub):
    page = signed_in.page
    signed_in.goto(f"{hub['data_set']}/tokens/new")
    page.get_by_role("button", name="Create the token").click()
    assert page.locator(".govuk-error-summary").is_visible()
    signed_in.check("hub-token-error")
    page.fill("#id_label", f"Browser {signed_in.mode}")
    page.get_by_role("button", name="Create the token").click()
    assert "/created" in page.url
    secret = page.locator("#secret").inner_text()
    assert len(secret) >= 40
    signed_in.check("hub-token-created")
    fits(signed_in)
    page.reload()
    assert page.locator("#secret").count() == 0
    assert "cannot be shown again" in page.inner_text("h1")
