"""Fixtures for the sign-in pages: pages render without collectstatic, any host is fine."""

import pytest

PASSWORD = "correct horse battery"


@pytest.fixture(autouse=True)
def _page_settings(settings):
    from django.core.cache import cache

    # Rate-limit counts live in the cache: each test starts with none.
    cache.clear()
    settings.ALLOWED_HOSTS = ["*"]
    # Pages are rendered without running collectstatic, so no manifest exists.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture
def person(make_user):
    """An active person with a password and no roles."""
    return make_user(email="jo.bloggs@example.gov.uk", password=PASSWORD, name="Jo Bloggs")


def audit_actions(**filters) -> list[str]:
    """The audit trail's actions, oldest first."""
    from performance_platform.accounts.models import AuditEvent

    return list(
        AuditEvent.objects.filter(**filters).order_by("at", "pk").values_list("action", flat=True)
    )
