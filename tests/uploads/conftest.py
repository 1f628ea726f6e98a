"""Fixtures for the upload tests: a service's transactions data set with its KPI
transforms (as approval makes them), and people in each role."""

import pytest
import time_machine

from performance_platform.accounts.models import Membership
from performance_platform.dashboards.models import Dashboard, Organisation
from performance_platform.datastore.models import DataGroup
from performance_platform.kpis import standard
from tests.conftest import FROZEN_NOW

Role = Membership.Role


@pytest.fixture(autouse=True)
def _clock():
    """The clock starts at FROZEN_NOW (and runs on), so "the periods that are due" and the
    KPIs' periods do not depend on when the tests run."""
    with time_machine.travel(FROZEN_NOW, tick=True):
        yield


@pytest.fixture(autouse=True)
def _test_settings(settings):
    settings.ALLOWED_HOSTS = ["*"]
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture
def org(db):
    return Organisation.objects.create(slug="dvla", name="DVLA", type="agency")


@pytest.fixture
def data_set(db):
    """A monthly transactions-by-channel data set, with the take-up KPI transform."""
    group = DataGroup.objects.create(name="tax-disc")
    ds = standard.new_data_set(group, "transactions-by-channel", "monthly")
    for entry in standard.transforms_for_group(
        "tax-disc", {"transactions-by-channel"}, cadence="monthly"
    ):
        standard.make_transform(entry)
    return ds


@pytest.fixture
def dashboard(org, data_set):
    return Dashboard.objects.create(
        slug="tax-disc", title="Tax disc", organisation=org, kpi_group=data_set.data_group
    )


@pytest.fixture
def other_data_set(db):
    group = DataGroup.objects.create(name="other-service")
    return standard.new_data_set(group, "transactions-by-channel", "monthly")


@pytest.fixture
def uploader(make_user, org, data_set, dashboard):
    return make_user(
        email="uploader@example.gov.uk", roles=[(Role.DATA_UPLOADER, org)], data_sets=[data_set]
    )


@pytest.fixture
def manager(make_user, org, dashboard):
    return make_user(email="manager@example.gov.uk", roles=[(Role.SERVICE_MANAGER, org)])


#: Every column of a stored record, so a comparison can be column for column.
RECORD_COLUMNS = (
    "record_id",
    "timestamp",
    "hour_start",
    "day_start",
    "week_start",
    "month_start",
    "quarter_start",
    "year_start",
    "updated_at",
    "data",
)


def stored_rows(**where) -> list[tuple]:
    """The stored records matching ``where`` (Record filters), column for column."""
    from performance_platform.datastore.models import Record

    rows = Record.objects.filter(**where).order_by("data_set_id", "record_id")
    return list(rows.values_list("data_set_id", *RECORD_COLUMNS))


def csv_file(*rows: str) -> bytes:
    """A CSV file's bytes from its lines."""
    return ("\n".join(rows) + "\n").encode("utf-8")


HEADER = "_timestamp,period,channel,count"


def month_rows(month: str, digital: int, paper: int) -> list[str]:
    """Two rows (digital and paper) for one month, e.g. month="2025-03"."""
    return [
        f"{month}-01T00:00:00+00:00,month,digital,{digital}",
        f"{month}-01T00:00:00+00:00,month,paper_form,{paper}",
    ]
