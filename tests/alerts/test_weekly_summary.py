"""The weekly summary: due from Monday 07:00 London time, sent once a week to each
service manager (never twice, across restarts), with each dashboard's KPIs, how each
changed, what is out of date, and links."""

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.conf import settings
from django.core.mail.backends.locmem import EmailBackend

from performance_platform.accounts.models import Membership
from performance_platform.alerts import preferences, weekly
from performance_platform.alerts.models import Kind, SummarySent, SummaryWeek
from performance_platform.datastore.models import DataGroup, DataType, Record
from performance_platform.datastore.storage import store_records
from performance_platform.datastore.validation import prepare_records
from performance_platform.kpis import standard
from performance_platform.worker.runner import Worker, run_pending

Role = Membership.Role

#: Monday 23 November 2026, 07:00 in London (GMT in winter).
MONDAY_7AM = datetime(2026, 11, 23, 7, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("now", "week"),
    [
        (datetime(2026, 11, 23, 6, 59, tzinfo=UTC), None),  # Monday, before 07:00
        (datetime(2026, 11, 23, 7, 0, tzinfo=UTC), date(2026, 11, 23)),
        (datetime(2026, 11, 25, 15, 0, tzinfo=UTC), date(2026, 11, 23)),  # Wednesday
        (datetime(2026, 11, 29, 23, 59, tzinfo=UTC), date(2026, 11, 23)),  # Sunday
        # Summer time: 07:00 in London is 06:00 UTC.
        (datetime(2026, 6, 1, 5, 59, tzinfo=UTC), None),
        (datetime(2026, 6, 1, 6, 0, tzinfo=UTC), date(2026, 6, 1)),
        # Sunday 23:30 UTC in summer is already Monday 00:30 in London: not due yet.
        (datetime(2026, 5, 31, 23, 30, tzinfo=UTC), None),
    ],
)
def test_the_week_is_due_from_monday_7am_london_time(now, week):
    assert weekly.due_week(now) == week


def _send(group, rows, now):
    records, errors = prepare_records(rows, schema=group.schema, auto_ids=group.auto_ids, now=now)
    assert errors == []
    store_records(group, records, now=now)


@pytest.fixture
def data_set(db):
    """A weekly service's transactions, with its KPI transforms (overrides conftest's)."""
    group = DataGroup.objects.create(name="vehicle-tax")
    tx = standard.new_data_set(group, "transactions-by-channel", "weekly")
    for entry in standard.transforms_for_group(
        "vehicle-tax", {"transactions-by-channel"}, cadence="weekly"
    ):
        standard.make_transform(entry)
    return tx


@pytest.fixture
def service(data_set, dashboard):
    """Two weeks of figures, written a day before MONDAY_7AM, and a second, never
    written data set in one of the dashboard's modules."""
    tx = data_set
    written = MONDAY_7AM - timedelta(days=1)
    rows = []
    for start, digital, paper in (("2026-11-09", 600, 400), ("2026-11-16", 900, 100)):
        for channel, count in (("digital", digital), ("paper", paper)):
            rows.append(
                {
                    "_timestamp": f"{start}T00:00:00Z",
                    "period": "week",
                    "channel": channel,
                    "count": count,
                }
            )
    with time_machine.travel(written, tick=False):
        _send(tx, rows, written)
        assert run_pending() > 0
    other = DataGroup.objects.create(name="vehicle-tax-web")
    visits = tx.__class__.objects.create(
        data_group=other,
        data_type=DataType.objects.create(name="visits"),
        max_age_expected=86_400,
    )
    dashboard.modules.create(
        slug="visits",
        type="single_timeseries",
        title="Visits",
        data_group=other,
        data_type=visits.data_type,
        order=1,
    )
    return dashboard


def test_the_summary_has_each_kpi_its_change_what_is_out_of_date_and_links(
    service, manager, uploader, stranger, mailoutbox
):
    with time_machine.travel(MONDAY_7AM, tick=False):
        assert weekly.send_due()["sent"] == 1
    [message] = mailoutbox
    assert message.to == ["manager@example.gov.uk"]  # not the uploader; the stranger has none
    assert message.subject == "Your dashboards this week: summary for the week of 23 November 2026"
    body = message.body
    site = settings.SITE_URL.rstrip("/")
    assert "Vehicle tax\n" + f"{site}/performance/vehicle-tax\n" in body
    # Digital take-up went from 60% to 90%: the tiles' own words for it.
    assert (
        "- Digital take-up: 90% (16 to 22 November 2026), "
        "up 30 percentage points on the previous week\n"
    ) in body
    assert "- Transactions per year: 2,000 (2 weeks of data to 22 November 2026)" in body
    assert "Out of date:\n- vehicle_tax_web_visits: no data sent yet." in body
    assert f"Send data: {site}/manage/data-sets/vehicle_tax_web_visits" in body
    assert "vehicle_tax_transactions_by_channel" not in body  # written a day ago: fresh
    assert f"{site}/manage/emails/stop/" in body
    token = body.split("/manage/emails/stop/")[1].split()[0]
    assert preferences.read_token(token) == (manager, Kind.SUMMARY)


def test_sent_once_a_week_however_often_the_check_runs(service, manager, mailoutbox):
    with time_machine.travel(MONDAY_7AM - timedelta(minutes=1), tick=False) as clock:
        assert weekly.send_due() == {"week": None, "sent": 0}
        clock.shift(timedelta(minutes=1))
        assert weekly.send_due()["sent"] == 1
        for _check in range(4 * 24 * 6):  # every 15 minutes until Sunday
            clock.shift(timedelta(minutes=15))
            assert weekly.send_due()["sent"] == 0
        assert len(mailoutbox) == 1
        clock.move_to(MONDAY_7AM + timedelta(weeks=1))
        assert weekly.send_due()["sent"] == 1
    assert len(mailoutbox) == 2
    assert list(SummaryWeek.objects.values_list("week", flat=True)) == [
        date(2026, 11, 30),
        date(2026, 11, 23),
    ]


def test_a_restart_resumes_the_week_without_sending_twice(
    service, manager, org, make_user, mailoutbox
):
    second = make_user(email="second@example.gov.uk", roles=[(Role.SERVICE_MANAGER, org)])
    # A worker stopped mid-run: the week started, the manager's summary claimed and sent.
    SummaryWeek.objects.create(week=date(2026, 11, 23), started_at=MONDAY_7AM)
    SummarySent.objects.create(user=manager, week=date(2026, 11, 23), sent_at=MONDAY_7AM)
    with time_machine.travel(MONDAY_7AM + timedelta(minutes=15), tick=False):
        assert weekly.send_due()["sent"] == 1
    assert [m.to for m in mailoutbox] == [["second@example.gov.uk"]]
    assert SummaryWeek.objects.get().finished_at is not None
    assert SummarySent.objects.filter(user=second).exists()


def test_a_failed_send_is_tried_again_at_the_next_check(
    service, manager, org, make_user, mailoutbox, monkeypatch
):
    make_user(email="second@example.gov.uk", roles=[(Role.SERVICE_MANAGER, org)])
    real = EmailBackend.send_messages
    refusing = {"second@example.gov.uk"}

    def flaky(self, messages):
        if any(to in refusing for m in messages for to in m.to):
            raise OSError("try again later")
        return real(self, messages)

    monkeypatch.setattr(EmailBackend, "send_messages", flaky)
    with time_machine.travel(MONDAY_7AM, tick=False) as clock:
        assert weekly.send_due() == {"week": "2026-11-23", "sent": 1, "failed": 1}
        assert SummaryWeek.objects.get().finished_at is None
        refusing.clear()
        clock.shift(timedelta(minutes=15))
        assert weekly.send_due() == {"week": "2026-11-23", "sent": 1, "failed": 0}
    assert sorted(m.to[0] for m in mailoutbox) == [
        "manager@example.gov.uk",
        "second@example.gov.uk",
    ]


def test_a_manager_who_turned_it_off_gets_none(service, manager, mailoutbox):
    preferences.choose(manager, Kind.SUMMARY, False)
    with time_machine.travel(MONDAY_7AM, tick=False):
        assert weekly.send_due()["sent"] == 0
    assert mailoutbox == []


def test_the_worker_schedule_sends_it(service, manager, mailoutbox):
    entry = settings.WORKER_SCHEDULE["weekly-summaries"]
    assert entry["every"] == settings.SUMMARY_CHECK_SECONDS
    with time_machine.travel(MONDAY_7AM + timedelta(hours=1), tick=False):
        worker = Worker(schedule={"weekly-summaries": entry})
        assert worker.enqueue_due() == ["weekly-summaries"]
        assert worker.run_pending() == 1
    assert [m.to for m in mailoutbox] == [["manager@example.gov.uk"]]
    assert Record.objects.exists()


def test_the_tiles_status_and_alerts_agree_as_the_clock_moves(service, data_set, manager, client):
    """The KPI tiles' stored verdict (kept by the freshness check), /_status/data-sets and
    the alert say "out of date" at the same moment: 1,300,000 s after the last write."""
    import json

    from performance_platform.alerts import stale
    from performance_platform.alerts.models import Alert
    from performance_platform.kpis.summaries import refresh_staleness, service_kpis

    written = MONDAY_7AM - timedelta(days=1)
    due = written + timedelta(seconds=1_300_000)
    for now, expected in (
        (written + timedelta(days=1), False),
        (due, False),  # exactly at the expected age: not yet
        (due + timedelta(seconds=1), True),
        (due + timedelta(days=3), True),
    ):
        with time_machine.travel(now, tick=False):
            refresh_staleness(now=now)
            tiles = {row["stale"] for row in service_kpis("vehicle-tax").values()}
            listed = json.loads(client.get("/_status/data-sets").content)["data_sets"] or []
            alerted = (
                data_set.name in stale.check()["alerted"]
                or Alert.objects.filter(data_set=data_set, kind="stale").exists()
            )
        assert tiles == {expected}, now
        assert (data_set.name in {row["name"] for row in listed}) is expected, now
        assert alerted is expected, now
