"""Fixtures for the audit trail's tests: an organisation and people in each role."""

import pytest

from performance_platform.accounts.models import AuditEvent, Membership
from performance_platform.dashboards.models import Organisation

Role = Membership.Role


@pytest.fixture
def org(db):
    return Organisation.objects.create(slug="hmrc", name="HM Revenue & Customs", type="department")


@pytest.fixture
def platform_admin(make_user):
    return make_user(email="admin@example.gov.uk", roles=[(Role.PLATFORM_ADMIN, None)])


@pytest.fixture
def platform_client(client, platform_admin):
    client.force_login(platform_admin)
    # Signing in is audited too (a `sign_in` row); the tests start from an empty trail so
    # each can say exactly which rows it expects.
    AuditEvent.objects.all().delete()
    return client
