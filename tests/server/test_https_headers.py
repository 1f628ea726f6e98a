"""HSTS and X-Forwarded-Proto, as the environment configures them, on real servers.

``Strict-Transport-Security`` goes out only when ``SERVED_OVER_HTTPS`` says the site is
served over HTTPS, and only on requests that came over HTTPS. Behind a proxy, Django
knows that from ``X-Forwarded-Proto``, which it trusts only with ``BEHIND_HTTPS_PROXY``:
otherwise any client could claim HTTPS.
"""

import pytest
import requests

from tests.conftest import start_server

pytestmark = [pytest.mark.server, pytest.mark.django_db(transaction=True)]

HTTPS = {"X-Forwarded-Proto": "https"}


@pytest.fixture(scope="module")
def https_server(django_db_setup, django_db_blocker):
    server = start_server(
        extra_env={"SERVED_OVER_HTTPS": "true", "BEHIND_HTTPS_PROXY": "true"}, workers=1
    )
    yield server
    server.stop()


@pytest.fixture(scope="module")
def https_server_not_behind_proxy(django_db_setup, django_db_blocker):
    server = start_server(extra_env={"SERVED_OVER_HTTPS": "true"}, workers=1)
    yield server
    server.stop()


@pytest.mark.parametrize("path", ["/performance", "/_status", "/data/no/such"])
def test_hsts_over_https_behind_a_trusted_proxy(https_server, path):
    response = requests.get(f"{https_server.url}{path}", headers=HTTPS, timeout=30)
    assert response.status_code in (200, 404)
    assert response.headers["Strict-Transport-Security"] == "max-age=31536000"
    assert "Content-Security-Policy" in response.headers


def test_no_hsts_on_plain_http(https_server):
    response = requests.get(f"{https_server.url}/performance", timeout=30)
    assert response.status_code == 200
    assert "Strict-Transport-Security" not in response.headers


def test_forwarded_proto_is_ignored_unless_the_proxy_is_trusted(https_server_not_behind_proxy):
    response = requests.get(
        f"{https_server_not_behind_proxy.url}/performance", headers=HTTPS, timeout=30
    )
    assert response.status_code == 200
    assert "Strict-Transport-Security" not in response.headers


def test_no_hsts_unless_configured(live_server_process):
    response = requests.get(f"{live_server_process.url}/performance", headers=HTTPS, timeout=30)
    assert response.status_code == 200
    assert "Strict-Transport-Security" not in response.headers
