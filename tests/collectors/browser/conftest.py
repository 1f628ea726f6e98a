"""The browser tests' fixtures (``tests/browser/conftest.py``) for the collectors' pages:
the demo on a real server, and chromium."""

from tests.browser.conftest import (  # noqa: F401
    browser,
    chromium_path,
    js,
    server_env,
    site,
    test_database,
)
