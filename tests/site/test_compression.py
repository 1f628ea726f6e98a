"""Text responses are gzipped for clients that accept it, with ETags that stay right.

A compressed response's bytes differ from those its ETag was computed from, so its ETag
becomes weak (``W/"..."``); revalidating with it still gives a 304, which carries the
same ETag and ``Vary: Accept-Encoding`` as the 200 did. Clients that do not ask for gzip
get the bytes and the strong ETag as before.
"""

import gzip
import json

import pytest
from django.http import HttpResponse
from django.test import RequestFactory

from performance_platform.middleware import TextGZipMiddleware

pytestmark = pytest.mark.django_db

GZIP = {"HTTP_ACCEPT_ENCODING": "gzip, deflate, br"}


TOKEN = "gz-token-0123456789abcdef"


def write(client, records):
    response = client.post(
        "/data/gz-group/gz-type",
        data=json.dumps(records),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {TOKEN}",
    )
    assert response.status_code == 200, response.content


@pytest.fixture
def data_set(client, make_data_set):
    ds, _ = make_data_set(
        group="gz-group", data_type="gz-type", token=TOKEN, raw_queries_allowed=True
    )
    write(
        client,
        [
            {"_id": f"r{i}", "_timestamp": "2015-01-01T00:00:00Z", "count": i, "label": "x" * 40}
            for i in range(50)
        ],
    )
    return ds


def vary(response) -> set[str]:
    return {v.strip().lower() for v in response.get("Vary", "").split(",")}


@pytest.mark.parametrize(
    ("path", "media_type"),
    [
        ("/performance/services", "text/html"),
        ("/performance/services.json", "application/json"),
        ("/data/gz-group/gz-type", "application/json"),
        ("/data/gz-group/gz-type?format=csv", "text/csv"),
    ],
)
def test_text_is_compressed_and_its_etag_weakened(client, data_set, path, media_type):
    plain = client.get(path)
    packed = client.get(path, **GZIP)
    assert plain.status_code == packed.status_code == 200
    assert plain["Content-Type"].startswith(media_type)
    assert "Content-Encoding" not in plain
    assert packed["Content-Encoding"] == "gzip"
    assert gzip.decompress(packed.content) == plain.content
    assert "accept-encoding" in vary(packed) and "accept-encoding" in vary(plain)
    strong = plain["ETag"]
    assert strong.startswith('"')
    assert packed["ETag"] == f"W/{strong}"


@pytest.mark.parametrize("path", ["/performance/services", "/data/gz-group/gz-type"])
def test_revalidating_a_compressed_copy_gives_a_304_with_its_etag(client, data_set, path):
    packed = client.get(path, **GZIP)
    again = client.get(path, HTTP_IF_NONE_MATCH=packed["ETag"], **GZIP)
    assert again.status_code == 304
    assert again.content == b""
    assert again["ETag"] == packed["ETag"]
    assert "accept-encoding" in vary(again)


@pytest.mark.parametrize("path", ["/performance/services", "/data/gz-group/gz-type"])
def test_revalidating_a_plain_copy_gives_a_304_with_the_strong_etag(client, data_set, path):
    plain = client.get(path)
    again = client.get(path, HTTP_IF_NONE_MATCH=plain["ETag"])
    assert again.status_code == 304
    assert again["ETag"] == plain["ETag"]


def test_a_changed_resource_does_not_match_the_old_weak_etag(client, data_set):
    path = "/data/gz-group/gz-type"
    packed = client.get(path, **GZIP)
    write(client, [{"_id": "r1", "_timestamp": "2015-01-01T00:00:00Z", "count": 999}])
    again = client.get(path, HTTP_IF_NONE_MATCH=packed["ETag"], **GZIP)
    assert again.status_code == 200
    assert again["ETag"] != packed["ETag"]
    assert b"999" in gzip.decompress(again.content)


def test_the_services_index_shrinks(client, data_set):
    plain = client.get("/performance/services")
    packed = client.get("/performance/services", **GZIP)
    assert len(packed.content) < len(plain.content) / 3


@pytest.mark.parametrize(
    "media_type", ["font/woff2", "image/png", "application/zip", "application/octet-stream"]
)
def test_what_is_compressed_already_is_left_alone(media_type):
    middleware = TextGZipMiddleware(lambda request: HttpResponse(b"x" * 5000, media_type))
    response = middleware(RequestFactory().get("/", **GZIP))
    assert "Content-Encoding" not in response
    assert response.content == b"x" * 5000


def test_short_responses_are_left_alone(client):
    response = client.get("/_status", **GZIP)  # about 60 bytes: gzip would make it longer
    assert "Content-Encoding" not in response
    assert len(response.content) < 200
    assert response.json()["message"] == "app is up"
