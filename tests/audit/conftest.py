"""Fixtures for the audit trail's tests: an organisation and people in each role."""

import pytest

from performance_platform.accounts.models import Membership
from performance_platform.dashboards.models import Organisation

Role = Membership.Role


@pytest.fixture
def org(db):
    return Organisation.objects.create(slug="hmrc", name="HM Revenue & Customs", type="department")


@pytest.fixture
def admin_user(make_user):
    return make_user(email="admin@example.gov.uk", roles=[(Role.PLATFORM_ADMIN, None)])


@pytest.fixture
def admin_client(client, admin_user):
    client.force_login(admin_user)
    return client
