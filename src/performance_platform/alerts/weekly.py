"""The weekly summary: each service manager's dashboards, their KPIs and how each
changed, and what is out of date, sent once a week on Monday from 07:00 local time.

The worker's schedule runs tasks every so many seconds, not at a time of day, so a
frequent check (``SUMMARY_CHECK_SECONDS``) sends the week's summaries at the first run
on or after Monday 07:00 (``ALERTS_TIME_ZONE``). What was sent is recorded
(:class:`~.models.SummaryWeek`, :class:`~.models.SummarySent`), so a restart or a second
worker never sends anyone two in a week.
"""

import logging
from datetime import date, datetime, time, timedelta

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from performance_platform.accounts import mail
from performance_platform.accounts.models import Membership
from performance_platform.dashboards.models import Dashboard, Module
from performance_platform.datastore.models import stale_data_sets
from performance_platform.kpis import catalogue
from performance_platform.kpis.summaries import service_kpis

from . import preferences, words
from .models import Kind, SummarySent, SummaryWeek
from .stale import dashboard_links

logger = logging.getLogger(__name__)

#: When the week's summaries go: Monday (weekday 0) at 07:00, local time.
SEND_WEEKDAY, SEND_AT = 0, time(7, 0)


def due_week(now: datetime) -> date | None:
    """The Monday of the week whose summaries may go at ``now``; None before 07:00 on a
    Monday (last week's went a week ago)."""
    at = words.local(now)
    monday = at.date() - timedelta(days=(at.weekday() - SEND_WEEKDAY) % 7)
    if at.date() == monday and at.time() < SEND_AT:
        return None
    return monday


def dashboard_summary(dashboard: Dashboard, stale_by_group: dict, *, now) -> dict:
    """One dashboard's part of a summary: its KPIs (the tiles' stored figures, with their
    change in words) and its out-of-date data sets."""
    kpis = []
    if dashboard.kpi_group_id is not None:
        found = service_kpis(dashboard.kpi_group.name, now=now)
        for key in catalogue.KEYS:
            row = found.get(key)
            if row is None:
                continue
            kpis.append(
                {
                    "title": row.get("title") or catalogue.get(key).title,
                    "display": row.get("display"),
                    "period": row.get("period_label") or "",
                    "change": row.get("change_text") or "",
                    "stale": bool(row.get("stale")),
                }
            )
    groups = {dashboard.kpi_group_id} | set(
        Module.objects.filter(dashboard=dashboard, data_group__isnull=False).values_list(
            "data_group_id", flat=True
        )
    )
    stale = []
    for group in sorted(g for g in groups if g is not None):
        stale.extend(stale_by_group.get(group, []))
    return {
        "dashboard": dashboard,
        "link": dashboard_links([dashboard])[0],
        "kpis": kpis,
        "stale": sorted(stale, key=lambda item: item["name"]),
    }


def recipients() -> list:
    """Active service managers with an email address who have not turned summaries off."""
    managers = Membership.objects.filter(role=Membership.Role.SERVICE_MANAGER).values("user_id")
    people = list(
        get_user_model()
        .objects.filter(pk__in=managers, is_active=True)
        .exclude(email="")
        .order_by("email")
    )
    off = preferences.turned_off(people, Kind.SUMMARY)
    return [person for person in people if person.pk not in off]


def send_due(now=None) -> dict:
    """Send this week's summaries if they are due and not sent yet. Returns what it did.

    Each person's summary is claimed (a committed row, unique per person and week) before
    it is sent, so nobody gets two; a failed send gives the claim back, and the week
    stays open for the next check to try again.
    """
    now = now or timezone.now()
    week = due_week(now)
    if week is None:
        return {"week": None, "sent": 0}
    run, _ = SummaryWeek.objects.get_or_create(week=week, defaults={"started_at": now})
    if run.finished_at is not None:
        return {"week": week.isoformat(), "sent": 0, "finished": True}
    stale_by_group: dict[int, list[dict]] = {}
    for data_set, fresh in stale_data_sets(now):
        stale_by_group.setdefault(data_set.data_group_id, []).append(
            {
                "name": data_set.name,
                "last_updated": words.when(fresh.last_updated),
                "out_of_date_for": words.how_long(fresh.seconds_out_of_date),
                "never_written": fresh.last_updated is None,
                "url": mail.absolute_url(reverse("manage:data-set", args=[data_set.name])),
            }
        )
    sent, failed = 0, 0
    for person in recipients():
        orgs = Membership.objects.filter(user=person, role=Membership.Role.SERVICE_MANAGER).values(
            "organisation_id"
        )
        dashboards = list(
            Dashboard.objects.filter(organisation_id__in=orgs)
            .select_related("kpi_group")
            .order_by("title")
        )
        if not dashboards:
            continue
        try:
            with transaction.atomic():
                claim = SummarySent.objects.create(
                    user=person, week=week, sent_at=now, dashboards=len(dashboards)
                )
        except IntegrityError:
            continue  # sent already this week (before a restart, or by another worker)
        context = {
            "person": person,
            "week_of": f"{week.day} {week:%B %Y}",
            "dashboards": [dashboard_summary(d, stale_by_group, now=now) for d in dashboards],
            "unsubscribe_url": preferences.unsubscribe_url(person, Kind.SUMMARY),
            "preferences_url": mail.absolute_url(reverse("alerts:preferences")),
        }
        subject = f"Your dashboards this week: summary for the week of {context['week_of']}"
        try:
            sent += mail.send([person.email], subject, "alerts/email/summary.txt", context)
        except Exception:
            logger.exception("could not send %s their weekly summary", person.email)
            claim.delete()
            failed += 1
    if not failed:
        SummaryWeek.objects.filter(pk=run.pk).update(finished_at=now)
    return {"week": week.isoformat(), "sent": sent, "failed": failed}
