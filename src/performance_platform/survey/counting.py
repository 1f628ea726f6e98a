"""Which dashboards have a done page, and counting each answer into their ratings data set.

A dashboard has a done page when it reads a ``customer-satisfaction`` data set (the one
the user-satisfaction KPI module makes) and it has not been unpublished:

* published dashboards, and those not yet published (draft, unlisted, in review): a
  service links to its done page before its dashboard goes public, and the answers it
  gathers then are its first figures;
* not an unpublished one: the service has gone, so its survey stops taking answers.

A dashboard without such a data set has no done page (404) rather than one being made
for it by an anonymous visitor: a manager adds the user satisfaction module in the hub,
which makes the data set and its transforms, and the done page follows.

Counting: each answer adds one to ``rating_<n>`` of the data set's record for that UTC
day (``period`` "day"), stored through :mod:`performance_platform.datastore.storage`, so
rollups, the version and the KPI transforms follow as for any write. The user
satisfaction transform sums those days into its month (or quarter, for a quarterly
service), whatever the data set's cadence; days are UTC so each falls inside one month.
The record's ``_id`` is fixed per day, so a day's count is upserted, and counting happens
under the data set's row lock (SQLite: its database write lock), so two answers at once
both count.
"""

import base64
from datetime import UTC, datetime

from django.db import transaction
from django.db.models import Case, IntegerField, Value, When
from django.utils import timezone

from performance_platform.dashboards.hub import data_sets_of
from performance_platform.dashboards.models import Dashboard
from performance_platform.datastore import storage
from performance_platform.datastore.models import DataSet
from performance_platform.datastore.validation import prepare_records

from .models import SurveyResponse
from .scrubbing import scrub

DATA_TYPE = "customer-satisfaction"
#: Marks the records the done page counts (the service's own uploads have none).
SOURCE = "done-page"


def has_done_page(dashboard: Dashboard) -> bool:
    """Whether ``dashboard``'s survey takes answers (not unpublished; see the module)."""
    if dashboard.is_published:
        return True
    return dashboard.unpublished_at is None


def ratings_data_set(dashboard: Dashboard) -> DataSet | None:
    """The ``customer-satisfaction`` data set the dashboard reads (its KPI group's first),
    or None."""
    found = data_sets_of(dashboard).filter(data_type__name=DATA_TYPE)
    if dashboard.kpi_group_id:
        found = found.annotate(
            own=Case(
                When(data_group_id=dashboard.kpi_group_id, then=Value(0)),
                default=Value(1),
                output_field=IntegerField(),
            )
        ).order_by("own", "pk")
    else:
        found = found.order_by("pk")
    return found.first()


def done_page_data_set(slug: str) -> tuple[Dashboard, DataSet] | None:
    """The dashboard ``slug`` and its ratings data set, if it has a done page."""
    dashboard = Dashboard.objects.filter(slug=slug).first()
    if dashboard is None or not has_done_page(dashboard):
        return None
    data_set = ratings_data_set(dashboard)
    if data_set is None:
        return None
    return dashboard, data_set


def day_of(moment: datetime) -> datetime:
    """The start (UTC midnight) of the UTC day holding ``moment``."""
    return moment.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)


def day_record_id(day: datetime) -> str:
    """The fixed ``_id`` of the done page's record for ``day``: the same all day long."""
    human = f"{SOURCE}.{day.date().isoformat()}"
    return base64.urlsafe_b64encode(human.encode("ascii")).decode("ascii")


class NotCounted(Exception):
    """The data set refused the day's record (its schema was changed to one the done
    page's records do not meet): nothing was stored."""


def record_answer(
    dashboard: Dashboard, data_set: DataSet, rating: int, comment: str, *, now=None
) -> SurveyResponse:
    """Keep one answer and count it into the data set's record of the day, together or
    not at all. ``comment`` has its personal data removed before it is stored."""
    if rating not in range(1, 6):
        raise ValueError(f"rating must be 1 to 5, not {rating!r}")
    now = now or timezone.now()
    day = day_of(now)
    record_id = day_record_id(day)
    with transaction.atomic():
        # The row lock: a second answer waits here until the first has stored its count,
        # then reads that count (PostgreSQL; SQLite's IMMEDIATE transactions already hold
        # the write lock from BEGIN).
        locked = DataSet.objects.select_for_update().filter(pk=data_set.pk).first()
        if locked is None:
            raise NotCounted("the data set has gone")
        response = SurveyResponse.objects.create(
            dashboard=dashboard, rating=rating, comment=scrub(comment.strip()), created_at=now
        )
        stored = storage.get_record(locked, record_id) or {}
        counts = {f"rating_{k}": _count(stored.get(f"rating_{k}")) for k in range(1, 6)}
        counts[f"rating_{rating}"] += 1
        record = {
            "_id": record_id,
            "_timestamp": day.isoformat(),
            "period": "day",
            **counts,
            "total": sum(counts.values()),
            "source": SOURCE,
        }
        prepared, errors = prepare_records([record], schema=locked.schema, auto_ids=None, now=now)
        if errors:
            raise NotCounted("; ".join(errors))
        storage.store_records(locked, prepared, now=now, source=SOURCE)
    return response


def _count(value) -> int:
    # A stored count that is not a whole number (someone overwrote the record through
    # the API) starts again from what can be read of it.
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        return 0
    return int(value)
