"""Refusals the HTTP server makes itself, over raw sockets to a real ``serve``.

Requests too large, malformed or too slow never reach Django; the server answers them
itself, and must do so in the data API's JSON envelope (``{"status": "error",
"message": ...}``) like every other error of the API, never with an HTML or plain-text
page. Django's own 500 on a data API path is JSON too.
"""

import socket
import time

import pytest
import requests

from tests.conftest import start_server

from .rawhttp import exchange, parse_response, request_bytes

pytestmark = [pytest.mark.server, pytest.mark.django_db(transaction=True)]

HEADER_TIMEOUT = 1
ADMIN_TOKEN = "nodb-admin-token-0123456789"
BODY_TIMEOUT = 2


@pytest.fixture(scope="module")
def impatient_server(django_db_setup, django_db_blocker):
    """A server of its own with one-second head and two-second body deadlines."""
    server = start_server(
        extra_env={
            "SERVE_HEADER_TIMEOUT": str(HEADER_TIMEOUT),
            "SERVE_BODY_TIMEOUT": str(BODY_TIMEOUT),
        }
    )
    yield server
    server.stop()


def get(server, path: str, headers: list[tuple[str, str]] | None = None):
    head = [("Host", "127.0.0.1"), *(headers or []), ("Connection", "close")]
    return exchange(server.url, request_bytes("GET", path, headers=head, content_length=False))


def assert_envelope(response, status: int, message: str):
    assert response.status == status, (response.status, response.body[:300])
    assert response.content_type == "application/json", response.headers
    assert response.json() == {"status": "error", "message": message}
    assert response.headers.get("x-content-type-options") == "nosniff"


# --- heads too large ----------------------------------------------------------------


@pytest.mark.parametrize("path", ["/data/a/b", "/_status", "/data-sets/x", "/performance"])
def test_request_target_too_long_is_414(live_server_process, path):
    response = get(live_server_process, f"{path}?q={'a' * 5000}")
    assert_envelope(response, 414, "The request target is longer than 4094 bytes")


def test_request_target_at_the_limit_reaches_the_application(live_server_process):
    path = "/data/a/b?q="
    response = get(live_server_process, path + "a" * (4094 - len(path)))
    assert response.status == 404  # no such data set: the application answered
    assert response.json()["status"] == "error"


def test_header_line_too_long_is_431(live_server_process):
    response = get(live_server_process, "/_status", [("X-Long", "a" * 8200)])
    assert_envelope(response, 431, "A request header is longer than 8190 bytes")


def test_too_many_headers_is_431(live_server_process):
    headers = [(f"X-H{i}", "v") for i in range(101)]
    response = get(live_server_process, "/data/a/b", headers)
    assert_envelope(response, 431, "The request has more than 100 headers")


def test_head_too_large_is_431(live_server_process):
    # Each header within its own limit, 70 of them: 70 KB in all, over 64 KiB.
    headers = [(f"X-H{i}", "a" * 1000) for i in range(70)]
    response = get(live_server_process, "/data/a/b", headers)
    assert_envelope(response, 431, "The request head is longer than 65536 bytes")


def test_a_large_head_within_the_limits_is_served(live_server_process):
    headers = [(f"X-H{i}", "a" * 600) for i in range(90)]  # 54 KB
    response = get(live_server_process, "/_status", headers)
    assert (response.status, response.json()["status"]) == (200, "ok")


# --- heads that cannot be read ------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    [
        b"GARBAGE\r\n\r\n",
        b"GET /data/a/b HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n",
        b"POST /data/a/b HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
        b"GET /_status HTTP/1.1\r\nHost: x\r\nX-A: 1\nX-B: 2\r\n\r\n",
        b"GET /_status HTTP/1.1\r\nHost: x\r\nX-A: a\x00b\r\n\r\n",
        b"GET /_status HTTP/9.9\r\nHost: x\r\n\r\n",
    ],
    ids=["garbage", "letters-length", "two-lengths", "bare-lf", "nul", "version"],
)
def test_unreadable_request_is_400_in_the_envelope(live_server_process, raw):
    response = exchange(live_server_process.url, raw, half_close=True)
    assert response.status == 400, response.body[:300]
    assert response.content_type == "application/json"
    payload = response.json()
    assert payload["status"] == "error"
    assert payload["message"].startswith("The request could not be read: "), payload


# --- clients too slow ---------------------------------------------------------------


def read_until_closed(sock: socket.socket, limit: float) -> tuple[bytes, float]:
    """Everything the server sends until it closes, and how long that took."""
    started = time.monotonic()
    sock.settimeout(limit)
    received = b""
    while chunk := sock.recv(65536):
        received += chunk
    return received, time.monotonic() - started


def test_partial_head_gets_408_after_the_header_timeout(impatient_server):
    with socket.create_connection(("127.0.0.1", impatient_server.port)) as sock:
        sock.sendall(b"GET /data/a/b HTTP/1.1\r\nHost: 127.0.0.1\r\nX-A: ")
        received, waited = read_until_closed(sock, 10)
    assert HEADER_TIMEOUT - 0.2 <= waited <= HEADER_TIMEOUT + 2, waited
    response = parse_response(received)
    assert_envelope(response, 408, "The request headers did not arrive within 1 seconds")


def test_idle_connection_is_closed_without_an_answer(impatient_server):
    with socket.create_connection(("127.0.0.1", impatient_server.port)) as sock:
        received, waited = read_until_closed(sock, 10)
    assert received == b""
    assert HEADER_TIMEOUT - 0.2 <= waited <= HEADER_TIMEOUT + 2, waited


def test_partial_body_gets_408_after_the_body_timeout(impatient_server):
    head = b"POST /data/a/b HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 100\r\n\r\n[1,"
    with socket.create_connection(("127.0.0.1", impatient_server.port)) as sock:
        sock.sendall(head)
        received, waited = read_until_closed(sock, 10)
    assert BODY_TIMEOUT - 0.2 <= waited <= BODY_TIMEOUT + 2, waited
    assert_envelope(
        parse_response(received), 408, "The request body did not arrive within 2 seconds"
    )


def test_kept_alive_connection_serves_several_requests(impatient_server):
    """The head deadline runs from the previous answer: a prompt next request is served."""
    request = b"GET /_status HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
    with socket.create_connection(("127.0.0.1", impatient_server.port), timeout=10) as sock:
        for _ in range(3):
            sock.sendall(request)
            received = b""
            while b'"app is up"' not in received:
                chunk = sock.recv(65536)
                assert chunk, received
                received += chunk
            assert parse_response(received).status == 200
            time.sleep(HEADER_TIMEOUT / 2)
        # Then a next request that never finishes its head gets the 408.
        sock.sendall(b"GET /_status HTTP/1.1\r\n")
        received, waited = read_until_closed(sock, 10)
    assert waited <= HEADER_TIMEOUT + 2, waited
    assert parse_response(received).status == 408


def test_body_sent_in_time_is_served(impatient_server, make_data_set):
    make_data_set(group="prompt-group", data_type="prompt-type", token="prompt-token-0123456789")
    body = b'[{"_timestamp": "2015-01-01T00:00:00Z"}]'
    head = (
        b"POST /data/prompt-group/prompt-type HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        b"Authorization: Bearer prompt-token-0123456789\r\nContent-Type: application/json\r\n"
        b"Connection: close\r\nContent-Length: %d\r\n\r\n" % len(body)
    )
    with socket.create_connection(("127.0.0.1", impatient_server.port)) as sock:
        sock.sendall(head + body[:10])
        time.sleep(BODY_TIMEOUT / 2)  # slow, but within the deadline
        sock.sendall(body[10:])
        received, _ = read_until_closed(sock, 10)
    response = parse_response(received)
    assert (response.status, response.json()) == (200, {"status": "ok"})


# --- Django's 500, with the database gone ---------------------------------------------


@pytest.fixture(scope="module")
def server_without_database(django_db_setup, django_db_blocker):
    # Nothing listens on port 1, so every query fails. (A PostgreSQL URL whatever the
    # suite runs on: Django's start-up checks open SQLite files, but not this.)
    nowhere = "postgresql://postgres@127.0.0.1:1/no_database"
    server = start_server(
        extra_env={"DATABASE_URL": nowhere, "DATA_SET_ADMIN_TOKEN": ADMIN_TOKEN}, ready_status=503
    )
    yield server
    server.stop()


@pytest.mark.parametrize(
    "path", ["/data/a/b", "/data-sets/x", "/_status/data-sets", "/some_data_set"]
)
def test_server_error_on_a_data_path_is_json(server_without_database, path):
    method = "DELETE" if path.startswith("/data-sets/") else "GET"
    response = requests.request(
        method,
        f"{server_without_database.url}{path}",
        headers={"Authorization": f"Bearer {ADMIN_TOKEN}"},  # past the token check
        timeout=30,
    )
    assert response.status_code == 500, response.text[:300]
    assert response.headers["Content-Type"] == "application/json"
    assert response.json() == {"status": "error", "message": "Internal Server Error"}


def test_status_without_database_is_503_json(server_without_database):
    response = requests.get(f"{server_without_database.url}/_status", timeout=30)
    assert response.status_code == 503
    body = response.json()
    assert (body["status"], body["message"]) == ("error", "database unavailable")


def test_server_error_on_a_page_is_html(server_without_database):
    response = requests.get(f"{server_without_database.url}/performance/services", timeout=30)
    assert response.status_code == 500
    assert response.headers["Content-Type"].startswith("text/html")
    assert "Sorry, there is a problem with the service" in response.text


# --- bodies over the cap keep the API's order of checks --------------------------------


@pytest.mark.parametrize(
    ("path", "status"),
    [("/data/no-such/data-set", 404), ("/data/cap-group/cap-type", 401)],
)
def test_a_declared_body_over_the_cap_meets_the_earlier_checks_first(
    live_server_process, make_data_set, path, status
):
    """404 and 401 come before 413, as docs/api.md promises; the body is never read."""
    make_data_set(group="cap-group", data_type="cap-type", token="cap-token-0123456789")
    head = [
        ("Host", "127.0.0.1"),
        ("Authorization", "Bearer wrong-token"),
        ("Content-Type", "application/json"),
        ("Content-Length", str(10**9)),
    ]
    raw = request_bytes("POST", path, headers=head, body=b"[]", content_length=False)
    response = exchange(live_server_process.url, raw)
    assert response.status == status, response.body[:300]
    assert response.json()["status"] == "error"
    assert response.headers["connection"] == "close"


def test_the_openapi_document_lists_the_servers_own_answers(live_server_process):
    document = requests.get(f"{live_server_process.url}/api/openapi.json", timeout=30).json()
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            if method == "parameters":
                continue
            statuses = set(operation["responses"])
            assert {"400", "408", "413", "414", "431", "500"} <= statuses, (path, method)
    assert "503" in document["paths"]["/_status"]["get"]["responses"]
