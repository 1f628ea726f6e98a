"""Fixtures for the alerts tests: a weekly data set read by a dashboard, its owners (a
service manager and an uploader), someone who is neither, a way to write to the data set
through the real write path, and a clock the tests move (time-machine)."""

from datetime import UTC, datetime

import pytest
import time_machine

from performance_platform.accounts.models import Membership
from performance_platform.dashboards.models import Dashboard, Organisation
from performance_platform.datastore.models import DataGroup, DataSet, DataType
from performance_platform.datastore.storage import store_records
from performance_platform.datastore.validation import prepare_records

Role = Membership.Role

#: A Wednesday morning. The data set below was last written a week before.
ALERT_NOW = datetime(2026, 11, 18, 9, 0, tzinfo=UTC)
#: Expected every 7.5 days: the original's "week" row (reminders every day).
WEEKLY = 648_000


@pytest.fixture
def clock():
    """The clock, stopped at ALERT_NOW; tests move it with ``clock.move_to`` or ``shift``."""
    with time_machine.travel(ALERT_NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def org(db):
    return Organisation.objects.create(slug="dvla", name="DVLA", type="agency")


@pytest.fixture
def data_set(db):
    group = DataGroup.objects.create(name="vehicle-tax")
    kind = DataType.objects.create(name="transactions-by-channel")
    return DataSet.objects.create(data_group=group, data_type=kind, max_age_expected=WEEKLY)


@pytest.fixture
def dashboard(org, data_set):
    return Dashboard.objects.create(
        slug="vehicle-tax",
        title="Vehicle tax",
        organisation=org,
        kpi_group=data_set.data_group,
        status=Dashboard.Status.PUBLISHED,
    )


@pytest.fixture
def manager(make_user, org, dashboard):
    return make_user(email="manager@example.gov.uk", roles=[(Role.SERVICE_MANAGER, org)])


@pytest.fixture
def uploader(make_user, org, data_set, dashboard):
    return make_user(
        email="uploader@example.gov.uk", roles=[(Role.DATA_UPLOADER, org)], data_sets=[data_set]
    )


@pytest.fixture
def stranger(make_user, db):
    other = Organisation.objects.create(slug="hmrc", name="HMRC", type="department")
    return make_user(email="stranger@example.gov.uk", roles=[(Role.SERVICE_MANAGER, other)])


@pytest.fixture
def admin(make_user, db):
    return make_user(email="admin@example.gov.uk", roles=[(Role.PLATFORM_ADMIN, None)])


def write(data_set, now, count=1):
    """Send one record to ``data_set`` at ``now`` through the real validation and storage."""
    records, errors = prepare_records(
        [{"_timestamp": now.isoformat(), "channel": "online", "count": count}],
        schema=data_set.schema,
        auto_ids=data_set.auto_ids or None,
        now=now,
    )
    assert errors == []
    store_records(data_set, records, now=now)
    data_set.refresh_from_db()
