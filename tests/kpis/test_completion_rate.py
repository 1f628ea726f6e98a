"""Completion rate, with the ``completion_rate`` type and with the original ``rate`` type."""

import pytest

from .conftest import by_start, day, drain, iso, make_transform, write

pytestmark = pytest.mark.django_db

JOURNEY = "journey"
OUT = "completion-rate"
W1, W2, W3 = "2015-01-05", "2015-01-12", "2015-01-19"


def rec(date, stage, count):
    return {"_timestamp": day(date), "stage": stage, "count": count}


DATA = [
    # W1: start 10 + start-mobile 5 = 15 started (matched by ^start), 10 done → 10 / 15
    rec(W1, "start", 10),
    rec(W1, "start-mobile", 5),
    rec(W1, "done", 10),
    # W2: nothing started, 5 done → no denominator → null
    rec(W2, "done", 5),
    # W3: 4 started, none done (no "done" record) → null, as a missing numerator
    rec(W3, "start", 4),
]


def check(out):
    assert sorted(out) == [iso(W1), iso(W2), iso(W3)]
    assert out[iso(W1)]["rate"] == pytest.approx(0.6666666666666666)  # 10 / 15
    assert (out[iso(W1)]["numerator"], out[iso(W1)]["denominator"]) == (10, 15)
    assert out[iso(W2)]["rate"] is None
    assert out[iso(W2)]["denominator"] is None
    assert out[iso(W3)]["rate"] is None
    assert (out[iso(W3)]["numerator"], out[iso(W3)]["denominator"]) == (None, 4)


def test_completion_rate_type(source, client):
    source(data_type=JOURNEY)
    make_transform(
        "completion_rate",
        JOURNEY,
        OUT,
        options={"numerator_matcher": "^done$", "denominator_matcher": "^start"},
    )
    write(client, "svc", JOURNEY, DATA)
    assert drain() == 1
    check(by_start("svc", OUT))


def test_original_rate_type_with_regex_options(source, client):
    source(data_type=JOURNEY)
    make_transform(
        "rate",
        JOURNEY,
        OUT,
        query={"period": "week"},
        options={
            "matchingAttribute": "stage",
            "valueAttribute": "count:sum",
            "numeratorMatcher": "^done$",
            "denominatorMatcher": "^start",
        },
    )
    write(client, "svc", JOURNEY, DATA)
    assert drain() == 1
    check(by_start("svc", OUT))


def test_rate_type_as_the_self_service_digital_takeup(source, client):
    # The admin app's transform: numerator ^digital$, denominator .+ over channel.
    source()
    make_transform(
        "rate",
        "transactions-by-channel",
        "digital-takeup",
        query={"period": "week", "group_by": "channel", "collect": "count:sum"},
        options={
            "matchingAttribute": "channel",
            "valueAttribute": "count:sum",
            "numeratorMatcher": "^digital$",
            "denominatorMatcher": ".+",
        },
    )
    write(
        client,
        "svc",
        "transactions-by-channel",
        [
            # digital 3, api 1 (not digital: ^digital$), paper 4 → 3 / 8 = 0.375
            {"_timestamp": day(W1), "channel": "digital", "count": 3},
            {"_timestamp": day(W1), "channel": "api", "count": 1},
            {"_timestamp": day(W1), "channel": "paper", "count": 4},
        ],
    )
    drain()
    out = by_start("svc", "digital-takeup")
    assert out[iso(W1)]["rate"] == 0.375


def test_matchers_search_anywhere_in_the_value(source, client):
    # re.search, as the original: "done" also matches "form-done".
    source(data_type=JOURNEY)
    make_transform(
        "completion_rate",
        JOURNEY,
        OUT,
        options={
            "numerator_matcher": "done",
            "denominator_matcher": "start",
            "matching_attribute": "step",
            "value_attribute": "hits",
        },
    )
    write(
        client,
        "svc",
        JOURNEY,
        [
            # started 8, done 2 + 4 = 6 → 6 / 8 = 0.75
            {"_timestamp": day(W1), "step": "start", "hits": 8},
            {"_timestamp": day(W1), "step": "done", "hits": 2},
            {"_timestamp": day(W1), "step": "form-done", "hits": 4},
        ],
    )
    drain()
    assert by_start("svc", OUT)[iso(W1)]["rate"] == 0.75
