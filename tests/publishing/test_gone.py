"""An unpublished dashboard: 410 Gone at its address (and its module pages and downloads),
and gone from the services index, the sitemap and the homepage's counts at once, even
when those pages were cached a moment before."""

import pytest

from performance_platform.dashboards import publishing
from performance_platform.dashboards.models import Dashboard

from .conftest import set_status

pytestmark = pytest.mark.django_db

PATHS = ["", "/by-channel", "/more/channel-table", ".json", ".csv", "/by-channel.json",
         "/more/channel-table.csv"]  # fmt: skip


@pytest.fixture
def published(people, board):
    publishing.make_unlisted(people["manager"], board)
    publishing.send_for_review(people["manager"], board)
    publishing.approve(people["signer"], board)
    return board


def listed(client) -> dict:
    """Where the dashboard shows up in the public lists."""
    return {
        "services": "renew-passport" in client.get("/performance/services").content.decode(),
        "services.json": "renew-passport"
        in client.get("/performance/services.json").content.decode(),
        "sitemap": "/performance/renew-passport<"
        in client.get("/sitemap.xml").content.decode().replace("</loc>", "<"),
        "count": client.get("/performance.json").json()["service_dashboards"],
        "homepage": client.get("/performance").status_code,
    }


@pytest.mark.parametrize("path", PATHS)
def test_a_published_dashboard_is_public(client, published, path):
    assert client.get("/performance/renew-passport" + path).status_code == 200


def test_unpublishing_answers_410_and_leaves_every_list_at_once(client, people, published):
    # Every page is rendered (and so cached) while it is published.
    for path in PATHS:
        assert client.get("/performance/renew-passport" + path).status_code == 200
    assert listed(client) == {
        "services": True,
        "services.json": True,
        "sitemap": True,
        "count": 1,
        "homepage": 200,
    }

    publishing.unpublish(people["admin"], published)

    for path in PATHS:
        response = client.get("/performance/renew-passport" + path)
        assert response.status_code == 410, path
        html = response.content.decode()
        assert "This dashboard is no longer published" in html
        assert "Renew a passport" in html
        assert '<meta name="robots" content="noindex">' in html
        # Kept as briefly as an error page: publishing it again shows at once.
        assert response["Cache-Control"] == "public, max-age=5"
    assert listed(client) == {
        "services": False,
        "services.json": False,
        "sitemap": False,
        "count": 0,
        "homepage": 200,
    }


def test_published_again_it_is_back(client, people, published):
    publishing.unpublish(people["admin"], published)
    assert client.get("/performance/renew-passport").status_code == 410
    publishing.send_for_review(people["manager"], published)
    assert client.get("/performance/renew-passport").status_code == 410  # in review: still gone
    publishing.approve(people["admin"], published)
    assert client.get("/performance/renew-passport").status_code == 200
    assert listed(client)["count"] == 1


@pytest.mark.parametrize("status", [Dashboard.Status.DRAFT, Dashboard.Status.UNLISTED])
def test_a_dashboard_never_published_is_simply_not_found(client, board, status):
    set_status(board, status)
    response = client.get("/performance/renew-passport")
    assert response.status_code == 404
    assert response.content == client.get("/performance/no-such-dashboard").content


def test_a_module_that_does_not_exist_of_a_gone_dashboard_is_gone_too(client, people, published):
    publishing.unpublish(people["admin"], published)
    assert client.get("/performance/renew-passport/no-such-module").status_code == 410
