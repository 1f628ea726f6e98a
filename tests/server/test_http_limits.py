"""Hostile request bodies and headers, sent to real server processes over raw sockets.

Each refusal must come back as a proper response in the API's JSON envelope (whether the
application answers, or the server refuses a malformed request before the application
sees it) and must leave the database exactly as it was.
"""

import gzip
import json
import zlib

import pytest

from performance_platform.datastore.models import DataSet, Record, WriteAudit

from .rawhttp import exchange, request_bytes

pytestmark = [pytest.mark.server, pytest.mark.django_db(transaction=True)]

TOKEN = "limits-token-0123456789abcdef"
PATH = "/data/limits-group/limits-type"
CAP = 100_000  # WRITE_MAX_BODY_BYTES of the capped_server fixture
GZIP_CAP = 10 * 1024 * 1024  # the default WRITE_MAX_GZIP_BYTES


@pytest.fixture(scope="module")
def gzip_bomb() -> bytes:
    """100 MiB of zeros, gzipped (about 100 KB), built without holding 100 MiB in memory."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, 31)  # 31: gzip container
    zeros = bytes(1024 * 1024)
    parts = [compressor.compress(zeros) for _ in range(100)]
    parts.append(compressor.flush())
    bomb = b"".join(parts)
    assert len(bomb) < 200_000
    return bomb


@pytest.fixture
def data_set(make_data_set):
    ds, _ = make_data_set(group="limits-group", data_type="limits-type", token=TOKEN)
    return ds


def send(
    server,
    body: bytes,
    *,
    method: str = "POST",
    extra: list[tuple[str, str]] | None = None,
    auth: bytes | str = f"Bearer {TOKEN}",
    content_length: bool = True,
    half_close: bool = False,
):
    headers = [
        ("Host", "127.0.0.1"),
        ("Authorization", auth),
        ("Content-Type", "application/json"),
        ("Connection", "close"),
        *(extra or []),
    ]
    raw = request_bytes(method, PATH, headers=headers, body=body, content_length=content_length)
    return exchange(server.url, raw, half_close=half_close)


def chunked(body: bytes, size: int = 8192) -> bytes:
    pieces = [body[i : i + size] for i in range(0, len(body), size)]
    return b"".join(b"%x\r\n%s\r\n" % (len(p), p) for p in pieces) + b"0\r\n\r\n"


def records_of_size(size: int) -> bytes:
    """A valid JSON batch of exactly ``size`` bytes (padded with insignificant spaces)."""
    body = json.dumps([{"_timestamp": "2015-01-01T00:00:00Z", "pad": "x" * 1000}] * 20)
    assert len(body) <= size
    return (body + " " * (size - len(body))).encode()


def assert_json_error(response, status: int, starts: str = ""):
    assert response.status == status, response.body[:300]
    assert response.content_type == "application/json", response.headers
    payload = response.json()
    assert payload["status"] == "error"
    assert payload["message"].startswith(starts), payload


def assert_nothing_stored(data_set):
    assert Record.objects.filter(data_set=data_set).count() == 0
    assert WriteAudit.objects.filter(data_set=data_set).count() == 0
    assert DataSet.objects.get(pk=data_set.pk).version == 0


def assert_stored(data_set, count: int):
    assert Record.objects.filter(data_set=data_set).count() == count


# --- gzip bomb ---------------------------------------------------------------------------


@pytest.mark.parametrize("encoding", ["gzip", "x-gzip", "GZIP"])
def test_gzip_bomb_is_refused(live_server_process, data_set, gzip_bomb, encoding):
    response = send(live_server_process, gzip_bomb, extra=[("Content-Encoding", encoding)])
    assert_json_error(response, 413, "Request body too large: the decompressed request body")
    assert str(GZIP_CAP) in response.json()["message"]
    assert_nothing_stored(data_set)


def test_gzip_bomb_on_put_is_refused(live_server_process, data_set, gzip_bomb):
    response = send(
        live_server_process, gzip_bomb, method="PUT", extra=[("Content-Encoding", "gzip")]
    )
    assert_json_error(response, 413)
    assert_nothing_stored(data_set)


def test_small_gzip_body_is_accepted(live_server_process, data_set):
    """The control case: gzip itself works, so the 413 above is about size."""
    body = gzip.compress(json.dumps([{"_timestamp": "2015-01-01T00:00:00Z"}] * 3).encode())
    response = send(live_server_process, body, extra=[("Content-Encoding", "gzip")])
    assert (response.status, response.json()) == (200, {"status": "ok"})
    assert_stored(data_set, 3)


def test_gzip_label_on_a_body_that_is_not_gzip(live_server_process, data_set):
    response = send(live_server_process, b"[]", extra=[("Content-Encoding", "gzip")])
    assert_json_error(response, 400, "The request body is labelled gzip")
    assert_nothing_stored(data_set)


def test_truncated_gzip_body(live_server_process, data_set):
    body = gzip.compress(json.dumps([{"_timestamp": "2015-01-01T00:00:00Z"}] * 50).encode())
    response = send(
        live_server_process, body[: len(body) // 2], extra=[("Content-Encoding", "gzip")]
    )
    assert_json_error(response, 400, "The gzip request body is truncated")
    assert_nothing_stored(data_set)


# --- bodies over the cap -----------------------------------------------------------------


def test_body_at_the_cap_is_accepted(capped_server, data_set):
    response = send(capped_server, records_of_size(CAP))
    assert (response.status, response.json()) == (200, {"status": "ok"})
    assert_stored(data_set, 20)


@pytest.mark.parametrize("size", [CAP + 1, 3 * CAP, 4 * 1024 * 1024])
def test_body_over_the_cap_is_refused(capped_server, data_set, size):
    response = send(capped_server, records_of_size(size))
    assert_json_error(
        response, 413, f"Request body too large: the request body is limited to {CAP}"
    )
    assert_nothing_stored(data_set)


def test_chunked_body_under_the_cap_is_accepted(capped_server, data_set):
    """Chunked uploads (no Content-Length) are read, not taken for an empty body."""
    body = chunked(records_of_size(CAP))
    response = send(
        capped_server, body, extra=[("Transfer-Encoding", "chunked")], content_length=False
    )
    assert (response.status, response.json()) == (200, {"status": "ok"})
    assert_stored(data_set, 20)


@pytest.mark.parametrize("size", [CAP + 1, 4 * 1024 * 1024])
def test_chunked_body_over_the_cap_is_refused(capped_server, data_set, size):
    body = chunked(records_of_size(size))
    response = send(
        capped_server, body, extra=[("Transfer-Encoding", "chunked")], content_length=False
    )
    assert_json_error(response, 413, "Request body too large")
    assert_nothing_stored(data_set)


def test_chunked_gzip_bomb_is_refused(live_server_process, data_set, gzip_bomb):
    response = send(
        live_server_process,
        chunked(gzip_bomb),
        extra=[("Transfer-Encoding", "chunked"), ("Content-Encoding", "gzip")],
        content_length=False,
    )
    assert_json_error(response, 413, "Request body too large: the decompressed")
    assert_nothing_stored(data_set)


@pytest.mark.parametrize(
    "body",
    [
        b"",  # the client closed before sending a single chunk
        b"50\r\n[]",  # announced 0x50 bytes, sent 2, then closed
        b"zz\r\n[]\r\n0\r\n\r\n",  # a chunk size that is not hexadecimal
        b"2\r\n[]xx0\r\n\r\n",  # a chunk without its CRLF terminator
    ],
    ids=["no-chunks", "short-chunk", "bad-size", "no-terminator"],
)
def test_broken_chunked_body(capped_server, data_set, body):
    response = send(
        capped_server,
        body,
        extra=[("Transfer-Encoding", "chunked")],
        content_length=False,
        half_close=True,
    )
    assert_json_error(response, 400, "The request body could not be read")
    assert_nothing_stored(data_set)


# --- Content-Length that lies ------------------------------------------------------------

BATCH = json.dumps(
    [{"_id": f"r{i}", "_timestamp": "2015-01-01T00:00:00Z", "count": i} for i in range(5)]
).encode()


def test_content_length_shorter_than_the_body(capped_server, data_set):
    """The server reads only what was declared: a cut-off batch, refused as bad JSON."""
    response = send(
        capped_server, BATCH, extra=[("Content-Length", str(len(BATCH) - 10))], content_length=False
    )
    assert_json_error(response, 400, "Error parsing JSON")
    assert_nothing_stored(data_set)


@pytest.mark.parametrize("body", [BATCH, b"[]"], ids=["batch", "empty-list"])
def test_content_length_longer_than_the_body(capped_server, data_set, body):
    """The client stops early: even a complete JSON document must not be processed."""
    response = send(
        capped_server,
        body,
        extra=[("Content-Length", str(len(body) + 100))],
        content_length=False,
        half_close=True,
    )
    assert_json_error(response, 400, "The request body is shorter than its Content-Length")
    assert f"({len(body)} of {len(body) + 100} bytes arrived)" in response.json()["message"]
    assert_nothing_stored(data_set)


def test_content_length_over_the_cap_is_refused_before_reading(capped_server, data_set):
    # Nothing like the declared length follows; the 413 must come without waiting for it.
    response = send(
        capped_server, BATCH, extra=[("Content-Length", str(10 * CAP))], content_length=False
    )
    assert_json_error(response, 413, "Request body too large")
    assert_nothing_stored(data_set)


@pytest.mark.parametrize(
    "headers",
    [
        [("Content-Length", "abc")],
        [("Content-Length", "-1")],
        [("Content-Length", "1e3")],
        [("Content-Length", " ")],
        [("Content-Length", str(len(BATCH))), ("Content-Length", "3")],
        [("Content-Length", "3"), ("Transfer-Encoding", "chunked")],
        [("Transfer-Encoding", "chunked, identity")],
    ],
    ids=["letters", "negative", "float", "blank", "two-values", "with-chunked", "bad-te"],
)
def test_malformed_framing_is_refused(capped_server, data_set, headers):
    # The server refuses these before the application runs (request smuggling
    # protection), in the API's envelope; and nothing is stored.
    response = send(capped_server, BATCH, extra=headers, content_length=False, half_close=True)
    assert_json_error(response, 400, "The request could not be read: ")
    assert_nothing_stored(data_set)


# --- bodies that are not UTF-8 -----------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        b'[{"_timestamp": "2015-01-01T00:00:00Z", "name": "caf\xe9"}]',  # Latin-1
        b'[{"_timestamp": "2015-01-01T00:00:00Z", "name": "\xed\xa0\x80"}]',  # a surrogate
        b'[{"_timestamp": "2015-01-01T00:00:00Z", "na\xffme": "x"}]',  # in a key
        b"\xff\xfe[\x00]\x00",  # UTF-16 with a byte order mark
        b'[{"_timestamp": "2015-01-01T00:00:00Z", "name": "\xc3"}]',  # cut-off sequence
    ],
    ids=["latin-1", "surrogate", "key", "utf-16", "truncated"],
)
@pytest.mark.parametrize("gzipped", [False, True], ids=["plain", "gzip"])
def test_invalid_utf8_is_refused(live_server_process, data_set, body, gzipped):
    extra = [("Content-Encoding", "gzip")] if gzipped else []
    response = send(live_server_process, gzip.compress(body) if gzipped else body, extra=extra)
    assert_json_error(response, 400, "Error parsing JSON")
    assert_nothing_stored(data_set)


def test_invalid_utf8_on_put_is_refused(live_server_process, data_set):
    response = send(live_server_process, b"[\xff]", method="PUT")
    assert_json_error(response, 400, "Error parsing JSON")
    assert_nothing_stored(data_set)


# --- Authorization header injection ------------------------------------------------------


@pytest.mark.parametrize(
    "auth",
    [
        # A second header smuggled in with a bare LF, CR, NUL or obsolete line folding.
        f"Bearer {TOKEN}\nX-Injected: yes".encode(),
        f"Bearer {TOKEN}\rX-Injected: yes".encode(),
        f"Bearer {TOKEN}\x00X-Injected: yes".encode(),
        f"Bearer {TOKEN}\r\n X-Injected: yes".encode(),
        f"Bearer {TOKEN}\r\n\tmore".encode(),
        # The end of the head and a second request, hidden in the header.
        f"Bearer wrong\r\n\r\nPUT {PATH} HTTP/1.1\r\nX-Injected: yes".encode(),
        # Other control characters and bytes that are not text.
        b"Bearer \x7f\x7f\x7f",
        b"Bearer \x1b[31mred",
        f"Bearer {TOKEN[:-2]}\xc3\xa9".encode(),
        # Look-alikes of the right token.
        f"Bearer  {TOKEN}".encode(),
        f"bearer {TOKEN}".encode(),
        f"Bearer\t{TOKEN}".encode(),
        f"Basic {TOKEN}".encode(),
        f"Bearer {TOKEN}extra".encode(),
        f"Bearer {TOKEN[:-1]}".encode(),
        f'Bearer {TOKEN}", "status": "ok'.encode(),
        b"Bearer " + b"A" * 9000,  # over the server's header line limit (8190 bytes)
        b"Bearer " + b"A" * 8000,
        b"",
        b"Bearer",
        b"Bearer ",
    ],
)
def test_authorization_injection_is_refused(live_server_process, data_set, auth):
    response = send(live_server_process, BATCH, auth=auth)
    # 400/431: the server refused the malformed or oversized header; 401: the application
    # refused the token. Every one in the API's envelope.
    assert response.status in (400, 401, 431), (response.status, response.body[:300])
    assert response.content_type == "application/json"
    assert response.json()["status"] == "error"
    if response.status == 401:
        assert response.content_type == "application/json"
        assert response.headers.get("www-authenticate") == "bearer"
        payload = response.json()  # still valid JSON whatever the token held
        assert payload["status"] == "error"
        assert payload["message"].startswith(("Unauthorized", "Expected header of form"))
        assert len(payload["message"]) < 300  # a long token is not echoed in full
    assert "x-injected" not in response.headers
    assert not any(
        k.startswith("x-injected") or "injected" in v for k, v in response.headers.items()
    )
    assert_nothing_stored(data_set)


@pytest.mark.parametrize("order", ["wrong-first", "right-first"])
def test_two_authorization_headers_do_not_authenticate(live_server_process, data_set, order):
    right, wrong = ("Authorization", f"Bearer {TOKEN}"), ("Authorization", "Bearer wrong")
    extra = [wrong, right] if order == "wrong-first" else [right, wrong]
    headers = [
        ("Host", "127.0.0.1"),
        *extra,
        ("Content-Type", "application/json"),
        ("Connection", "close"),
    ]
    raw = request_bytes("POST", PATH, headers=headers, body=BATCH)
    response = exchange(live_server_process.url, raw)
    assert response.status in (400, 401), response.body[:300]
    assert_nothing_stored(data_set)


def test_the_right_token_with_surrounding_spaces_is_accepted(live_server_process, data_set):
    """The control case: HTTP strips whitespace around a header value, so this is valid."""
    response = send(live_server_process, BATCH, auth=f"  Bearer {TOKEN}  ")
    assert (response.status, response.json()) == (200, {"status": "ok"})
    assert_stored(data_set, 5)


# --- records and fields, with the limits set in the server's environment --------------------


@pytest.fixture(scope="module")
def narrow_server(django_db_setup, django_db_blocker):
    """A server whose environment allows 3 records a request and 5 fields a record."""
    from tests.conftest import start_server

    server = start_server(extra_env={"WRITE_MAX_RECORDS": "3", "WRITE_MAX_FIELDS": "5"})
    yield server
    server.stop()


def test_records_and_fields_limits_from_the_environment(narrow_server, data_set):
    four = json.dumps([{"_timestamp": "2015-01-01T00:00:00Z"}] * 4).encode()
    assert_json_error(
        send(narrow_server, four), 413, "Too many records: a request may hold at most 3"
    )
    six = {"_timestamp": "2015-01-01T00:00:00Z", **{f"f{i}": i for i in range(5)}}
    response = send(narrow_server, json.dumps([six]).encode())
    assert response.status == 400, response.body[:300]
    assert response.json() == {"messages": ["Record 1 has 6 fields: a record may have at most 5"]}
    assert_nothing_stored(data_set)
    three = json.dumps([{"_timestamp": "2015-01-01T00:00:00Z", "ff": 1}] * 3).encode()
    assert (send(narrow_server, three).status, Record.objects.count()) == (200, 3)
