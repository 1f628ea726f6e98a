"""Preview links: /performance/preview/<token>/<slug>, its module pages and downloads.

A live link shows the dashboard drawn by the public pages' code, with a "Preview: not yet
published" banner, noindex (header and meta tag), private no-store caching, and every link
to the dashboard kept inside the preview. A guessed, revoked or expired token (or another
dashboard's slug, or a draft) gets exactly the 404 of a dashboard that does not exist. A
preview is in no index, sitemap or count.
"""

import re
import secrets
from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from performance_platform.dashboards import publishing
from performance_platform.dashboards.models import Dashboard

from .conftest import set_status

pytestmark = pytest.mark.django_db

S = Dashboard.Status
PRIVATE = {"X-Robots-Tag": "noindex, nofollow", "Cache-Control": "private, no-store"}


@pytest.fixture
def preview(people, board):
    """(base URL, token) of a live preview link of the unlisted board."""
    _link, token = publishing.make_unlisted(people["manager"], board)
    return f"/performance/preview/{token}/{board.slug}", token


def assert_private(response):
    for header, value in PRIVATE.items():
        assert response[header] == value, header
    assert response["Referrer-Policy"] == "no-referrer"


def hrefs(html: str) -> list[str]:
    return re.findall(r'href="([^"]+)"', html)


def test_the_preview_shows_the_dashboard_privately_with_a_banner(client, preview):
    base, token = preview
    response = client.get(base)
    assert response.status_code == 200
    assert_private(response)
    html = response.content.decode()
    assert '<meta name="robots" content="noindex, nofollow">' in html
    assert "Preview: not yet published" in html
    assert "<h1" in html and "Renew a passport" in html
    links = hrefs(html)
    # Its modules, section modules and downloads stay inside the preview...
    for path in ["/by-channel", "/more/channel-table", ".json", ".csv"]:
        assert base + path in links, path
    # ...and nothing leads to the dashboard's public address (which would be a 404).
    assert not [h for h in links if h.startswith("/performance/renew-passport")]


@pytest.mark.parametrize(
    "path, kind",
    [
        ("/by-channel", "html"),
        ("/more/channel-table", "html"),
        ("/by-channel.json", "json"),
        ("/more/channel-table.csv", "csv"),
        (".json", "json"),
        (".csv", "csv"),
    ],
)
def test_module_pages_and_downloads_work_inside_the_preview(client, preview, path, kind):
    base, _ = preview
    response = client.get(base + path)
    assert response.status_code == 200, response.content[:300]
    assert_private(response)
    if kind == "html":
        html = response.content.decode()
        assert "Preview: not yet published" in html
        assert '<meta name="robots" content="noindex, nofollow">' in html
        assert f'href="{base}"' in html  # back to the preview's dashboard page
        assert not [h for h in hrefs(html) if h.startswith("/performance/renew-passport")]
    elif kind == "json":
        data = response.json()
        urls = re.findall(r'"url": ?"(/performance[^"]*)"', response.content.decode())
        assert urls and all(u.startswith(base) for u in urls)
        assert data.get("dashboard", data.get("slug")) == "renew-passport"
    else:
        assert response["Content-Type"].startswith("text/csv")
        assert "digital" in response.content.decode() or "kpi" in response.content.decode()


def test_the_table_csv_in_the_preview_has_the_figures(client, preview):
    base, _ = preview
    text = client.get(base + "/more/channel-table.csv").content.decode("utf-8-sig")
    assert "digital" in text and "paper" in text


def test_a_dashboard_in_review_can_still_be_previewed(client, people, board, preview):
    publishing.send_for_review(people["manager"], board)
    response = client.get(preview[0])
    assert response.status_code == 200
    assert "Preview: not yet published" in response.content.decode()


def not_found_body(client) -> bytes:
    response = client.get("/performance/no-such-dashboard")
    assert response.status_code == 404
    return response.content


@pytest.mark.parametrize("suffix", ["", "/by-channel", ".json", ".csv", "/by-channel.csv"])
def test_a_guessed_token_gets_the_same_404_as_a_missing_dashboard(client, preview, suffix):
    guessed = secrets.token_urlsafe(32)
    response = client.get(f"/performance/preview/{guessed}/renew-passport{suffix}")
    assert response.status_code == 404
    assert response.content == not_found_body(client)
    assert "Preview" not in response.content.decode()


def test_a_revoked_link_gets_the_same_404(client, people, preview):
    base, token = preview
    link = publishing.live_links().get()
    publishing.revoke_link(people["manager"], link)
    response = client.get(base)
    assert response.status_code == 404
    assert response.content == not_found_body(client)
    assert client.get(base + "/by-channel").status_code == 404


def test_an_expired_link_gets_the_same_404(client, people, board):
    board = set_status(board, S.UNLISTED)
    _link, token = publishing.create_link(people["manager"], board, days=1)
    base = f"/performance/preview/{token}/{board.slug}"
    assert client.get(base).status_code == 200
    with time_machine.travel(timezone.now() + timedelta(days=1, seconds=1)):
        response = client.get(base)
        assert response.status_code == 404
        assert response.content == not_found_body(client)


def test_a_token_for_another_dashboard_gets_the_same_404(client, preview, board):
    _, token = preview
    Dashboard.objects.create(slug="other", title="Other", status=S.UNLISTED)
    response = client.get(f"/performance/preview/{token}/other")
    assert response.status_code == 404
    assert response.content == not_found_body(client)


def test_a_draft_gets_the_same_404_even_with_a_live_link(client, preview, board):
    set_status(board, S.DRAFT)
    response = client.get(preview[0])
    assert response.status_code == 404
    assert response.content == not_found_body(client)


@pytest.mark.parametrize(
    "token",
    ["x", "A" * 101, "not a token", "%00", "..", "' OR 1=1 --"],
)
def test_odd_tokens_are_simply_not_found(client, preview, token):
    response = client.get(f"/performance/preview/{token}/renew-passport")
    assert response.status_code == 404
    assert response.content == not_found_body(client)


def test_a_published_dashboards_preview_leads_to_its_public_page(client, people, board, preview):
    publishing.send_for_review(people["manager"], board)
    publishing.approve(people["signer"], board)
    response = client.get(preview[0] + "/by-channel")
    assert response.status_code == 302
    assert response["Location"] == "/performance/renew-passport"
    assert_private(response)
    assert client.get("/performance/renew-passport").status_code == 200


def test_a_preview_only_answers_get_and_head(client, preview):
    assert client.head(preview[0]).status_code == 200
    assert client.post(preview[0]).status_code == 405


def test_a_preview_is_in_no_list_sitemap_or_count(client, preview, board):
    base, token = preview
    services = client.get("/performance/services").content.decode()
    assert "renew-passport" not in services and token not in services
    sitemap = client.get("/sitemap.xml").content.decode()
    assert "renew-passport" not in sitemap and "preview" not in sitemap
    assert client.get("/performance.json").json()["service_dashboards"] == 0
    assert "renew-passport" not in client.get("/performance/services.json").content.decode()
    assert client.get("/performance/renew-passport").status_code == 404
    robots = client.get("/robots.txt").content.decode()
    assert token not in robots


def test_the_preview_is_kept_in_no_server_cache(client, preview):
    from django.core.cache import cache

    base, token = preview
    client.get(base)
    client.get(base + "/by-channel")
    # The page cache (LocMem in tests) holds nothing with the token in it.
    stored = [v for v in cache._cache.values()]  # noqa: SLF001
    assert not [v for v in stored if token.encode() in (v if isinstance(v, bytes) else b"")]
