"""Stale-data alerts: who is told, how often (the original's throttle table), the
all-clear, what each email says, and that every place agrees on what "stale" means."""

import json
import re
from datetime import timedelta

import pytest
from django.conf import settings
from django.core import mail as django_mail

from performance_platform.alerts import preferences, stale, throttle
from performance_platform.alerts.models import Alert, Kind
from performance_platform.datastore.models import DataGroup, DataSet, DataType, stale_data_sets
from performance_platform.kpis.staleness import freshness_of
from performance_platform.worker.runner import Worker

from .conftest import ALERT_NOW, WEEKLY, write

HOUR = timedelta(hours=1)


@pytest.mark.parametrize(
    ("max_age", "every"),
    [
        (360, 58 * 60),
        (4_500, 58 * 60),
        (90_000, 58 * 60),
        (300, 58 * 60),
        (648_000, 86_400),
        (604_800, 86_400),  # a week: nearest 648000
        (1_300_000, 86_400),  # the standard weekly data sets: nearer a week than a month
        (2_764_800, 2 * 86_400),
        (5_200_000, 2 * 86_400),  # monthly data sets
        (8_467_200, 7 * 86_400),
        (15_600_000, 7 * 86_400),  # quarterly data sets
    ],
)
def test_reminders_follow_the_original_table(max_age, every):
    assert throttle.every(max_age) == every


def _to(mailoutbox):
    return sorted(address for message in mailoutbox for address in message.to)


def test_owners_are_told_reminded_daily_and_told_once_when_data_arrives(
    clock, data_set, dashboard, manager, uploader, stranger, mailoutbox
):
    write(data_set, ALERT_NOW - timedelta(days=7))
    # Fresh: nothing to say.
    assert stale.check() == {"alerted": [], "all_clear": []}
    assert mailoutbox == []

    # 7.5 days and an hour after the write: stale by an hour.
    clock.move_to(ALERT_NOW + timedelta(hours=13))
    assert stale.check()["alerted"] == ["vehicle_tax_transactions_by_channel"]
    assert _to(mailoutbox) == ["manager@example.gov.uk", "uploader@example.gov.uk"]
    first = Alert.objects.get()
    assert (first.kind, first.recipients) == (Alert.Type.STALE, 2)
    assert first.seconds_out_of_date == 3600
    assert first.sent_at == ALERT_NOW + timedelta(hours=13)

    # Hourly checks for the rest of the day send nothing (weekly data: one reminder a day).
    for _hour in range(23):
        clock.shift(HOUR)
        assert stale.check()["alerted"] == []
    assert len(mailoutbox) == 2

    # A day after the first: the reminder.
    clock.shift(HOUR)
    assert stale.check()["alerted"] == ["vehicle_tax_transactions_by_channel"]
    assert len(mailoutbox) == 4
    assert Alert.objects.filter(kind=Alert.Type.STALE).count() == 2

    # New data arrives: one all-clear to each owner, then silence.
    clock.shift(HOUR)
    write(data_set, clock_now())
    assert stale.check() == {"alerted": [], "all_clear": ["vehicle_tax_transactions_by_channel"]}
    clear = mailoutbox[4:]
    assert _to(clear) == ["manager@example.gov.uk", "uploader@example.gov.uk"]
    assert clear[0].subject == "Data is up to date again: vehicle_tax_transactions_by_channel"
    assert "has new data and is up to date again" in clear[0].body
    assert Alert.objects.filter(kind=Alert.Type.ALL_CLEAR).count() == 1
    for _hour in range(5):
        clock.shift(HOUR)
        assert stale.check() == {"alerted": [], "all_clear": []}
    assert len(mailoutbox) == 6
    assert "stranger@example.gov.uk" not in _to(mailoutbox)


def clock_now():
    from django.utils import timezone

    return timezone.now()


def test_a_new_stale_spell_waits_for_the_reminder_interval(
    clock, data_set, dashboard, manager, mailoutbox
):
    """Data that goes stale, fresh and stale again within a day is not alerted twice."""
    hourly = DataSet.objects.filter(pk=data_set.pk)
    hourly.update(max_age_expected=4_500)  # reminders every 58 minutes
    data_set.refresh_from_db()
    write(data_set, ALERT_NOW - timedelta(hours=2))
    assert stale.check()["alerted"] == [data_set.name]
    clock.shift(timedelta(minutes=10))
    write(data_set, clock_now())
    assert stale.check()["all_clear"] == [data_set.name]
    clock.shift(timedelta(minutes=80))  # stale again (75 minutes), 90 after the alert
    assert stale.check()["alerted"] == [data_set.name]
    assert [a.kind for a in Alert.objects.order_by("sent_at", "pk")] == [
        "stale",
        "all_clear",
        "stale",
    ]
    assert len(mailoutbox) == 3


def test_the_email_says_what_where_since_when_how_to_send_and_how_to_stop(
    clock, data_set, dashboard, manager, mailoutbox
):
    write(data_set, ALERT_NOW - timedelta(days=10))
    stale.check()
    [message] = mailoutbox
    assert message.subject == "Data is out of date: vehicle_tax_transactions_by_channel"
    body = message.body
    site = settings.SITE_URL.rstrip("/")
    assert "vehicle_tax_transactions_by_channel has not had new data" in body
    assert f"- Vehicle tax: {site}/performance/vehicle-tax" in body
    # Last written 8 November 2026 09:00 UTC, which is 09:00 in London in November.
    assert "last updated on 8 November 2026 at 09:00" in body
    assert "expected at least every 1 week and 12 hours" in body
    assert "out of date for 2 days and 12 hours" in body
    assert f"{site}/manage/data-sets/vehicle_tax_transactions_by_channel/upload" in body
    assert f"{site}/manage/data-sets/vehicle_tax_transactions_by_channel\n" in body
    assert "We will remind you every day until new data arrives" in body
    assert f"Or choose which emails you get: {site}/manage/emails" in body
    assert "PLEASE" not in body  # our own words, not the original's capitals
    link = re.search(rf"{re.escape(site)}(/manage/emails/stop/\S+)", body).group(1)
    person, kind = preferences.read_token(link.rsplit("/", 1)[1])
    assert (person, kind) == (manager, Kind.STALE)


def test_a_never_written_data_set_is_stale_and_says_so(
    clock, data_set, dashboard, manager, mailoutbox
):
    assert stale.check()["alerted"] == [data_set.name]
    assert "No data has been sent to it yet" in mailoutbox[0].body
    assert Alert.objects.get().seconds_out_of_date is None


def test_people_who_turned_it_off_are_not_told(
    clock, data_set, dashboard, manager, uploader, mailoutbox
):
    preferences.choose(uploader, Kind.STALE, False)
    preferences.choose(manager, Kind.SUMMARY, False)  # another kind: still told
    write(data_set, ALERT_NOW - timedelta(days=30))
    stale.check()
    assert _to(mailoutbox) == ["manager@example.gov.uk"]
    assert Alert.objects.get().recipients == 1


def test_an_address_that_fails_does_not_stop_the_others(
    clock, data_set, dashboard, manager, uploader, mailoutbox, monkeypatch
):
    """A mail server that refuses one address: the others are told, and it is counted."""
    from django.core.mail.backends.locmem import EmailBackend

    real = EmailBackend.send_messages

    def refuse_uploader(self, messages):
        if any("uploader@" in to for m in messages for to in m.to):
            raise OSError("mailbox unavailable")
        return real(self, messages)

    monkeypatch.setattr(EmailBackend, "send_messages", refuse_uploader)
    write(data_set, ALERT_NOW - timedelta(days=30))
    stale.check()
    assert _to(mailoutbox) == ["manager@example.gov.uk"]
    assert Alert.objects.get().recipients == 1


def test_the_worker_schedule_runs_the_check(clock, data_set, dashboard, manager, mailoutbox):
    assert settings.WORKER_SCHEDULE["stale-data-alerts"]["every"] == settings.ALERT_CHECK_SECONDS
    worker = Worker(schedule={"stale-data-alerts": settings.WORKER_SCHEDULE["stale-data-alerts"]})
    assert worker.enqueue_due() == ["stale-data-alerts"]
    assert worker.run_pending() == 1
    assert _to(mailoutbox) == ["manager@example.gov.uk"]


def test_stale_means_one_thing_everywhere(clock, client, admin, db):
    """The alert, /_status/data-sets, the KPI tiles' rule, the admin page and
    DataSet.freshness pick the same data sets, at and around the edges."""
    kind = DataType.objects.create(name="visits")

    def make(name, max_age, written_ago):
        group = DataGroup.objects.create(name=name)
        data_set = DataSet.objects.create(
            data_group=group, data_type=kind, max_age_expected=max_age
        )
        if written_ago is not None:
            write(data_set, ALERT_NOW - written_ago)
        return data_set

    make("fresh", 3600, timedelta(minutes=59))
    make("exactly-due", 3600, timedelta(hours=1))  # 0 seconds over: not yet stale
    make("just-over", 3600, timedelta(hours=1, seconds=1))
    make("old", WEEKLY, timedelta(days=30))
    make("never-written", WEEKLY, None)
    make("unmonitored", None, timedelta(days=400))
    expected = {"just_over_visits", "old_visits", "never_written_visits"}

    by_method = {ds.name for ds in DataSet.objects.all() if ds.freshness().stale}
    by_list = {ds.name for ds, _ in stale_data_sets()}
    by_tiles = {ds.name for ds in DataSet.objects.all() if freshness_of([ds], ALERT_NOW)["stale"]}
    body = json.loads(client.get("/_status/data-sets").content)
    by_status = {row["name"] for row in body["data_sets"]}
    by_alert = set(stale.check()["alerted"])
    client.force_login(admin)
    page = client.get("/manage/problems").content.decode()
    section = page.split('id="stale"')[1].split('id="collectors"')[0]
    by_page = set(re.findall(r"/manage/data-sets/([a-z_]+)\"", section))
    assert by_method == by_list == by_tiles == by_status == by_alert == by_page == expected
    assert django_mail.outbox == []  # no owners: recorded, nobody emailed
    assert set(Alert.objects.values_list("recipients", flat=True)) == {0}


@pytest.mark.parametrize(
    ("seconds", "long", "every"),
    [
        (None, "an unknown time", "an unknown time"),
        (30, "less than a minute", "less than a minute"),
        (3_480, "58 minutes", "58 minutes"),
        (86_400, "1 day", "day"),
        (648_000, "1 week and 12 hours", "1 week and 12 hours"),
        (1_300_000, "2 weeks and 1 day", "2 weeks and 1 day"),
        (604_800 * 7 + 86_400 * 3 + 3_600, "7 weeks and 3 days", "7 weeks and 3 days"),
    ],
)
def test_lengths_of_time_in_words(seconds, long, every):
    from performance_platform.alerts import words

    assert words.how_long(seconds) == long
    assert words.every(seconds) == every
