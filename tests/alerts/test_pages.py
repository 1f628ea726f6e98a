"""The email choices page, the one-click unsubscribe links and the problems page."""

import re
import uuid
from datetime import timedelta

import pytest
from django.tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from performance_platform.alerts import preferences, stale
from performance_platform.alerts.models import Alert, EmailOptOut, Kind
from performance_platform.collectors.models import Collector
from performance_platform.worker.models import TaskAttemptError

from .conftest import ALERT_NOW, write


@pytest.fixture(autouse=True)
def _any_host(settings):
    settings.ALLOWED_HOSTS = ["*"]


# --- your emails ----------------------------------------------------------------------


def test_the_choices_page_needs_signing_in(client, db):
    response = client.get("/manage/emails")
    assert response.status_code == 302
    assert "/manage/sign-in" in response["Location"]


def test_choosing_emails_turns_each_kind_off_and_on(client, manager):
    client.force_login(manager)
    page = client.get("/manage/emails").content.decode()
    assert page.count('type="checkbox"') == 3
    assert page.count(" checked") == 3  # everything on at first
    assert "Your emails</a>" in page  # the header links here
    response = client.post("/manage/emails", {"wanted": ["summary"]})
    assert response.status_code == 302
    assert not preferences.wants(manager, Kind.STALE)
    assert preferences.wants(manager, Kind.SUMMARY)
    page = client.get("/manage/emails").content.decode()
    assert "Your email choices are saved" in page
    assert re.search(r'value="summary" checked', page)
    assert not re.search(r'value="stale" checked', page)
    client.post("/manage/emails", {})
    kinds = {"stale", "summary", "collector"}
    assert set(EmailOptOut.objects.values_list("kind", flat=True)) == kinds
    client.post("/manage/emails", {"wanted": sorted(kinds)})
    assert not EmailOptOut.objects.exists()


def test_a_choice_not_on_the_list_is_a_clear_error(client, manager):
    client.force_login(manager)
    response = client.post("/manage/emails", {"wanted": ["everything"]})
    assert response.status_code == 400
    assert "Choose emails from the list" in response.content.decode()
    assert not EmailOptOut.objects.exists()


def test_the_choices_page_checks_csrf(manager):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    strict.force_login(manager)
    assert strict.post("/manage/emails", {}).status_code == 403
    assert not EmailOptOut.objects.exists()


# --- unsubscribe links ------------------------------------------------------------------


def test_the_link_in_an_email_stops_that_kind_without_signing_in(
    clock, client, data_set, dashboard, manager, mailoutbox
):
    write(data_set, ALERT_NOW - timedelta(days=30))
    stale.check()
    path = re.search(r"https?://[^/]+(/manage/emails/stop/\S+)", mailoutbox[0].body).group(1)
    page = client.get(path)
    assert page.status_code == 200
    text = page.content.decode()
    assert "Stop these emails?" in text
    assert "manager@example.gov.uk" in text
    assert preferences.wants(manager, Kind.STALE)  # a GET (a mail scanner) changes nothing
    done = client.post(path)
    assert done.status_code == 200
    assert "You will not get these emails" in done.content.decode()
    assert not preferences.wants(manager, Kind.STALE)
    assert preferences.wants(manager, Kind.SUMMARY)
    assert "already off" in client.get(path).content.decode()
    # The next alert goes to nobody.
    clock.shift(timedelta(days=2))
    stale.check()
    assert len(mailoutbox) == 1
    assert Alert.objects.order_by("-sent_at").first().recipients == 0


@pytest.mark.parametrize(
    "change",
    [
        lambda t: t[:-3] + ("aaa" if not t.endswith("aaa") else "bbb"),  # the signature
        lambda t: t.split(":")[0],  # cut short
        lambda t: "x" * 600,  # far too long
        lambda t: "not-a-link",
        lambda t: t.replace(t.split(":")[0], "eyJ1IjoyLCJrIjoic3RhbGUifQ"),  # someone else
    ],
)
def test_a_changed_link_is_a_clear_400_and_changes_nothing(client, manager, change):
    token = preferences.unsubscribe_token(manager, Kind.STALE)
    path = f"/manage/emails/stop/{change(token)}"
    for response in (client.get(path), client.post(path)):
        assert response.status_code == 400
        assert "This link does not work" in response.content.decode()
    assert preferences.wants(manager, Kind.STALE)


def test_a_link_for_a_deleted_person_is_a_400(client, manager):
    token = preferences.unsubscribe_token(manager, Kind.SUMMARY)
    manager.delete()
    assert client.get(f"/manage/emails/stop/{token}").status_code == 400


# --- the problems page ------------------------------------------------------------------


def test_the_problems_page_is_for_platform_admins_only(client, manager, uploader):
    assert client.get("/manage/problems").status_code == 302  # signed out: sign in first
    for person in (manager, uploader):
        client.force_login(person)
        assert client.get("/manage/problems").status_code == 404
        assert "/manage/problems" not in client.get("/manage/emails").content.decode()


def test_the_problems_page_lists_what_is_failing_and_for_how_long(
    clock, client, admin, data_set, dashboard, manager
):
    write(data_set, ALERT_NOW - timedelta(days=10))
    stale.check()
    Collector.objects.create(
        name="vehicle-tax-ga4",
        data_set=data_set,
        provider="ga4",
        state=Collector.State.BROKEN,
        broken_since=ALERT_NOW - timedelta(days=3, hours=2),
        last_error="The provider refused the credentials (401)",
    )
    Collector.objects.create(
        name="vehicle-tax-ok", data_set=data_set, provider="ga4", state=Collector.State.WORKING
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
        enqueued_at=ALERT_NOW - timedelta(hours=6),
        finished_at=ALERT_NOW - timedelta(hours=1),
        exception_class_path="performance_platform.kpis.errors.TransformError",
    )
    for attempt, hours in ((1, 5), (2, 1)):
        TaskAttemptError.objects.create(
            task_id=task_id,
            task_path="performance_platform.kpis.tasks.run_transform_task",
            attempt=attempt,
            at=ALERT_NOW - timedelta(hours=hours),
            exception_class_path="performance_platform.kpis.errors.TransformError",
            message=f"count is not a number (attempt {attempt})",
            will_retry=attempt < 2,
        )
    DBTaskResult.objects.create(
        id=uuid.uuid4(),
        status=TaskResultStatus.SUCCESSFUL,
        task_path="performance_platform.alerts.tasks.send_stale_alerts",
        args_kwargs={"args": [], "kwargs": {}},
        queue_name="default",
        backend_name="default",
        priority=0,
        enqueued_at=ALERT_NOW,
    )
    client.force_login(admin)
    response = client.get("/manage/problems")
    assert response.status_code == 200
    page = response.content.decode()
    assert 'href="/manage/problems" aria-current="page">Problems</a>' in page
    stale_part = page.split('id="stale"')[1].split('id="collectors"')[0]
    assert "vehicle_tax_transactions_by_channel" in stale_part
    assert "Vehicle tax" in stale_part
    assert "8 November 2026 at 09:00" in stale_part
    assert "2 days and 12 hours" in stale_part  # 10 days since written, 7.5 expected
    assert "Out of date, 18 November 2026 at 09:00, to 1 person" in stale_part
    collectors = page.split('id="collectors"')[1].split('id="tasks"')[0]
    assert "vehicle-tax-ga4" in collectors and "vehicle-tax-ok" not in collectors
    assert "Broken" in collectors and "3 days and 2 hours" in collectors
    assert "refused the credentials (401)" in collectors
    tasks = page.split('id="tasks"')[1]
    assert "Run transform task" in tasks and "Send stale alerts" not in tasks
    assert "Failed" in tasks and "2 attempts" in tasks
    assert "5 hours" in tasks  # since the first failed attempt
    assert "count is not a number (attempt 2)" in tasks


def test_the_problems_page_says_when_nothing_is_failing(client, admin):
    client.force_login(admin)
    page = client.get("/manage/problems").content.decode()
    assert "No data set is out of date." in page
    assert "No collector is failing." in page
    assert "No background task is failing." in page
