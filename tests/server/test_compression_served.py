"""Compression through a real ``serve``: what a browser asking for gzip is sent."""

import gzip

import pytest

from .rawhttp import exchange, request_bytes

pytestmark = [pytest.mark.server, pytest.mark.django_db(transaction=True)]


def get(server, path: str, *headers: tuple[str, str]):
    head = [("Host", "127.0.0.1"), *headers, ("Connection", "close")]
    return exchange(server.url, request_bytes("GET", path, headers=head, content_length=False))


@pytest.mark.parametrize("path", ["/performance", "/api/openapi.json"])
def test_pages_and_data_are_sent_gzipped(live_server_process, path):
    plain = get(live_server_process, path)
    packed = get(live_server_process, path, ("Accept-Encoding", "gzip"))
    assert plain.status == packed.status == 200
    assert "content-encoding" not in plain.headers
    assert packed.headers["content-encoding"] == "gzip"
    assert "Accept-Encoding" in packed.headers["vary"]
    assert int(packed.headers["content-length"]) == len(packed.body) < len(plain.body)
    assert gzip.decompress(packed.body) == plain.body


def test_a_gzipped_page_revalidates_with_its_weak_etag(live_server_process):
    packed = get(live_server_process, "/performance", ("Accept-Encoding", "gzip"))
    etag = packed.headers["etag"]
    assert etag.startswith('W/"')
    again = get(
        live_server_process,
        "/performance",
        ("Accept-Encoding", "gzip"),
        ("If-None-Match", etag),
    )
    assert again.status == 304
    assert again.body == b""
    assert again.headers["etag"] == etag
