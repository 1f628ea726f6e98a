"""Fixtures for the read API tests: any host, and an empty cache for every test."""

import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def _any_host(settings):
    # The Django test client uses the host "testserver".
    settings.ALLOWED_HOSTS = ["*"]


@pytest.fixture(autouse=True)
def _empty_cache():
    # Read responses are cached by data set version + query; tests must not share them.
    cache.clear()
    yield
    cache.clear()
