"""Helpers for the read API tests: writing through the real pipeline, reading through
HTTP and through the Python API on both query paths (records and daily rollups)."""

import json
from datetime import UTC, datetime
from urllib.parse import urlencode

from performance_platform.datastore.query import parse_query
from performance_platform.datastore.query.engine import execute, fitting_levels
from performance_platform.datastore.storage import store_records
from performance_platform.datastore.validation import prepare_records

WRITTEN_AT = datetime(2020, 1, 1, 12, 0, tzinfo=UTC)
WRITTEN_AT_ISO = "2020-01-01T12:00:00+00:00"
NOW = datetime(2013, 3, 1, 12, 0, tzinfo=UTC)  # a "now" far from any real clock


def write(data_set, items: list[dict], *, now: datetime = WRITTEN_AT) -> None:
    """Store records through the real validation pipeline and storage (rollups kept)."""
    records, errors = prepare_records(
        items, schema=data_set.schema, auto_ids=data_set.auto_ids or None, now=now
    )
    assert errors == [], errors
    store_records(data_set, records, now=now)


def pairs(params) -> list[tuple[str, str]]:
    """Query parameters as (name, value) pairs; a list value repeats the parameter."""
    if isinstance(params, list):
        return list(params)
    out = []
    for key, value in (params or {}).items():
        for item in value if isinstance(value, list | tuple) else [value]:
            out.append((key, str(item)))
    return out


def querydict_params(params) -> dict:
    grouped: dict[str, list[str]] = {}
    for key, value in pairs(params):
        grouped.setdefault(key, []).append(value)
    return grouped


def url_for(data_set, params=None) -> str:
    base = f"/data/{data_set.data_group.name}/{data_set.data_type.name}"
    query = urlencode(pairs(params))
    return f"{base}?{query}" if query else base


def http_get(client, data_set, params=None, **headers):
    return client.get(url_for(data_set, params), headers=headers)


def http_json(client, data_set, params=None, status=200):
    response = http_get(client, data_set, params)
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/json"
    return json.loads(response.content)


def run_paths(data_set, params, *, rollup: bool, now: datetime = NOW) -> list:
    """Run a query on every applicable path and insist they agree.

    ``rollup`` says whether the planner must pick the daily rollups: when it does,
    the query is also forced through the records, and both must give the same data.
    When it must not, the query is run through the records only.
    """
    query = parse_query(data_set, querydict_params(params))
    auto = execute(data_set, query, now=now)
    records = execute(data_set, query, now=now, force_path="records")
    assert auto.used_rollup is rollup
    assert records.used_rollup is False
    assert auto.data == records.data
    if rollup:
        rolled = execute(data_set, query, now=now, force_path="rollup")
        assert rolled.used_rollup is True
        assert rolled.data == records.data
        # Every rollup level whose rows fit the range (month, week, day) agrees too.
        levels = fitting_levels(query, auto.window)
        assert auto.rollup_level == levels[0]
        for level in levels:
            assert execute(data_set, query, now=now, force_path=level).data == records.data, level
    return records.data


def query(client, data_set, params, *, rollup: bool) -> list:
    """The ``data`` of a query over HTTP, checked against both paths of the Python API."""
    body = http_json(client, data_set, params)
    data = run_paths(data_set, params, rollup=rollup)
    assert body["data"] == data
    return data


def error(client, data_set, params, status=400) -> dict:
    response = http_get(client, data_set, params)
    assert response.status_code == status, response.content
    assert response["Access-Control-Allow-Origin"] == "*"
    return json.loads(response.content)
