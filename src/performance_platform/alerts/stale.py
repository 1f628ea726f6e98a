"""Stale-data alerts: the hourly check that emails a stale data set's owners, reminds
them as often as the original notifier's table says, and tells them once when new data
arrives. Staleness is the platform's one rule (``datastore.models.stale_data_sets``, by
``DataSet.freshness``), the one ``/_status/data-sets`` and the KPI tiles use.
"""

import logging
from datetime import timedelta

from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from performance_platform.accounts import mail
from performance_platform.dashboards.models import Dashboard
from performance_platform.dashboards.permissions import owners_of
from performance_platform.datastore.models import DataSet, Freshness, stale_data_sets

from . import preferences, throttle, words
from .models import Alert, Kind

logger = logging.getLogger(__name__)


def dashboards_using(data_set: DataSet) -> list[Dashboard]:
    """The dashboards that read ``data_set`` (its group is their KPI group or a module's)."""
    group = data_set.data_group_id
    found = Dashboard.objects.filter(Q(kpi_group_id=group) | Q(modules__data_group_id=group))
    return list(found.distinct().order_by("title"))


def dashboard_links(dashboards: list[Dashboard]) -> list[dict]:
    """Each dashboard's title and where to see it: the public page once published, else
    its page in the hub."""
    links = []
    for dashboard in dashboards:
        if dashboard.status == Dashboard.Status.PUBLISHED:
            path = f"/performance/{dashboard.slug}"
        else:
            path = reverse("manage:dashboard", args=[dashboard.slug])
        links.append({"title": dashboard.title, "url": mail.absolute_url(path)})
    return links


def _context(data_set: DataSet, fresh: Freshness, dashboards: list[Dashboard]) -> dict:
    return {
        "data_set": data_set,
        "dashboards": dashboard_links(dashboards),
        "last_updated": words.when(fresh.last_updated),
        "never_written": fresh.last_updated is None,
        "expected": words.every(fresh.max_age_expected),
        "out_of_date_for": words.how_long(fresh.seconds_out_of_date),
        "reminder_every": words.every(throttle.every(data_set.max_age_expected)),
        "data_set_url": mail.absolute_url(reverse("manage:data-set", args=[data_set.name])),
        "upload_url": mail.absolute_url(reverse("uploads:new", args=[data_set.name])),
        "preferences_url": mail.absolute_url(reverse("alerts:preferences")),
    }


def tell_owners(data_set: DataSet, fresh: Freshness, kind: str) -> int:
    """Email ``data_set``'s owners who want stale-data emails; returns how many were sent.

    Each person gets their own message (with their own unsubscribe link). One address
    that fails is logged and skipped: the others are still told, and nobody is told twice
    by a retry.
    """
    people = owners_of(data_set)
    off = preferences.turned_off(people, Kind.STALE)
    context = _context(data_set, fresh, dashboards_using(data_set))
    if kind == Alert.Type.STALE:
        subject = f"Data is out of date: {data_set.name}"
        template = "alerts/email/stale.txt"
    else:
        subject = f"Data is up to date again: {data_set.name}"
        template = "alerts/email/all_clear.txt"
    sent = 0
    for person in people:
        if person.pk in off:
            continue
        personal = {
            **context,
            "person": person,
            "unsubscribe_url": preferences.unsubscribe_url(person, Kind.STALE),
        }
        try:
            sent += mail.send([person.email], subject, template, personal)
        except Exception:
            logger.exception("could not email %s about %s", person.email, data_set.name)
    return sent


def check(now=None) -> dict:
    """Send the alerts and all-clears that are due now; record each. Returns what was sent.

    A stale data set is alerted when it has never been, or when its last alert is older
    than its reminder interval (:mod:`.throttle`). A data set whose newest alert says
    "out of date" and that is fresh now gets one all-clear.
    """
    now = now or timezone.now()
    stale = stale_data_sets(now)
    stale_ids = {data_set.pk for data_set, _ in stale}
    alerted, cleared = [], []
    for data_set, fresh in stale:
        last = (
            Alert.objects.filter(data_set=data_set, kind=Alert.Type.STALE)
            .order_by("-sent_at", "-pk")
            .first()
        )
        wait = timedelta(seconds=throttle.every(data_set.max_age_expected))
        if last is not None and now - last.sent_at < wait:
            continue
        count = tell_owners(data_set, fresh, Alert.Type.STALE)
        Alert.objects.create(
            data_set=data_set,
            kind=Alert.Type.STALE,
            sent_at=now,
            recipients=count,
            seconds_out_of_date=fresh.seconds_out_of_date,
        )
        alerted.append(data_set.name)
    once_stale = (
        DataSet.objects.filter(alerts__kind=Alert.Type.STALE)
        .exclude(pk__in=stale_ids)
        .distinct()
        .order_by("name")
    )
    for data_set in once_stale:
        newest = Alert.objects.filter(data_set=data_set).order_by("-sent_at", "-pk").first()
        if newest is None or newest.kind != Alert.Type.STALE:
            continue
        fresh = data_set.freshness(now)
        count = tell_owners(data_set, fresh, Alert.Type.ALL_CLEAR)
        Alert.objects.create(
            data_set=data_set,
            kind=Alert.Type.ALL_CLEAR,
            sent_at=now,
            recipients=count,
            seconds_out_of_date=fresh.seconds_out_of_date,
        )
        cleared.append(data_set.name)
    return {"alerted": alerted, "all_clear": cleared}
