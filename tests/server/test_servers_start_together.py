"""Servers started at the same moment on one machine all come up, with their static files.

Each ``serve`` used to collect static files into the same folder as it started, and two
starting together could crash (FileNotFoundError in ``collectstatic``, in 2 of 4 tries).
Now the files are built once (``make install``), and ``serve`` builds them only when they
are missing or when asked, under a lock. Here three servers share a fresh ``PP_VAR_DIR``
with no static files and no secret key yet: two build the files if missing, one insists
on building them; all must answer and serve the same stylesheet.
"""

import json

import pytest
import requests

from tests.conftest import launch_server, wait_until_up

pytestmark = [pytest.mark.server, pytest.mark.django_db(transaction=True)]


def test_servers_started_together_all_answer(tmp_path):
    env = {"PP_VAR_DIR": str(tmp_path), "SECRET_KEY": ""}
    modes = ["when-missing", "when-missing", "always"]
    servers = [launch_server(env, workers=1, static=mode) for mode in modes]
    try:
        for server in servers:
            wait_until_up(server, timeout=120)
        manifest = json.loads((tmp_path / "static" / "staticfiles.json").read_text())
        stylesheet = manifest["paths"]["site/app.css"]
        for server in servers:
            response = requests.get(f"{server.url}/static/{stylesheet}", timeout=30)
            assert response.status_code == 200
            assert response.headers["Content-Type"].startswith("text/css")
            assert ".govuk-header" in response.text
            page = requests.get(f"{server.url}/performance", timeout=30)
            assert page.status_code == 200
            assert f'href="/static/{stylesheet}"' in page.text
        # They agree on the one secret key written for them.
        assert len((tmp_path / "secret_key").read_text().strip()) >= 50
    finally:
        for server in servers:
            server.stop()
