"""Fixtures for tests that talk to real ``performance-platform serve`` processes."""

import pytest

from tests.conftest import start_server

# The token of the example requests in the original platform's write API documentation.
DOC_TOKEN = "abcdefghijklmnopqrstuvwxyz0123456789abcdefghijklmnopqrstuvwxyz01"


@pytest.fixture(scope="module")
def capped_server(django_db_setup, django_db_blocker):
    """A server of its own that accepts request bodies of at most 100,000 bytes."""
    server = start_server(extra_env={"WRITE_MAX_BODY_BYTES": "100000"})
    yield server
    server.stop()
