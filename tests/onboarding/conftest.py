"""Fixtures for getting a dashboard: good answers for every page, and a way to give them."""

import re

import pytest

from performance_platform.accounts.models import Membership
from performance_platform.dashboards.models import Organisation

BASE = "/performance/get-a-dashboard/request"


@pytest.fixture
def organisation(db):
    return Organisation.objects.create(
        slug="department-for-tests", name="Department for Tests", type="department"
    )


@pytest.fixture
def pages(organisation):
    """Good answers for every page, in order: ``[(step slug, POST data)]``."""
    return [
        (
            "contact",
            {
                "contact_name": "Sam Manager",
                "contact_email": "sam.manager@Tests.GOV.UK",
                "contact_phone": "020 7946 0000",
            },
        ),
        (
            "service",
            {
                "service_name": "Register a test",
                "service_description": "Lets people register a test.\nOnline.",
                "intended_users": "Anyone who needs a test registered",
            },
        ),
        ("organisation", {"organisation": str(organisation.pk), "new_organisation_name": ""}),
        ("start-page", {"start_page_url": "https://www.gov.uk/register-a-test"}),
        ("digital-take-up", {"digital_takeup_source": "api"}),
        ("cost-per-transaction", {"cost_source": "spreadsheet"}),
        ("user-satisfaction", {"satisfaction_source": "done_page", "satisfaction_other": ""}),
        (
            "completion-rate",
            {
                "completion_source": "analytics",
                "analytics_provider": "ga4",
                "analytics_provider_other": "",
                "analytics_property_id": "123456789",
            },
        ),
        ("how-often", {"cadence": "monthly"}),
        (
            "uploaders",
            {
                "name_1": "Una Uploader",
                "email_1": "una@tests.gov.uk",
                "name_2": "Ola Other",
                "email_2": "ola@tests.gov.uk",
                "name_3": "",
                "email_3": "",
            },
        ),
    ]


@pytest.fixture
def answer(client):
    """Post every page's answers (``overrides``: {step: data} replaces a page's)."""

    def give(pages, overrides=None, client=client):
        for slug, data in pages:
            data = (overrides or {}).get(slug, data)
            response = client.post(f"{BASE}/{slug}", data)
            assert response.status_code == 302, (slug, response.content.decode()[:3000])
        return client

    return give


@pytest.fixture
def platform_admin(make_user):
    return make_user(
        email="admin@platform.gov.uk",
        name="Ada Admin",
        roles=[(Membership.Role.PLATFORM_ADMIN, None)],
    )


def error_summary(html: str) -> list[tuple[str, str]]:
    """The error summary's links: ``[(href, text)]``."""
    match = re.search(r'<div class="govuk-error-summary".*?</ul>', html, re.S)
    if not match:
        return []
    return [
        (href, re.sub(r"\s+", " ", text).strip())
        for href, text in re.findall(r'<a href="([^"]+)">(.*?)</a>', match.group(0), re.S)
    ]


def h1_count(html: str) -> int:
    return len(re.findall(r"<h1[\s>]", html))
