"""URL paths no client should send, through a real server: never a 5xx, nothing changed.

A NUL character in a path segment once reached the database lookup, where PostgreSQL
refuses it (a 500); no data set name or record id can hold one, so such paths are
simply not found.
"""

import pytest
import requests

from performance_platform.datastore.models import Record
from performance_platform.datastore.views import NOT_FOUND

from .rawhttp import exchange, request_bytes

pytestmark = [pytest.mark.server, pytest.mark.django_db(transaction=True)]

TOKEN = "paths-token-0123456789abcdef"
ADMIN_TOKEN = "paths-admin-token-0123456789"
BASE = "/data/paths-group/paths-type"


@pytest.fixture(scope="module")
def admin_server(django_db_setup, django_db_blocker):
    from tests.conftest import start_server

    server = start_server(extra_env={"DATA_SET_ADMIN_TOKEN": ADMIN_TOKEN})
    yield server
    server.stop()


@pytest.fixture
def data_set(admin_server, make_data_set):
    ds, _ = make_data_set(group="paths-group", data_type="paths-type", token=TOKEN)
    response = requests.post(
        f"{admin_server.url}{BASE}",
        json=[{"_id": "rec", "_timestamp": "2015-01-01T00:00:00Z", "count": 1}],
        headers={"Authorization": f"Bearer {TOKEN}"},
        timeout=30,
    )
    assert response.status_code == 200, response.text
    return ds


def send(server, method: str, path: str, token: str = TOKEN):
    body = b'{"_timestamp": "2015-01-01T00:00:00Z", "count": 2}'
    headers = [
        ("Host", "127.0.0.1"),
        ("Authorization", f"Bearer {token}"),
        ("Content-Type", "application/json"),
        ("Connection", "close"),
    ]
    return exchange(server.url, request_bytes(method, path, headers=headers, body=body))


NUL_PATHS = [
    ("POST", "/data/%00/paths-type"),
    ("PUT", "/data/paths-group/%00"),
    ("GET", "/data/paths-group/paths%00-type"),
    ("OPTIONS", "/data/paths-group%00/paths-type"),
    ("PATCH", f"{BASE}/%00"),
    ("PATCH", f"{BASE}/rec%00"),
    ("DELETE", f"{BASE}/rec%00"),
    ("DELETE", f"{BASE}/%00rec"),
    ("DELETE", "/data-sets/%00"),
    ("DELETE", "/data-sets/paths_group_paths_type%00"),
    ("POST", "/paths_group_paths_type%00"),
]


@pytest.mark.parametrize(("method", "path"), NUL_PATHS, ids=[f"{m} {p}" for m, p in NUL_PATHS])
def test_nul_in_a_path_is_not_found(admin_server, data_set, method, path):
    token = ADMIN_TOKEN if path.startswith("/data-sets/") else TOKEN
    response = send(admin_server, method, path, token)
    assert response.status == 404, (response.status, response.body[:300])
    assert response.content_type == "application/json"
    assert response.json() == {"status": "error", "message": NOT_FOUND}
    stored = list(Record.objects.filter(data_set=data_set).values_list("record_id", "data"))
    assert [(rid, data["count"]) for rid, data in stored] == [("rec", 1)]


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("PATCH", f"{BASE}/rec", 200),
        ("DELETE", f"{BASE}/rec", 200),
        ("DELETE", "/data-sets/paths_group_paths_type", 200),
    ],
)
def test_the_same_paths_without_nul_work(admin_server, data_set, method, path, status):
    """The control case: without the NUL the same requests reach the record."""
    token = ADMIN_TOKEN if path.startswith("/data-sets/") else TOKEN
    response = send(admin_server, method, path, token)
    assert response.status == status, response.body[:300]
    assert response.json()["status"] == "ok"
    counts = list(Record.objects.filter(data_set=data_set).values_list("data__count", flat=True))
    assert counts == ([2] if method == "PATCH" else [])


@pytest.mark.parametrize(
    "path",
    [
        f"{BASE}/%ED%A0%80",  # an encoded surrogate: not UTF-8
        f"{BASE}/%FF",
        "/data/%FF/paths-type",
        "/data-sets/%FF",
        "/%FF",
        f"{BASE}/a%2Fb",
        f"{BASE}/{'x' * 600}",  # longer than any record id
    ],
)
@pytest.mark.parametrize("method", ["PATCH", "DELETE"])
def test_odd_record_paths_change_nothing(admin_server, data_set, method, path):
    token = ADMIN_TOKEN if path.startswith("/data-sets/") else TOKEN
    response = send(admin_server, method, path, token)
    assert 400 <= response.status < 500, (response.status, response.body[:300])
    assert response.content_type == "application/json"
    assert response.json()["status"] == "error"
    assert list(Record.objects.filter(data_set=data_set).values_list("record_id", flat=True)) == [
        "rec"
    ]
