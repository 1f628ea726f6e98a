"""Fixtures for the done-page survey: a published service dashboard with a monthly
``customer-satisfaction`` data set and its KPI transforms (as approval makes them), the
people around it, and a fixed clock."""

import pytest
import time_machine
from django.core.cache import cache

from performance_platform.accounts.models import Membership
from performance_platform.dashboards.models import Dashboard, Organisation
from performance_platform.datastore.models import DataGroup, Record
from performance_platform.kpis import standard
from tests.conftest import FROZEN_NOW

Role = Membership.Role
SLUG = "renew-passport"
DONE = f"/performance/{SLUG}/done"
THANKS = f"{DONE}/thank-you"
COMMENTS = f"/manage/dashboards/{SLUG}/comments"


@pytest.fixture(autouse=True)
def _clock():
    """The clock starts at FROZEN_NOW (a Wednesday, 15:42 UTC) and runs on."""
    with time_machine.travel(FROZEN_NOW, tick=True):
        yield


@pytest.fixture(autouse=True)
def _test_settings(settings):
    settings.ALLOWED_HOSTS = ["*"]
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    # The rate limit counts in the cache: each test starts with none counted.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def org(db):
    return Organisation.objects.create(slug="home-office", name="Home Office", type="department")


def make_service(slug: str, org, *, cadence: str = "monthly", status="published", ratings=True):
    """A service dashboard whose KPI group has a ratings data set (unless ``ratings`` is
    False) and the group's KPI transforms for it."""
    group = DataGroup.objects.create(name=slug)
    data_set = None
    if ratings:
        data_set = standard.new_data_set(group, "customer-satisfaction", cadence)
        for entry in standard.transforms_for_group(
            slug, {"customer-satisfaction"}, cadence=cadence
        ):
            standard.make_transform(entry)
    dashboard = Dashboard.objects.create(
        slug=slug, title="Renew a passport", organisation=org, kpi_group=group, status=status
    )
    return dashboard, data_set


@pytest.fixture
def service(org):
    """``(dashboard, ratings data set)``: published, monthly."""
    return make_service(SLUG, org)


@pytest.fixture
def dashboard(service):
    return service[0]


@pytest.fixture
def ratings(service):
    return service[1]


@pytest.fixture
def manager(make_user, org, service):
    return make_user(email="manager@example.gov.uk", roles=[(Role.SERVICE_MANAGER, org)])


@pytest.fixture
def signer_off(make_user, org, service):
    return make_user(email="signer@example.gov.uk", roles=[(Role.SIGNER_OFF, org)])


@pytest.fixture
def outsider(make_user, db):
    other = Organisation.objects.create(slug="other", name="Other", type="department")
    return make_user(email="outsider@example.gov.uk", roles=[(Role.SERVICE_MANAGER, other)])


@pytest.fixture
def platform_admin(make_user, db):
    return make_user(email="admin@example.gov.uk", roles=[(Role.PLATFORM_ADMIN, None)])


def stored(data_set) -> list[dict]:
    """The data set's records, oldest first."""
    rows = Record.objects.filter(data_set=data_set).order_by("timestamp", "record_id")
    return [row.data for row in rows]


def answer(client, rating="5", comment="", **extra):
    """POST an answer through the page, as a browser would (CSRF checks on)."""
    page = client.get(DONE)
    assert page.status_code == 200
    token = page.cookies["csrftoken"].value if "csrftoken" in page.cookies else None
    token = token or client.cookies["csrftoken"].value
    data = {"rating": rating, "comment": comment, "website": "", "csrfmiddlewaretoken": token}
    data.update(extra)
    return client.post(DONE, data)
