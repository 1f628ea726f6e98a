"""Collectors on the hub: a manager sees each collector's state, last and next run, its
error when it fails, and its recent runs; never its credentials."""

import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from performance_platform.collectors import credentials
from performance_platform.collectors.models import Collector, CollectorRun

pytestmark = pytest.mark.django_db

HUB = "/manage/dashboards/renew-passport"
DATA_SET = "/manage/data-sets/renew_passport_transactions_by_channel"
NOW = datetime(2026, 11, 18, 10, 30, tzinfo=UTC)
SECRET = "hub-collector-secret-4c1d"


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(NOW, tick=False):
        yield


def make(data_set, name, state, **fields):
    return Collector.objects.create(
        name=name,
        data_set=data_set,
        provider=fields.pop("provider", "matomo"),
        endpoint="https://analytics.example.org/",
        credentials=credentials.encrypt({"token_auth": SECRET}),
        query={"site_id": 1, "method": "Goals.get"},
        state=state,
        **fields,
    )


@pytest.fixture
def working(data_set):
    collector = make(
        data_set,
        "passport-matomo",
        "working",
        last_run_at=NOW - timedelta(hours=2),
        last_success_at=NOW - timedelta(hours=2),
        next_run_at=NOW + timedelta(hours=22),
    )
    for days, records in ((0, 7), (1, 6), (2, 0)):
        started = NOW - timedelta(days=days, hours=2)
        CollectorRun.objects.create(
            collector=collector,
            trigger="schedule",
            status="succeeded",
            started_at=started,
            finished_at=started + timedelta(seconds=3),
            records=records,
        )
    return collector


@pytest.fixture
def broken(data_set):
    collector = make(
        data_set,
        "passport-realtime",
        "broken",
        provider="matomo-realtime",
        last_run_at=NOW - timedelta(minutes=5),
        next_run_at=NOW + timedelta(minutes=5),
        last_error="Matomo refused the credentials (401): token_auth is not valid",
    )
    CollectorRun.objects.create(
        collector=collector,
        trigger="schedule",
        status="failed",
        started_at=NOW - timedelta(minutes=5),
        message=collector.last_error,
    )
    return collector


def text(html: str) -> str:
    """The page's words, tags gone and spaces collapsed."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_a_manager_sees_each_collector_on_the_data_set_page(client, manager, working, broken):
    client.force_login(manager)
    response = client.get(DATA_SET)
    assert response.status_code == 200
    html = response.content.decode()
    page = text(html)
    assert "Collectors" in page
    assert "ask one to add a collector" in page
    # The working one: its provider, state, last run with records, next run, history.
    card = text(html.split('id="collector-passport-matomo"')[1].split('govuk-summary-card"')[0])
    assert "Provider Matomo " in card
    assert "State Working" in card
    assert "Last run 18 November 2026, 08:30: succeeded, 7 records" in card
    assert "Next run 19 November 2026, 08:30" in card
    assert "Error" not in card
    assert "Recent runs of passport-matomo" in card
    assert "16 November 2026, 08:30 Succeeded 0" in card
    # The broken one: stopped, with the provider's message.
    card = text(html.split('id="collector-passport-realtime"')[1])
    assert "Matomo realtime" in card
    assert "State Broken" in card
    assert "Next run Stopped: needs new credentials" in card
    assert "Error Matomo refused the credentials (401): token_auth is not valid" in card
    # Its run in the history says why it failed.
    assert "Failed Matomo refused the credentials (401): token_auth is not valid 0" in card
    assert 'class="govuk-tag govuk-tag--red">Broken<' in html
    assert 'class="govuk-tag govuk-tag--green">Working<' in html
    # A manager gets no admin link; the secret and its encrypted form never show.
    assert "/admin/collectors" not in html
    assert SECRET not in html
    assert working.credentials not in html


def test_failing_and_new_collectors_say_so(client, manager, data_set):
    make(
        data_set,
        "a-failing",
        "failing",
        last_run_at=NOW - timedelta(hours=1),
        next_run_at=NOW + timedelta(minutes=10),
        last_error="Matomo answered 503 after 5 tries",
    )
    make(data_set, "b-new", "new", enabled=False)
    client.force_login(manager)
    html = client.get(DATA_SET).content.decode()
    page = text(html)
    assert 'govuk-tag--orange">Failing<' in html
    assert "Error Matomo answered 503 after 5 tries" in page
    assert "Next run 18 November 2026, 10:40" in page
    assert 'govuk-tag--grey">Not run yet<' in html
    assert "Turned off" in page
    assert "Last run Not run yet" in page
    assert "Next run Not scheduled: turned off" in page


def test_a_data_set_without_collectors_says_so(client, manager, data_set):
    client.force_login(manager)
    assert "This data set has no collector." in text(client.get(DATA_SET).content.decode())


def test_the_dashboard_hub_shows_each_collector_compactly(client, manager, working, broken):
    client.force_login(manager)
    response = client.get(HUB)
    page = text(response.content.decode())
    assert "Collector passport-matomo (Matomo): Working" in page
    assert "Last run: 18 November 2026, 08:30. Next run: 19 November 2026, 08:30." in page
    assert "Collector passport-realtime (Matomo realtime): Broken" in page
    assert "Next run: Stopped: needs new credentials." in page
    assert SECRET not in response.content.decode()


def test_the_dashboard_hub_reads_collectors_in_one_query(client, manager, data_set):
    # Prefetched: more collectors cost no more queries.
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(manager)
    make(data_set, "one", "working")
    with CaptureQueriesContext(connection) as one:
        client.get(HUB)
    make(data_set, "two", "working")
    make(data_set, "three", "failing")
    with CaptureQueriesContext(connection) as three:
        client.get(HUB)
    assert len(three) == len(one)


def test_a_platform_admin_gets_a_link_to_change_it(client, platform_admin, working):
    client.force_login(platform_admin)
    html = client.get(DATA_SET).content.decode()
    assert f'href="/admin/collectors/collector/{working.pk}/change/"' in html


def test_a_manager_of_another_organisation_cannot_see_them(client, outsider, working):
    client.force_login(outsider)
    assert client.get(DATA_SET).status_code == 404
    assert "passport-matomo" not in client.get("/manage").content.decode()
