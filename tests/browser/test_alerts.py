"""The alerts app's pages in a real browser, with JavaScript and without: the platform
admin's problems page (at desktop width and on a 375 px screen), a person's email
choices, and the one-click unsubscribe link from an email with its confirm page and the
page for a changed link. axe-core audits every page (WCAG 2.2 AA)."""

import uuid
from datetime import timedelta

import pytest
import time_machine

from tests.conftest import FROZEN_NOW

from .conftest import PHONE, Visit

pytestmark = pytest.mark.browser

PASSWORD = "try-the-performance-platform"


@pytest.fixture(scope="module", autouse=True)
def problems(site, django_db_blocker):
    """The demo's people; the stale-data check run once (so the stale data sets have an
    alert); a broken collector and a failed task. Returns each mode's unsubscribe path
    (computed now: no database work once the browser is open)."""
    from django.tasks import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    from performance_platform.accounts.models import User
    from performance_platform.alerts import preferences, stale
    from performance_platform.alerts.models import Kind
    from performance_platform.collectors.models import Collector
    from performance_platform.datastore.models import DataSet
    from performance_platform.demo.people import STALE_DATA_SET, load_people
    from performance_platform.worker.models import TaskAttemptError

    with django_db_blocker.unblock(), time_machine.travel(FROZEN_NOW, tick=False):
        load_people()
        stale.check()
        Collector.objects.create(
            name="basic-dbs-check-analytics",
            data_set=DataSet.objects.get(name=STALE_DATA_SET),
            provider="ga4",
            state=Collector.State.BROKEN,
            broken_since=FROZEN_NOW - timedelta(days=2),
            last_error="Google Analytics refused the credentials (403 PERMISSION_DENIED)",
        )
        task_id = uuid.uuid4()
        DBTaskResult.objects.create(
            id=task_id,
            status=TaskResultStatus.FAILED,
            task_path="performance_platform.kpis.tasks.run_transform_task",
            args_kwargs={"args": [], "kwargs": {}},
            queue_name="default",
            backend_name="default",
            priority=0,
            enqueued_at=FROZEN_NOW - timedelta(hours=3),
            finished_at=FROZEN_NOW - timedelta(hours=1),
        )
        TaskAttemptError.objects.create(
            task_id=task_id,
            task_path="performance_platform.kpis.tasks.run_transform_task",
            attempt=1,
            at=FROZEN_NOW - timedelta(hours=3),
            exception_class_path="performance_platform.kpis.errors.TransformError",
            message="count: 'twelve' is not a number",
            will_retry=False,
        )
        manager = User.objects.get(email="manager@demo.example")
        return {
            "js": "/manage/emails/stop/" + preferences.unsubscribe_token(manager, Kind.STALE),
            "nojs": "/manage/emails/stop/" + preferences.unsubscribe_token(manager, Kind.SUMMARY),
        }


def sign_in(visit: Visit, email: str):
    page = visit.page
    visit.goto("/manage/sign-in")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    page.wait_for_load_state()


def check_problems_page(visit: Visit, name: str):
    sign_in(visit, "admin@demo.example")
    visit.goto("/manage/problems")
    page = visit.page
    # The header links here for admins.
    assert page.locator('.govuk-header a[href="/manage/problems"]').count() == 1
    assert page.get_by_role("heading", name="Problems", exact=True).is_visible()
    stale = page.get_by_role("region", name="Out-of-date data sets")
    assert "basic_dbs_check_transactions_by_channel" in stale.inner_text()
    assert "Request a basic DBS check" in stale.inner_text()
    assert "to 1 person" in stale.inner_text()
    collectors = page.get_by_role("region", name="Collectors failing or broken")
    assert "basic-dbs-check-analytics" in collectors.inner_text()
    assert "2 days" in collectors.inner_text()
    tasks = page.get_by_role("region", name="Failing background tasks")
    assert "'twelve' is not a number" in tasks.inner_text()
    assert "3 hours" in tasks.inner_text()
    visit.check(name)


def test_the_problems_page(visit):
    check_problems_page(visit, "problems")


def test_the_problems_page_on_a_phone(phone):
    assert phone.viewport == PHONE
    check_problems_page(phone, "problems-phone")
    # Wide tables scroll inside their region: the page itself never does.
    assert phone.page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def test_a_manager_chooses_their_emails(visit):
    sign_in(visit, "signer@demo.example")
    visit.goto("/manage/emails")
    page = visit.page
    assert page.locator('.govuk-header a[href="/manage/problems"]').count() == 0
    stale = page.get_by_label("Emails when data you look after is out of date", exact=False)
    summary = page.get_by_label("A weekly summary", exact=False)
    stale.check()
    summary.uncheck()
    visit.check("emails")
    page.get_by_role("button", name="Save your choices", exact=True).click()
    page.wait_for_load_state()
    assert "Your email choices are saved" in page.locator(".govuk-notification-banner").inner_text()
    assert stale.is_checked() and not summary.is_checked()
    visit.check("emails-saved")


def test_the_link_in_an_email_stops_it_without_signing_in(visit, problems):
    page = visit.page
    visit.goto(problems[visit.mode])
    assert page.get_by_role("heading", name="Stop these emails?", exact=True).is_visible()
    assert "manager@demo.example" in page.locator("main").inner_text()
    visit.check("unsubscribe")
    page.get_by_role("button", name="Stop these emails", exact=True).click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", name="You will not get these emails").is_visible()
    visit.check("unsubscribed")
    visit.goto(problems[visit.mode][:-4] + "abcd", status=400)
    assert page.get_by_role("heading", name="This link does not work").is_visible()
    visit.check("unsubscribe-bad-link")
