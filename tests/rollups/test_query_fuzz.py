"""No query string makes the read API fail with a 5xx.

Hypothesis builds hostile query strings: real parameter names with odd values, random
names, unicode, NUL bytes, very long values, repeated parameters, field names that try
SQL injection or JSON-path syntax, broken percent-encoding. They go to
``GET /data/<group>/<type>`` and legacy ``GET /<name>`` of a data set that allows raw
queries and of one that does not, both holding records. Every answer must be a 2xx/4xx
in the API's JSON envelope (or CSV), and the tables must be intact afterwards.
"""

import json
from urllib.parse import quote

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from performance_platform.datastore.models import DataSet, Record, RollupDay, WriteAudit
from performance_platform.datastore.query.params import ALLOWED

from .conftest import examples, new_data_set, token_for, url_for

pytestmark = pytest.mark.django_db

PARAMS = sorted(ALLOWED)
HOSTILE = [
    "a'); DROP TABLE datastore_record;--",
    "channel' OR '1'='1",
    "$where",
    "$.a[0]",
    "a.b",
    '"',
    "\\",
    "a\x00b",
    "\x00",
    "ünï",
    "名前",
    "a b",
    "%",
    "_id",
    "_timestamp",
    "__proto__",
    "x" * 201,
    "a" * 5000,
    "",
    ":",
    "::",
    "-1",
    "1e3",
    "٣",
    "NaN",
    "null",
    "🙂",
]
FIELDS = ["channel", "count", "amount", "flag", "note", "missing_field", "_count", *HOSTILE]
METHODS = ["sum", "mean", "count", "set", "max", "", "sum:sum"]
DATES = [
    "2025-01-06T00:00:00Z",
    "2025-01-13T00:00:00+00:00",
    "2025-02-03T00:00:00Z",
    "2025-01-01T10:30:00Z",
    "2025-01-06T00:00:00-14:00",
    "2025-01-06T00:00:00+1400",
    "0001-01-01T00:00:00Z",
    "0001-01-01T00:00:00+01:00",
    "9999-12-31T00:00:00Z",
    "9999-12-31T23:59:59-01:00",
    "2025-02-30T00:00:00Z",
    "2025-01-06",
    "2025-13-01T00:00:00Z",
]
NUMBERS = ["1", "7", "52", "0", "-1", "999999999", "1000000000", "٣", "1.5", " 1", "+1"]
PERIODS = ["hour", "day", "week", "month", "quarter", "year", "Day", "fortnight"]
FLAGS = ["true", "false", "TRUE", "1", ""]
ODD_TEXT = st.text(max_size=30) | st.sampled_from(HOSTILE)


def _pair(field, rest):
    return st.tuples(field, rest).map(lambda t: f"{t[0]}:{t[1]}")


VALUES = {
    "start_at": st.sampled_from(DATES) | ODD_TEXT,
    "end_at": st.sampled_from(DATES) | ODD_TEXT,
    "duration": st.sampled_from(NUMBERS) | ODD_TEXT,
    "limit": st.sampled_from(NUMBERS) | ODD_TEXT,
    "period": st.sampled_from(PERIODS) | ODD_TEXT,
    "filter_by": _pair(
        st.sampled_from(FIELDS), st.sampled_from(["web", "true", "1", ""]) | ODD_TEXT
    )
    | ODD_TEXT,
    "filter_by_prefix": _pair(st.sampled_from(FIELDS), st.sampled_from(["w", "", "%"]) | ODD_TEXT),
    "group_by": st.sampled_from(FIELDS) | ODD_TEXT,
    "sort_by": _pair(
        st.sampled_from([*FIELDS, "count:sum", "amount:mean"]),
        st.sampled_from(["ascending", "descending", "up"]),
    )
    | ODD_TEXT,
    "collect": _pair(st.sampled_from(FIELDS), st.sampled_from(METHODS))
    | st.sampled_from(FIELDS)
    | ODD_TEXT,
    "flatten": st.sampled_from(FLAGS) | ODD_TEXT,
    "inclusive": st.sampled_from(FLAGS) | ODD_TEXT,
    "format": st.sampled_from(["csv", "json", "CSV", "xml"]) | ODD_TEXT,
}


@st.composite
def known_param(draw):
    name = draw(st.sampled_from(PARAMS))
    return name, draw(VALUES[name])


@st.composite
def any_param(draw):
    name = draw(st.sampled_from([*HOSTILE, "Period", "group_by[]", "callback"]) | st.text())
    return name, draw(st.sampled_from(HOSTILE) | st.text())


GOOD_DATES = [
    "2025-01-06T00:00:00Z",
    "2025-01-13T00:00:00Z",
    "2025-02-03T00:00:00Z",
    "2024-12-02T00:00:00Z",
    "2025-03-01T00:00:00Z",
]
GOOD_FIELDS = ["channel", "flag", "note", "count", "amount", "missing_field"]


@st.composite
def plausible_query(draw):
    """Mostly valid queries (so execution, not only validation, is fuzzed)."""
    params = []
    period = draw(st.sampled_from([None, *PERIODS[:6]]))
    if period:
        params.append(("period", period))
        if draw(st.booleans()):
            dates = draw(st.lists(st.sampled_from(GOOD_DATES), min_size=2, max_size=2))
            params += [("start_at", min(dates)), ("end_at", max(dates))]
        else:
            params.append(("duration", draw(st.sampled_from(["1", "7", "52", "400"]))))
            if draw(st.booleans()):
                name = draw(st.sampled_from(["start_at", "end_at"]))
                params.append((name, draw(st.sampled_from(GOOD_DATES))))
    elif draw(st.booleans()):
        params += [("start_at", GOOD_DATES[3]), ("end_at", GOOD_DATES[4])]
    group_by = draw(st.lists(st.sampled_from(GOOD_FIELDS), max_size=2, unique=True))
    params += [("group_by", g) for g in group_by]
    if group_by or period:
        for field in draw(st.lists(st.sampled_from(GOOD_FIELDS), max_size=2, unique=True)):
            if field not in group_by:
                method = draw(st.sampled_from([None, "sum", "mean", "count", "set"]))
                params.append(("collect", f"{field}:{method}" if method else field))
    for _ in range(draw(st.integers(0, 1))):
        params.append(("filter_by", draw(st.sampled_from(["channel:web", "flag:true", "count:3"]))))
    if draw(st.booleans()):
        params.append(("flatten", "true"))
    if draw(st.integers(0, 3)) == 0:
        params.append(("format", "csv"))
    if group_by or not period:
        if draw(st.booleans()):
            field = draw(st.sampled_from([*GOOD_FIELDS, "_count", "_timestamp", "amount:sum"]))
            params.append(
                ("sort_by", f"{field}:{draw(st.sampled_from(['ascending', 'descending']))}")
            )
        if draw(st.booleans()):
            params.append(("limit", draw(st.sampled_from(["1", "2", "100"]))))
    if draw(st.integers(0, 3)) == 0:
        params.append(draw(known_param()))
    return params


RAW_JUNK = ["%", "%zz", "&&", "=", "==", "%00", "%C0%80", "%FF%FE", "a=%E2%82", "+", ";", "?"]


@st.composite
def query_strings(draw) -> tuple[str, str]:
    kind = draw(st.sampled_from(["known", "known", "plausible", "plausible", "any"]))
    if kind == "plausible":
        params = draw(plausible_query())
    else:
        strategy = known_param() if kind == "known" else st.one_of(known_param(), any_param())
        params = draw(st.lists(strategy, min_size=0, max_size=8))
    if draw(st.integers(0, 9)) == 0 and params:
        params = params * draw(st.integers(2, 30))  # repeated parameters
    parts = [f"{quote(n, safe='')}={quote(v, safe=':')}" for n, v in params]
    if draw(st.integers(0, 5)) == 0:
        parts.insert(draw(st.integers(0, len(parts))), draw(st.sampled_from(RAW_JUNK)))
    return kind, "&".join(parts)


RECORDS = [
    {
        "_timestamp": "2025-01-06T10:00:00Z",
        "_id": "r1",
        "channel": "web",
        "count": 3,
        "amount": 1.5,
    },
    {"_timestamp": "2025-01-07T00:00:00Z", "_id": "r2", "channel": "phone", "count": 4},
    {"_timestamp": "2025-01-13T23:59:59Z", "channel": None, "count": -2, "flag": True},
    {"_timestamp": "2025-01-20T12:00:00Z", "channel": "web", "note": "=cmd()", "amount": 1e20},
    {"_timestamp": "2025-02-03T00:00:00Z", "channel": "ünï", "count": 2**62, "flag": False},
    {"_timestamp": "2024-12-31T23:00:00Z", "channel": "web", "amount": "text", "count": 0.25},
]


@pytest.fixture
def fuzz_targets(db):
    """Two data sets with records, and the two URLs of each."""
    client = Client()
    targets = []
    for raw in (True, False):
        data_set = new_data_set("fuzz", raw_queries_allowed=raw)
        response = client.post(
            url_for(data_set),
            json.dumps(RECORDS),
            content_type="application/json",
            headers={"Authorization": f"Bearer {token_for(data_set)}"},
        )
        assert response.status_code == 200, response.content
        targets.append((url_for(data_set), f"/{data_set.name}"))
    return targets


def _snapshot() -> tuple:
    return (
        DataSet.objects.count(),
        Record.objects.count(),
        RollupDay.objects.count(),
        WriteAudit.objects.count(),
        sorted(DataSet.objects.values_list("name", "version")),
    )


def _check(response, query: str) -> None:
    status = response.status_code
    event(f"status {status}")
    assert status < 500, f"{status} for ?{query}: {response.content[:500]!r}"
    assert status in (200, 400), f"{status} for ?{query}"
    if status == 200 and response["Content-Type"].startswith("text/csv"):
        assert not response.content.startswith(b"\xef\xbb\xbf"), query
        response.content.decode("utf-8")
        return
    assert response["Content-Type"] == "application/json", query
    body = json.loads(response.content)
    assert isinstance(body, dict), query
    if status == 200:
        assert isinstance(body.get("data"), list), query
    else:
        assert body.get("status") == "error" and isinstance(body.get("message"), str), query


@settings(
    max_examples=examples(400),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(case=query_strings())
def test_no_query_string_gives_a_server_error(fuzz_targets, case):
    kind, query = case
    cache.clear()
    client = Client()
    before = _snapshot()
    for paths in fuzz_targets:
        for path in paths:
            response = client.get(f"{path}?{query}")
            _check(response, query)
            event(f"{kind}: {response.status_code}")
            if kind == "plausible" and response.status_code == 400:
                event(json.loads(response.content)["message"][:50])
    assert _snapshot() == before
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*) FROM {Record._meta.db_table}")
        assert cursor.fetchone()[0] == before[1]
