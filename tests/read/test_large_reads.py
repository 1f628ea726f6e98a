"""What one read can cost: large answers are streamed, never cached, never held whole.

After one record with 10,000 fields was written, an unauthenticated
``GET /data/<group>/<type>?format=csv`` over ~39,000 records built a 3.9 GB answer in
memory and then failed (500) when Redis refused so large an entry. Now an answer larger
than ``CACHE_MAX_ENTRY_BYTES`` is sent as it is read from the database, is not cached,
and a cache that fails on a read or a write costs the request nothing.

The tests use a few thousand real records and a small ``CACHE_MAX_ENTRY_BYTES``, so the
large-answer path runs in well under a second; the answer must be byte for byte the one
a request below the cap gets (built whole and cached).
"""

import csv
import io
import json

import pytest
from django.core.cache import cache
from django.core.cache.backends.locmem import LocMemCache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from performance_platform.datastore.query import engine, run_query

from .helpers import http_get, write

pytestmark = pytest.mark.django_db

CAP = 20_000
RECORDS = 1200
WIDE_FIELDS = 1500  # more than WRITE_MAX_FIELDS: a record stored before that limit


@pytest.fixture
def big(make_data_set, settings):
    data_set, _ = make_data_set("big-group", "big-type", token=None, raw_queries_allowed=True)
    settings.WRITE_MAX_FIELDS = WIDE_FIELDS + 10  # as it was when the wide record came in
    wide = {"_id": "wide", "_timestamp": "2024-01-01T00:00:00Z"}
    wide.update({f"f{i:04d}": i for i in range(WIDE_FIELDS)})
    items = [wide] + [
        {
            "_id": f"r{n:05d}",
            "_timestamp": f"2024-01-{n % 28 + 1:02d}T{n % 24:02d}:00:00Z",
            "channel": ["digital", "paper", "phone"][n % 3],
            "count": n,
            "note": "=formula" if n == 7 else f"note {n}",
        }
        for n in range(RECORDS)
    ]
    write(data_set, items)
    data_set.refresh_from_db()
    settings.WRITE_MAX_FIELDS = 1000
    return data_set


def body_of(response) -> bytes:
    if response.streaming:
        return b"".join(response.streaming_content)
    return response.content


def get(client, data_set, params, settings, cap):
    settings.CACHE_MAX_ENTRY_BYTES = cap
    cache.clear()
    response = http_get(client, data_set, params)
    assert response.status_code == 200, body_of(response)[:300]
    return response


QUERIES = [
    {"format": "csv"},
    {},
    {"format": "csv", "sort_by": "count:descending", "limit": "2000"},
    {"filter_by": "channel:paper"},
    {"group_by": "channel", "collect": "count:sum"},
    {"period": "day", "group_by": "channel", "collect": "note", "start_at": "2024-01-01T00:00:00Z"}
    | {"end_at": "2024-02-01T00:00:00Z"},
    {"period": "day", "group_by": "channel", "collect": "note", "format": "csv"}
    | {"start_at": "2024-01-01T00:00:00Z", "end_at": "2024-02-01T00:00:00Z"},
]


@pytest.mark.parametrize("params", QUERIES)
def test_a_streamed_answer_is_the_answer_built_whole(client, big, settings, params):
    whole = get(client, big, params, settings, cap=10**9)
    assert not whole.streaming
    streamed = get(client, big, params, settings, cap=CAP)
    assert streamed.streaming == (len(whole.content) > CAP)
    assert body_of(streamed) == whole.content
    for header in ("Content-Type", "ETag", "Cache-Control", "Access-Control-Allow-Origin"):
        assert streamed[header] == whole[header]
    assert streamed.get("Content-Disposition") == whole.get("Content-Disposition")


def test_the_wide_csv_streams_every_record_under_every_column(client, big, settings):
    response = get(client, big, {"format": "csv"}, settings, cap=CAP)
    assert response.streaming
    text = body_of(response).decode("utf-8")
    assert not text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text)))
    header, records = rows[0], rows[1:]
    assert len(header) == 2 + WIDE_FIELDS + 3 + 7  # _timestamp, _id, f*, 3 fields, 7 last
    assert header[:3] == ["_timestamp", "_id", "channel"]
    assert len(records) == RECORDS + 1
    assert all(len(row) == len(header) for row in records)
    by_id = {row[1]: dict(zip(header, row, strict=True)) for row in records}
    assert by_id["wide"]["f1499"] == "1499" and by_id["wide"]["channel"] == ""
    assert by_id["r00007"]["note"] == "'=formula" and by_id["r00007"]["f0000"] == ""


def test_the_streamed_raw_json_is_what_the_python_api_returns(client, big, settings):
    response = get(client, big, {"filter_by": "channel:phone"}, settings, cap=CAP)
    assert response.streaming
    streamed = json.loads(body_of(response))
    assert streamed == run_query(big, {"filter_by": "channel:phone"})
    assert len(streamed["data"]) == RECORDS // 3


def test_a_large_answer_is_not_cached_and_a_small_one_is(client, big, settings):
    settings.CACHE_MAX_ENTRY_BYTES = CAP
    cache.clear()
    for _ in range(2):  # the second request reads the records again, and streams again
        with CaptureQueriesContext(connection) as queries:
            response = http_get(client, big, {"format": "csv"})
            body_of(response)
        assert response.streaming
        assert any("datastore_record" in q["sql"] for q in queries.captured_queries)
    small = {"group_by": "channel"}
    first = http_get(client, big, small)
    with CaptureQueriesContext(connection) as queries:
        second = http_get(client, big, small)
    assert not second.streaming and second.content == first.content
    assert not any("datastore_record" in q["sql"] for q in queries.captured_queries)


def test_raw_rows_are_fetched_a_batch_at_a_time(client, big, settings, monkeypatch):
    # What bounds the memory of a streamed read: the engine never asks for more than a
    # batch of records at once (on PostgreSQL, through a server-side cursor).
    monkeypatch.setattr(engine, "RAW_FETCH", 50)
    batches = []
    real = engine.iter_raw_json_texts

    def counting(*args, **kwargs):
        for batch in real(*args, **kwargs):
            batches.append(len(batch))
            yield batch

    monkeypatch.setattr("performance_platform.datastore.read_api.iter_raw_json_texts", counting)
    body_of(get(client, big, {"format": "csv"}, settings, cap=CAP))
    assert max(batches) == 50 and sum(batches) == RECORDS + 1


# --- a cache that fails -------------------------------------------------------------------


class FailingCache(LocMemCache):
    """A cache whose every read and write fails, as Redis did with a 600 MB entry."""

    def get(self, *args, **kwargs):
        raise ConnectionResetError(104, "Connection reset by peer")

    def set(self, *args, **kwargs):
        raise ConnectionResetError(104, "Connection reset by peer")


@pytest.mark.parametrize("params", [{"format": "csv"}, {"group_by": "channel"}])
def test_a_failing_cache_costs_the_request_nothing(client, big, settings, params, caplog):
    expected = get(client, big, params, settings, cap=10**9).content
    settings.CACHES = {"default": {"BACKEND": f"{__name__}.FailingCache"}}
    response = http_get(client, big, params)
    assert response.status_code == 200
    assert body_of(response) == expected
    assert "cache unavailable" in caplog.text
