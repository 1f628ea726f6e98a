"""Fixtures for the write API tests."""

import pytest


@pytest.fixture(autouse=True)
def _any_host(settings):
    # The Django test client uses the host "testserver".
    settings.ALLOWED_HOSTS = ["*"]


@pytest.fixture
def data_set(make_data_set):
    """The data set ``test-group/test-type`` (name ``test_group_test_type``) with TOKEN."""
    ds, _ = make_data_set()
    return ds
