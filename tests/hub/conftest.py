"""Fixtures for the manager's hub: two organisations, a dashboard with a data set in each,
and people in every role."""

import pytest

from performance_platform.accounts.models import (
    AuditEvent,
    DataSetAccess,
    Membership,
    User,
)
from performance_platform.dashboards.models import Annotation, Dashboard, Module, Organisation
from performance_platform.datastore.models import DataGroup, DataType, WriteToken

# The browser tests' fixtures, for test_browser.py: the demo on a real server, chromium.
from tests.browser.conftest import (  # noqa: F401
    browser,
    chromium_path,
    js,
    server_env,
    site,
    test_database,
)

Role = Membership.Role
TOKEN = "hub-test-token-0123456789abcdef"


@pytest.fixture(autouse=True)
def _test_settings(settings):
    settings.ALLOWED_HOSTS = ["*"]
    # Pages are rendered without running collectstatic, so no manifest exists.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture
def org(db):
    return Organisation.objects.create(slug="home-office", name="Home Office", type="department")


@pytest.fixture
def other_org(db):
    return Organisation.objects.create(
        slug="other-dept", name="Other Department", type="department"
    )


@pytest.fixture
def data_set(make_data_set):
    """The dashboard's transactions data set, with a write token."""
    data_set, _ = make_data_set(
        group="renew-passport",
        data_type="transactions-by-channel",
        token=TOKEN,
        max_age_expected=14 * 86400,
    )
    return data_set


@pytest.fixture
def dashboard(org, data_set):
    """A draft dashboard of ``org`` that reads ``data_set`` through its KPI group and a module."""
    dash = Dashboard.objects.create(
        slug="renew-passport",
        title="Renew a passport",
        organisation=org,
        kpi_group=data_set.data_group,
        links=[{"title": "Renew", "url": "https://www.gov.uk/renew", "type": "transaction"}],
    )
    Module.objects.create(
        dashboard=dash,
        slug="volumes",
        type="single_timeseries",
        title="Volumes",
        order=0,
        data_group=data_set.data_group,
        data_type=data_set.data_type,
        query={"period": "week", "collect": ["count:sum"], "duration": 12},
        options={"value-attribute": "count:sum"},
    )
    return dash


@pytest.fixture
def other_dashboard(other_org, make_data_set):
    """A dashboard of another organisation, with its own data set."""
    other_set, _ = make_data_set(
        group="other-service", data_type="journey", token="other-0123456789"
    )
    dash = Dashboard.objects.create(
        slug="other-service",
        title="Other service",
        organisation=other_org,
        kpi_group=other_set.data_group,
    )
    return dash


@pytest.fixture
def manager(make_user, org, dashboard):
    return make_user(email="manager@example.gov.uk", roles=[(Role.SERVICE_MANAGER, org)])


@pytest.fixture
def outsider(make_user, other_org, other_dashboard):
    """A service manager of ANOTHER organisation."""
    return make_user(email="outsider@example.gov.uk", roles=[(Role.SERVICE_MANAGER, other_org)])


@pytest.fixture
def uploader(make_user, org, data_set):
    return make_user(
        email="uploader@example.gov.uk",
        roles=[(Role.DATA_UPLOADER, org)],
        data_sets=[data_set],
    )


@pytest.fixture
def signer_off(make_user, org, dashboard):
    return make_user(email="signer@example.gov.uk", roles=[(Role.SIGNER_OFF, org)])


@pytest.fixture
def platform_admin(make_user):
    return make_user(email="admin@example.gov.uk", roles=[(Role.PLATFORM_ADMIN, None)])


def state() -> dict:
    """Everything a hub change could touch, to compare before and after a refused one."""
    return {
        "dashboards": list(
            Dashboard.objects.order_by("pk").values(
                "slug",
                "title",
                "description",
                "costs",
                "links",
                "customer_type",
                "business_model",
                "status",
            )
        ),
        "modules": list(Module.objects.order_by("pk").values("pk", "slug", "order", "options")),
        "annotations": list(Annotation.objects.order_by("pk").values()),
        "tokens": list(WriteToken.objects.order_by("pk").values("pk", "label", "revoked_at")),
        "access": list(DataSetAccess.objects.order_by("pk").values("user_id", "data_set_id")),
        "users": list(User.objects.order_by("pk").values_list("email", flat=True)),
        "memberships": Membership.objects.count(),
        "groups": DataGroup.objects.count(),
        "types": DataType.objects.count(),
        "audit": AuditEvent.objects.count(),
    }
