"""User satisfaction: score = (mean rating − 1) / 4, from rating_1..rating_5 counts."""

import pytest

from .conftest import by_start, day, drain, iso, make_transform, write

pytestmark = pytest.mark.django_db

RAW = "customer-satisfaction"
OUT = "user-satisfaction-score"


def ratings(date, r1, r2, r3, r4, r5):
    return {
        "_timestamp": day(date),
        "rating_1": r1,
        "rating_2": r2,
        "rating_3": r3,
        "rating_4": r4,
        "rating_5": r5,
    }


def test_reference_examples_monthly(source, client):
    source(data_type=RAW)
    make_transform("user_satisfaction", RAW, OUT)
    write(
        client,
        "svc",
        RAW,
        [
            # January: 1,1,1,1,1 → Σk·r = 1+2+3+4+5 = 15 over 5 → mean 3 → (3−1)/4 = 0.5
            ratings("2015-01-10", 1, 1, 1, 1, 1),
            # February: 1,1,1,1,6 → 1+2+3+4+30 = 40 over 10 → mean 4 → 0.75
            ratings("2015-02-10", 1, 1, 1, 1, 6),
            # March, in two records: 3,1,0,1,0 + 3,0,1,0,1 = 6,1,1,1,1
            # → 6+2+3+4+5 = 20 over 10 → mean 2 → 0.25
            ratings("2015-03-02", 3, 1, 0, 1, 0),
            ratings("2015-03-30", 3, 0, 1, 0, 1),
            # April: no responses → score null, num_responses 0
            ratings("2015-04-15", 0, 0, 0, 0, 0),
            # June: ten 5-star responses → mean 5 → 1.0 (ingestion.md 1.9)
            ratings("2015-06-01", 0, 0, 0, 0, 10),
        ],
    )
    assert drain() == 1
    out = by_start("svc", OUT)
    # May had no records: no derived record.
    assert sorted(out) == [iso(f"2015-0{m}-01") for m in (1, 2, 3, 4, 6)]
    jan, feb, mar, apr, jun = (out[iso(f"2015-0{m}-01")] for m in (1, 2, 3, 4, 6))
    assert jan["score"] == 0.5
    assert jan["num_responses"] == 5
    assert feb["score"] == 0.75
    assert feb["num_responses"] == 10
    assert mar["score"] == 0.25
    assert mar["num_responses"] == 10
    # The breakdown is kept (summed over the month's records).
    assert [mar[f"rating_{k}"] for k in range(1, 6)] == [6, 1, 1, 1, 1]
    assert [feb[f"rating_{k}"] for k in range(1, 6)] == [1, 1, 1, 1, 6]
    assert apr["score"] is None
    assert apr["num_responses"] == 0
    assert [apr[f"rating_{k}"] for k in range(1, 6)] == [0, 0, 0, 0, 0]
    assert jun["score"] == 1.0
    assert jan["_end_at"] == iso("2015-02-01")


def test_one_three_five_stars(source, client):
    # ingestion.md 1.9: one response each of 1, 3 and 5 stars → mean 3 → 0.5
    source(data_type=RAW)
    make_transform("user_satisfaction", RAW, OUT)
    write(client, "svc", RAW, [ratings("2015-01-10", 1, 0, 1, 0, 1)])
    drain()
    (record,) = by_start("svc", OUT).values()
    assert record["score"] == 0.5
    assert record["num_responses"] == 3


def test_missing_rating_fields_count_as_no_responses(source, client):
    # A record with only rating_5 present: 2 five-star responses → 1.0
    source(data_type=RAW)
    make_transform("user_satisfaction", RAW, OUT)
    write(client, "svc", RAW, [{"_timestamp": day("2015-01-10"), "rating_5": 2}])
    drain()
    (record,) = by_start("svc", OUT).values()
    assert record["score"] == 1.0
    assert record["num_responses"] == 2
    assert record["rating_1"] == 0
