"""The write API's limits: records per request, fields per record, body size.

A 50 MiB body of 903,944 small records once took 2 GB and a minute (and on PostgreSQL
the worker's timeout, with nothing stored). The limits below are what a server can
serve (bench/memory.py measures the largest request they accept); anything over them
is refused before the work it would cost, in the JSON envelope, and nothing is stored.
"""

import gzip
import json
import os
import subprocess
import sys

import pytest
from django.test import override_settings

from performance_platform.datastore import storage
from performance_platform.datastore.models import Record

from .helpers import TS, URL, post, send, snapshot, stored

pytestmark = pytest.mark.django_db


def records(count: int, **extra) -> list[dict]:
    return [{"_timestamp": TS, "num": n, **extra} for n in range(count)]


def wide(fields: int) -> dict:
    """A record with exactly ``fields`` fields, _timestamp included."""
    return {"_timestamp": TS, **{f"f{i}": i for i in range(fields - 1)}}


def assert_413(response, message):
    assert response.status_code == 413, response.content
    assert response["Content-Type"] == "application/json"
    assert response["Cache-Control"] == "no-cache"
    assert response.json() == {"status": "error", "message": message}


# --- records per request ------------------------------------------------------------------


@override_settings(WRITE_MAX_RECORDS=5)
def test_more_records_than_the_limit_is_413_and_stores_nothing(client, data_set):
    before = snapshot(data_set)
    response = post(client, records(6))
    assert_413(
        response,
        "Too many records: a request may hold at most 5, this one holds 6. "
        "Send them in several requests",
    )
    assert snapshot(data_set) == before


@override_settings(WRITE_MAX_RECORDS=5)
def test_the_limit_itself_is_accepted(client, data_set):
    assert post(client, records(5)).status_code == 200
    assert len(stored(data_set)) == 5


@override_settings(WRITE_MAX_RECORDS=5)
def test_the_count_is_refused_before_the_records_are_checked(client, data_set):
    # Six bad records: the count alone answers, without validating any of them.
    response = post(client, [{"no": "timestamp"}] * 6)
    assert response.status_code == 413


@override_settings(WRITE_MAX_RECORDS=5)
def test_the_limit_applies_to_gzip_bodies_and_the_deprecated_route(client, data_set):
    body = gzip.compress(json.dumps(records(6)).encode())
    response = post(client, body, headers={"Content-Encoding": "gzip"})
    assert response.status_code == 413
    response = send(client, "POST", "/" + data_set.name, records(6))
    assert response.status_code == 413
    assert stored(data_set) == []


# --- fields per record --------------------------------------------------------------------


@override_settings(WRITE_MAX_FIELDS=20)
def test_a_record_with_too_many_fields_is_400_and_stores_nothing(client, data_set):
    before = snapshot(data_set)
    response = post(client, [wide(20), wide(21), wide(20), wide(25)])
    assert response.status_code == 400, response.content
    assert response.json() == {
        "messages": [
            "Record 2 has 21 fields: a record may have at most 20",
            "Record 4 has 25 fields: a record may have at most 20",
        ]
    }
    assert snapshot(data_set) == before


@override_settings(WRITE_MAX_FIELDS=20)
def test_a_record_of_exactly_the_limit_is_stored(client, data_set):
    assert post(client, [wide(20)]).status_code == 200
    (record,) = stored(data_set)
    assert record["f18"] == 18


@override_settings(WRITE_MAX_FIELDS=3)
def test_many_wide_records_get_ten_messages_and_a_count(client, data_set):
    response = post(client, [wide(4)] * 15)
    messages = response.json()["messages"]
    assert messages[:1] == ["Record 1 has 4 fields: a record may have at most 3"]
    assert len(messages) == 11
    assert messages[-1] == "... and 5 more records with too many fields"


@override_settings(WRITE_MAX_FIELDS=20)
def test_a_patch_that_would_make_a_record_too_wide_is_refused(client, data_set):
    assert post(client, [{"_id": "r1", **wide(19)}]).status_code == 200
    before = snapshot(data_set)
    response = send(client, "PATCH", URL + "/r1", {"extra1": 1, "extra2": 2})
    assert response.status_code == 400, response.content
    assert response.json() == {"messages": ["Record 1 has 22 fields: a record may have at most 20"]}
    assert snapshot(data_set) == before
    assert send(client, "PATCH", URL + "/r1", {"f0": 7}).status_code == 200
    assert Record.objects.get(data_set=data_set, record_id="r1").data["f0"] == 7


# --- storing in chunks ----------------------------------------------------------------------


def test_a_batch_larger_than_a_chunk_is_stored_whole_and_later_wins(client, data_set, monkeypatch):
    # Chunks of 3 records: ids repeat across chunks, and the last value must win, with
    # the rollup counting each id once.
    monkeypatch.setattr(storage, "STORE_CHUNK", 3)
    items = [{"_id": f"r{n % 4}", "_timestamp": TS, "kk": "a", "vv": n} for n in range(10)]
    assert post(client, items).status_code == 200
    assert sorted((r["_id"], r["vv"]) for r in stored(data_set)) == [
        ("r0", 8),
        ("r1", 9),
        ("r2", 6),
        ("r3", 7),
    ]
    data_set.refresh_from_db()
    from performance_platform.datastore.query import run_query

    assert run_query(data_set, {"group_by": "kk", "collect": "vv:sum"})["data"] == [
        {"kk": "a", "_count": 4, "vv:sum": 30}
    ]


def test_wide_records_make_smaller_chunks(data_set, monkeypatch):
    seen = []
    real = storage._store_chunk
    monkeypatch.setattr(storage, "STORE_CHUNK_FIELDS", 100)
    monkeypatch.setattr(
        storage,
        "_store_chunk",
        lambda ds, chunk, now: (seen.append(len(chunk)), real(ds, chunk, now)),
    )
    from django.utils import timezone

    from performance_platform.datastore.validation import prepare_records

    prepared, errors = prepare_records(
        [wide(40) for _ in range(7)], schema=None, auto_ids=None, now=timezone.now()
    )
    assert errors == []
    assert storage.store_records(data_set, prepared, now=timezone.now()) == 7
    # Each stored record holds 40 fields plus _id, the period keys and _updated_at (48).
    assert seen == [3, 3, 1]
    assert Record.objects.filter(data_set=data_set).count() == 7


# --- the settings come from the environment ---------------------------------------------------


def test_the_limits_are_read_from_the_environment_with_their_defaults():
    code = (
        "from django.conf import settings as s; "
        "print(s.WRITE_MAX_BODY_BYTES, s.WRITE_MAX_GZIP_BYTES, s.WRITE_MAX_RECORDS, "
        "s.WRITE_MAX_FIELDS)"
    )
    base = {k: v for k, v in os.environ.items() if not k.startswith("WRITE_MAX_")}
    base["DJANGO_SETTINGS_MODULE"] = "performance_platform.settings"

    def run(**env):
        result = subprocess.run(
            [sys.executable, "-c", "import django; django.setup(); " + code],
            env={**base, **env},
            capture_output=True,
            text=True,
            check=True,
        )
        return result.stdout.split()

    assert run() == ["10485760", "10485760", "50000", "1000"]
    assert run(WRITE_MAX_RECORDS="7", WRITE_MAX_FIELDS="9", WRITE_MAX_BODY_BYTES="100") == [
        "100",
        "10485760",
        "7",
        "9",
    ]
