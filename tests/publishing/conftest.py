"""Fixtures for the publishing tests: an organisation with one person in each role, a
dashboard with modules over a real data set, and ways to move it along."""

import pytest
from django.core.cache import cache
from django.utils import timezone

from performance_platform.accounts.models import Membership
from performance_platform.dashboards.models import Dashboard, Module, Organisation
from performance_platform.datastore import storage
from performance_platform.datastore.validation import prepare_records

Role = Membership.Role


@pytest.fixture(autouse=True)
def _site_settings(settings):
    settings.ALLOWED_HOSTS = ["testserver", "localhost"]
    # No collectstatic in tests: plain storage gives every static file its unhashed URL.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    settings.SITE_URL = "https://performance.example"
    # Six people per test: a fast hash (the real one, argon2, is tested with signing in).
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _fresh_page_cache():
    """Rendered pages are cached; every test starts (and leaves) with none."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def org(db):
    department = Organisation.objects.create(
        slug="home-office", name="Home Office", type="department"
    )
    return Organisation.objects.create(
        slug="hm-passport-office", name="HM Passport Office", type="agency", parent=department
    )


@pytest.fixture
def other_org(db):
    return Organisation.objects.create(
        slug="other-dept", name="Other Department", type="department"
    )


@pytest.fixture
def people(make_user, org, other_org):
    """One user per role: ``admin``, ``manager``, ``signer``, ``uploader`` of ``org``; a
    ``stranger`` (manager and signer-off of another organisation); ``nobody`` (no role)."""
    return {
        "admin": make_user(email="admin@example.gov.uk", roles=[(Role.PLATFORM_ADMIN, None)]),
        "manager": make_user(
            email="manager@example.gov.uk", name="Mona Manager", roles=[(Role.SERVICE_MANAGER, org)]
        ),
        "signer": make_user(email="signer@example.gov.uk", roles=[(Role.SIGNER_OFF, org)]),
        "uploader": make_user(email="uploader@example.gov.uk", roles=[(Role.DATA_UPLOADER, org)]),
        "stranger": make_user(
            email="stranger@example.gov.uk",
            roles=[(Role.SERVICE_MANAGER, other_org), (Role.SIGNER_OFF, other_org)],
        ),
        "nobody": make_user(email="nobody@example.gov.uk"),
    }


@pytest.fixture
def board(make_data_set, org):
    """A draft service dashboard of ``org``: a chart, and a section holding a table."""
    data_set, _ = make_data_set("renew-passport", "by-channel", token=None)
    now = timezone.now()
    records = [
        {"_timestamp": (now - timezone.timedelta(weeks=w)).isoformat(), "channel": c, "count": n}
        for w in range(1, 5)
        for c, n in (("digital", 10 * w), ("paper", w))
    ]
    prepared, errors = prepare_records(records, schema=None, auto_ids=None, now=now)
    assert errors == []
    storage.store_records(data_set, prepared, now=now)
    dashboard = Dashboard.objects.create(
        slug="renew-passport",
        title="Renew a passport",
        dashboard_type="transaction",
        organisation=org,
        status=Dashboard.Status.DRAFT,
        links=[
            {
                "title": "Renew",
                "url": "https://www.gov.uk/renew-adult-passport",
                "type": "transaction",
            }
        ],
    )
    source = {"data_group": data_set.data_group, "data_type": data_set.data_type}
    Module.objects.create(
        dashboard=dashboard,
        slug="by-channel",
        type="grouped_timeseries",
        title="By channel",
        query={"period": "week", "duration": 4, "group_by": "channel", "collect": ["count:sum"]},
        options={"category": "channel", "value-attribute": "count:sum", "axis-period": "week"},
        order=1,
        **source,
    )
    section = Module.objects.create(
        dashboard=dashboard, slug="more", type="section", title="More", order=2
    )
    Module.objects.create(
        dashboard=dashboard,
        parent=section,
        slug="channel-table",
        type="table",
        title="Channels",
        query={"group_by": "channel", "collect": ["count:sum"]},
        options={"sort-by": "count:sum", "sort-order": "descending"},
        order=1,
        **source,
    )
    return dashboard


def set_status(dashboard, status, **fields):
    """Put ``dashboard`` in ``status`` directly (setting up a test, not a move)."""
    for name, value in {"status": status, **fields}.items():
        setattr(dashboard, name, value)
    dashboard.save()
    return dashboard
