"""Fixtures for the collector tests: a service's journey data set (the completion rate's
input, with its KPI transform), its owners, a collector maker, and a fixed clock.

Providers are faked as local HTTP servers (``tests/fakehttp.py``) speaking their real wire
format; each test file starts its own. Retries wait milliseconds, not seconds, unless a
test asks for the real ``Retry-After``.
"""

from datetime import UTC, datetime

import pytest
import time_machine

from performance_platform.accounts.models import Membership
from performance_platform.collectors import credentials
from performance_platform.collectors.models import Collector
from performance_platform.dashboards.models import Dashboard, Organisation
from performance_platform.datastore.models import DataGroup, DataSet, DataType, Record
from performance_platform.kpis import standard

Role = Membership.Role

#: The collector tests' "now": a Wednesday, so weeks and months have a clear "last".
COLLECT_NOW = datetime(2026, 11, 18, 10, 30, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _clock():
    """The clock starts at COLLECT_NOW and runs on."""
    with time_machine.travel(COLLECT_NOW, tick=True):
        yield


@pytest.fixture(autouse=True)
def _fast_retries(settings):
    settings.COLLECTOR_RETRY_DELAY = 0.01
    settings.COLLECTOR_RETRY_MAX_DELAY = 5.0
    settings.COLLECTOR_TIMEOUT = 2.0
    settings.ALLOWED_HOSTS = ["*"]


@pytest.fixture
def org(db):
    return Organisation.objects.create(slug="dvla", name="DVLA", type="agency")


@pytest.fixture
def journey(db):
    """A weekly journey data set (stage, count), with the completion-rate transform."""
    group = DataGroup.objects.create(name="tax-disc")
    ds = standard.new_data_set(group, "journey", "weekly")
    for entry in standard.transforms_for_group("tax-disc", {"journey"}, cadence="weekly"):
        standard.make_transform(entry)
    return ds


@pytest.fixture
def plain_data_set(db):
    """A data set with no schema and no auto ids: records keep the collector's fields."""
    group = DataGroup.objects.create(name="tax-disc-web")
    kind = DataType.objects.create(name="visits")
    return DataSet.objects.create(data_group=group, data_type=kind)


@pytest.fixture
def realtime_data_set(db):
    group, _ = DataGroup.objects.get_or_create(name="tax-disc")
    kind = DataType.objects.create(name="realtime")
    return DataSet.objects.create(data_group=group, data_type=kind)


@pytest.fixture
def dashboard(org, journey):
    return Dashboard.objects.create(
        slug="tax-disc", title="Tax disc", organisation=org, kpi_group=journey.data_group
    )


@pytest.fixture
def manager(make_user, org, dashboard):
    return make_user(email="manager@example.gov.uk", roles=[(Role.SERVICE_MANAGER, org)])


@pytest.fixture
def uploader(make_user, org, journey, dashboard):
    return make_user(
        email="uploader@example.gov.uk", roles=[(Role.DATA_UPLOADER, org)], data_sets=[journey]
    )


@pytest.fixture
def make_collector(db):
    """``make_collector(data_set, provider, endpoint, secrets=..., query=..., **fields)``:
    a collector with its credentials encrypted as the admin saves them."""

    def make(data_set, provider, endpoint="", *, secrets=None, name=None, **fields):
        return Collector.objects.create(
            name=name or f"{data_set.data_group.name}-{provider}",
            data_set=data_set,
            provider=provider,
            endpoint=endpoint,
            credentials=credentials.encrypt(secrets or {}),
            **fields,
        )

    return make


def records_of(data_set) -> list[dict]:
    """The stored records of ``data_set``, by timestamp then id, as the API returns them."""
    rows = Record.objects.filter(data_set=data_set).order_by("timestamp", "record_id")
    return [r.data for r in rows]
