"""Values at the edges of what JSON and the databases hold, where rollups are easy to get wrong.

Each of these found a real difference between the rollup path, the records path and
the two databases before it was fixed (see the commit that added this file).
"""

import json
import math
from datetime import UTC, datetime

import pytest
from django.db import connection
from django.http import QueryDict
from django.test import Client

from performance_platform.datastore import rollups
from performance_platform.datastore.models import DataSet, Record, RollupDay
from performance_platform.datastore.query.engine import execute, fitting_levels, resolve_window
from performance_platform.datastore.query.params import QueryError, parse
from performance_platform.datastore.validation import prepare_records

from . import reference
from .checks import assert_periods_match_days, stored_periods
from .conftest import new_data_set, token_for, url_for
from .strategies import assert_same

pytestmark = pytest.mark.django_db
TOO_LARGE = "A sum is too large to compute"
NOW = datetime(2025, 6, 1, tzinfo=UTC)
DAY = "2025-01-01T10:00:00Z"


def _write(data_set, records, method="post", record_id=None):
    client = Client()
    auth = {"Authorization": f"Bearer {token_for(data_set)}"}
    url = url_for(data_set) + (f"/{record_id}" if record_id else "")
    body = json.dumps(records)
    response = getattr(client, method)(url, body, content_type="application/json", headers=auth)
    assert response.status_code == 200, response.content


def _both(data_set, query: str):
    """(rollup answer, records answer); an answer is the data or ("error", message).

    Every rollup level that fits the query (month, week, day) must give the same answer.
    """
    data_set = DataSet.objects.get(pk=data_set.pk)
    q = parse(QueryDict(query), raw_queries_allowed=True)
    levels = fitting_levels(q, resolve_window(q, NOW))
    out = []
    for path in (*levels, "records"):
        try:
            out.append(execute(data_set, q, now=NOW, force_path=path).data)
        except QueryError as exc:
            out.append(("error", exc.message))
    day = out[len(levels) - 1]
    for level, answer in zip(levels, out, strict=False):
        assert answer == day, f"{level}: {answer} != day: {day}"
    return [out[0], out[-1]]


def _stored(data_set) -> list[dict]:
    return list(Record.objects.filter(data_set=data_set).values_list("data", flat=True))


def _rollup_rows(data_set) -> list:
    rows = RollupDay.objects.filter(data_set=data_set).values_list(
        "day", "dims_hash", "dims", "count"
    )
    return sorted((day, digest, json.dumps(dims), count) for day, digest, dims, count in rows)


def _assert_rollups_exact(data_set):
    """The rollup table equals a rebuild from the records, and counts every record."""
    data_set = DataSet.objects.get(pk=data_set.pk)
    before = _rollup_rows(data_set)
    assert sum(row[3] for row in before) == len(_stored(data_set))
    assert_periods_match_days(data_set)
    periods_before = stored_periods(data_set)
    rollups.rebuild(data_set)
    assert _rollup_rows(data_set) == before
    assert stored_periods(data_set).keys() == periods_before.keys()
    assert_periods_match_days(data_set)


def test_floats_of_1e16_and_more_stay_floats():
    """PostgreSQL's jsonb read ``1e+16`` back as the integer 10000000000000000: the raw
    read changed type, the records path summed integers while the rollup summed floats,
    and an overwrite missed the rollup row of a float dimension (its hash changed)."""
    data_set = new_data_set("huge", raw_queries_allowed=True, dimensions=["size"])
    values = [1e16, 1.5e20, 2e300, 0.5]
    records = [
        {"_timestamp": DAY, "_id": f"r{i}", "size": v, "amount": v} for i, v in enumerate(values)
    ]
    _write(data_set, records)
    stored = sorted(_stored(data_set), key=lambda r: r["_id"])
    assert [(type(r["amount"]), r["amount"]) for r in stored] == [(float, v) for v in values]
    query = "group_by=size&collect=amount:sum&collect=amount:mean"
    expected = reference.run(
        stored, {"group_by": ["size"], "collect": [("amount", "sum"), ("amount", "mean")]}
    )
    for answer in _both(data_set, query):
        assert_same(answer, expected)
    # Overwrite the 1e16 record: its old rollup row must be found and emptied.
    _write(data_set, [{"_timestamp": DAY, "_id": "r0", "size": 0.5, "amount": 1}])
    _assert_rollups_exact(data_set)
    rollup, records = _both(data_set, "group_by=size")
    assert (
        rollup
        == records
        == [
            {"size": 0.5, "_count": 2},
            {"size": 1.5e20, "_count": 1},
            {"size": 2e300, "_count": 1},
        ]
    )


def test_negative_zero_dimension_is_zero():
    """PostgreSQL stores -0.0 as 0.0, so its rollup row hashed differently when read back."""
    data_set = new_data_set("zero", raw_queries_allowed=True, dimensions=["size"])
    _write(data_set, [{"_timestamp": DAY, "_id": "a", "size": -0.0, "nn": 1}])
    _write(data_set, [{"_timestamp": DAY, "_id": "a", "size": 2.5, "nn": 1}])  # overwrite
    _write(data_set, [{"_timestamp": DAY, "_id": "b", "size": 0.0, "nn": 1}])
    _assert_rollups_exact(data_set)
    rollup, records = _both(data_set, "group_by=size&collect=nn:sum")
    assert (
        rollup
        == records
        == [
            {"size": 0.0, "_count": 1, "nn:sum": 1},
            {"size": 2.5, "_count": 1, "nn:sum": 1},
        ]
    )


def test_float_sum_beyond_the_double_range_is_refused_on_both_paths():
    """The rollup stored the overflowed sum as null, which summed to 0.0; the records
    path answered inf (null in JSON). Both now refuse the sum and the mean with a 400."""
    data_set = new_data_set("overflow", raw_queries_allowed=True)
    big = 1.7e308
    _write(data_set, [{"_timestamp": DAY, "_id": f"r{i}", "amount": big} for i in range(2)])
    query = "period=day&start_at=2025-01-01T00:00:00Z&end_at=2025-01-02T00:00:00Z"
    for method in ("sum", "mean"):
        answers = _both(data_set, f"{query}&collect=amount:{method}")
        assert answers == [("error", TOO_LARGE)] * 2
    # More writes to the overflowed row work, and a removal makes it exact again.
    _write(data_set, [{"_timestamp": DAY, "_id": "r2", "amount": 1.0}])
    _write(data_set, [{"_timestamp": DAY, "_id": "r3", "amount": 3}])
    client = Client()
    auth = {"Authorization": f"Bearer {token_for(data_set)}"}
    assert client.delete(url_for(data_set) + "/r1", headers=auth).status_code == 200
    _assert_rollups_exact(data_set)
    for answer in _both(data_set, query + "&collect=amount:sum&collect=amount:mean"):
        row = answer[0]
        assert row["_count"] == 3
        assert math.isclose(row["amount:sum"], big + 4.0)
        assert math.isclose(row["amount:mean"], (big + 4.0) / 3)


def test_integer_sums_beyond_64_bits_agree_on_both_paths():
    """A sum beyond 64 bits is refused on both paths and both databases (SQLite's rollup
    path used to answer an inexact float, its records path an error). PostgreSQL sums
    exactly, so it can still give the mean; SQLite refuses that too."""
    data_set = new_data_set("int64", raw_queries_allowed=True)
    top = 2**63 - 1
    _write(data_set, [{"_timestamp": DAY, "_id": f"r{i}", "nn": top, "kk": "a"} for i in range(2)])
    rollup_sum, records_sum = _both(data_set, "group_by=kk&collect=nn:sum")
    assert rollup_sum == records_sum == ("error", TOO_LARGE)
    rollup_mean, records_mean = _both(data_set, "group_by=kk&collect=nn:mean")
    if connection.vendor == "postgresql":
        assert rollup_mean == records_mean == [{"kk": "a", "_count": 2, "nn:mean": float(top)}]
    else:
        assert rollup_mean == records_mean == ("error", TOO_LARGE)
    # Within 64 bits the sum is exact on both paths.
    _write(data_set, [{"_timestamp": DAY, "_id": "r1", "nn": -top, "kk": "a"}])
    assert (
        _both(data_set, "group_by=kk&collect=nn:sum")
        == [[{"kk": "a", "_count": 2, "nn:sum": 0}]] * 2
    )


@pytest.mark.parametrize("value", [math.inf, -math.inf, math.nan])
def test_non_finite_floats_are_refused(value):
    """JSON cannot hold them; stored they became null while the rollup counted a number."""
    prepared, errors = prepare_records(
        [{"_timestamp": DAY, "amount": value}], schema=None, auto_ids=None, now=NOW
    )
    assert prepared == [] and errors == ["amount has an invalid value"]


def test_true_is_not_one_and_1_0_is_1():
    """In Python True == 1, so the engine merged the groups true and 1 (and lost a count);
    SQLite keeps 1 and 1.0 apart while PostgreSQL (and JSON) treat them as one number."""
    data_set = new_data_set("flags", raw_queries_allowed=True, dimensions=["code"])
    values = [1, True, 1.0, 0, False, True]
    _write(data_set, [{"_timestamp": DAY, "_id": f"r{i}", "code": v} for i, v in enumerate(values)])
    for answer in _both(data_set, "group_by=code"):
        shown = [(reference.tag(row["code"])[0], row["code"], row["_count"]) for row in answer]
        assert shown == [("number", 0, 1), ("number", 1, 2), ("bool", False, 1), ("bool", True, 2)]
