"""Fixtures for the public site's tests."""

import pytest


@pytest.fixture(autouse=True)
def _site_settings(settings):
    settings.ALLOWED_HOSTS = ["testserver", "localhost"]
    # Pages are rendered without running collectstatic, so no manifest exists: use the plain
    # storage, which gives every static file its unhashed URL.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
