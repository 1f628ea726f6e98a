"""Asking for a dashboard in a real browser, with JavaScript and without: the guidance
page, every question (first with a mistake, to see the error summary), checking the
answers, sending, and the confirmation; then a platform admin reviewing and approving a
request. axe-core audits every page (WCAG 2.2 AA), and the question pages are checked on
a phone's screen too.

The whole journey (invitations, tokens, preview, sign-off) is another test's. The admin
is signed in by a session made beforehand (the sign-in page is another part's): the
database may not be touched while the browser is open, so the autouse fixture below makes
the admin, their session and the requests before the browser starts.
"""

import re

import pytest

from .conftest import PHONE

pytestmark = pytest.mark.browser

BASE = "/performance/get-a-dashboard/request"


@pytest.fixture(scope="module", autouse=True)
def review(site, django_db_blocker):
    """A platform admin's session key, and a pending request for each of js and nojs."""
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    from performance_platform.accounts.models import Membership, User
    from performance_platform.dashboards.models import Organisation
    from performance_platform.onboarding.models import DashboardRequest

    with django_db_blocker.unblock():
        admin = User.objects.create_user(email="admin@example.gov.uk", password="x" * 20)
        Membership.objects.create(user=admin, role=Membership.Role.PLATFORM_ADMIN)
        session = SessionStore()
        session[SESSION_KEY] = str(admin.pk)
        session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        session[HASH_SESSION_KEY] = admin.get_session_auth_hash()
        session.create()
        requests = {}
        for mode in ("js", "nojs"):
            requests[mode] = DashboardRequest.objects.create(
                contact_name="Sam Manager",
                contact_email=f"sam.{mode}@example.gov.uk",
                contact_phone="020 7946 0000",
                service_name=f"Book a <i>test</i> {mode}",
                service_description="Lets people book a test.",
                intended_users="Anyone",
                organisation=Organisation.objects.get(slug="home-office"),
                start_page_url="https://www.gov.uk/book-a-test",
                digital_takeup_source="api",
                cost_source="collection",
                satisfaction_source="survey",
                completion_source="api",
                cadence="monthly",
                uploaders=[{"name": "Una Uploader", "email": f"una.{mode}@example.gov.uk"}],
            ).pk
    assert "django.contrib.auth.backends.ModelBackend" in settings.AUTHENTICATION_BACKENDS
    return {"session": session.session_key, "requests": requests}


def assert_at(page, url_pattern: str):
    """The page's address (without its fragment) matches: without JavaScript, the fragment
    the error summary's link added is kept through every redirect after it."""
    url = page.url.split("#")[0]
    assert re.search(url_pattern, url), (url, page.locator("main").inner_text()[:500])


def continue_to(page, url_pattern: str):
    page.get_by_role("button", name="Continue").click()
    page.wait_for_load_state()
    assert_at(page, url_pattern)


def test_ask_for_a_dashboard(visit):
    page = visit.page
    visit.goto("/performance")
    page.get_by_role("link", name="Get a dashboard for your service").click()
    page.wait_for_url(re.compile(r"/performance/get-a-dashboard$"))
    assert page.locator("h1").inner_text() == "Get a dashboard for your service"
    visit.check("get-a-dashboard")
    page.get_by_role("button", name="Start now").click()
    page.wait_for_url(re.compile(rf"{BASE}/contact$"))

    # A mistake first: the error summary links to the field.
    page.get_by_label("Full name").fill("Sam Manager")
    page.get_by_label("Email address").fill("sam@")
    page.get_by_label("Phone number").fill("020 7946 0000")
    continue_to(page, rf"{BASE}/contact$")
    summary = page.locator(".govuk-error-summary")
    assert "Enter your email address in the correct format" in summary.inner_text()
    assert page.title().startswith("Error: ")
    visit.check("get-a-dashboard-error")
    summary.get_by_role("link").first.click()
    page.get_by_label("Email address").fill("sam.manager@example.gov.uk")
    continue_to(page, rf"{BASE}/service$")
    visit.check("get-a-dashboard-service")

    page.get_by_label("Name of the service").fill("Register a <b>test</b>")
    page.get_by_label("What the service does").fill("Lets people register a test.")
    page.get_by_label("Who the service is for").fill("Anyone")
    continue_to(page, rf"{BASE}/organisation$")
    page.get_by_label("Organisation that runs the service").select_option(label="Home Office")
    visit.check("get-a-dashboard-organisation")
    continue_to(page, rf"{BASE}/start-page$")
    page.get_by_label("What is the address of your service’s start page?").fill(
        "https://www.gov.uk/register-a-test"
    )
    continue_to(page, rf"{BASE}/digital-take-up$")
    page.get_by_label("Sent automatically through the data API").check()
    visit.check("get-a-dashboard-radios")
    continue_to(page, rf"{BASE}/cost-per-transaction$")
    page.get_by_label("The quarterly collection of transaction costs").check()
    continue_to(page, rf"{BASE}/user-satisfaction$")
    page.get_by_label("Another source", exact=True).check()
    page.get_by_label("If another source, which one").fill("Our own survey")
    continue_to(page, rf"{BASE}/completion-rate$")
    page.get_by_label("Our web analytics").check()
    page.get_by_label("Matomo").check()
    page.get_by_label("The view or property ID").fill("7")
    visit.check("get-a-dashboard-completion-rate")
    continue_to(page, rf"{BASE}/how-often$")
    page.get_by_label("Every week").check()
    continue_to(page, rf"{BASE}/uploaders$")
    page.locator("#id_name_1").fill("Una Uploader")
    page.locator("#id_email_1").fill("una@example.gov.uk")
    page.get_by_role("button", name="Add another person").click()
    page.wait_for_load_state()
    assert_at(page, rf"{BASE}/uploaders\?rows=4$")
    assert page.locator("#id_name_4").count() == 1
    visit.check("get-a-dashboard-uploaders")
    continue_to(page, rf"{BASE}/check-your-answers$")

    answers = page.locator(".govuk-summary-list").inner_text()
    expected = ("Register a <b>test</b>", "Home Office", "Matomo", "Our own survey", "Una Uploader")
    for text in expected:
        assert text in answers
    visit.check("get-a-dashboard-check")
    page.get_by_role("link", name="Change how often").click()
    page.wait_for_load_state()
    assert_at(page, rf"{BASE}/how-often\?change=1$")
    page.get_by_label("Every month").check()
    continue_to(page, rf"{BASE}/check-your-answers$")
    assert "Every month" in page.locator(".govuk-summary-list").inner_text()

    page.get_by_role("button", name="Accept and send").click()
    page.wait_for_load_state()
    assert_at(page, rf"{BASE}/confirmation$")
    assert page.locator("h1").inner_text() == "Request sent"
    assert re.search(r"GAD-[A-Z2-9]{4}-[A-Z2-9]{4}", page.locator(".govuk-panel").inner_text())
    visit.check("get-a-dashboard-confirmation")


@pytest.mark.parametrize("step", ["contact", "organisation", "completion-rate", "uploaders"])
def test_question_pages_fit_a_phone(phone, step):
    assert phone.viewport == PHONE
    phone.goto(f"{BASE}/{step}")
    assert phone.page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    phone.check(f"phone-get-a-dashboard-{step}")


def test_review_and_approve_a_request(visit, review):
    page = visit.page
    visit.context.add_cookies(
        [{"name": "sessionid", "value": review["session"], "url": visit.base_url}]
    )
    pk = review["requests"][visit.mode]
    visit.goto("/manage/requests")
    assert page.locator("h1").inner_text() == "Dashboard requests"
    visit.check("manage-requests")
    page.get_by_role("link", name=f"Book a <i>test</i> {visit.mode}").click()
    page.wait_for_load_state()
    assert_at(page, rf"/manage/requests/{pk}$")
    assert "Events we send through the data API" in page.locator("main").inner_text()
    visit.check("manage-request")
    page.get_by_role("button", name="Approve").click()
    page.wait_for_load_state()
    assert_at(page, rf"/manage/requests/{pk}/approve$")
    assert page.locator("h1").inner_text() == "Approve this request?"
    visit.check("manage-request-approve")
    page.get_by_label("Note (optional)").fill("Welcome aboard")
    page.get_by_role("button", name="Approve and make the dashboard").click()
    page.wait_for_load_state()
    assert_at(page, rf"/manage/requests/{pk}$")
    banner = page.locator(".govuk-notification-banner").inner_text()
    assert "approved" in banner and "5 modules" in banner
    link = page.get_by_role("link", name=f"Book a <i>test</i> {visit.mode}")
    assert link.get_attribute("href") == f"/manage/dashboards/book-a-itesti-{visit.mode}"
    visit.check("manage-request-approved")
