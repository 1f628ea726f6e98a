"""Properties over random data: stored figures equal ones computed independently here."""

import itertools

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from performance_platform.kpis.change import change
from performance_platform.kpis.computing import compute_satisfaction

from .conftest import TAKEUP, TX, by_start, day, drain, make_transform, post, snapshot, write

pytestmark = pytest.mark.django_db

CHANNELS = ("digital", "api", "phone", "paper")
WEEK = "2015-01-05T00:00:00+00:00"
DB_SETTINGS = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
# Each example writes to a data group of its own, so examples never see each other's data.
_groups = itertools.count()

counts_by_channel = st.fixed_dictionaries(
    {c: st.one_of(st.none(), st.integers(min_value=0, max_value=10**9)) for c in CHANNELS}
)


def expected_rate(counts: dict, digital_channels: set):
    """digital / total over the channels that have a record, or None (worked out here)."""
    present = {c: n for c, n in counts.items() if n is not None}
    total = sum(present.values())
    digital = [n for c, n in present.items() if c in digital_channels]
    if not digital or total == 0:
        return None
    return sum(digital) / total


def write_week(client, source, counts, *, split):
    group = f"prop-{next(_groups)}"
    source(group=group)
    batch = []
    for channel, n in counts.items():
        if n is None:
            continue
        if split and n > 1:
            # The same count in two records on different days of the week.
            batch.append({"_timestamp": day("2015-01-06"), "channel": channel, "count": n // 2})
            batch.append(
                {"_timestamp": day("2015-01-11", 23), "channel": channel, "count": n - n // 2}
            )
        else:
            batch.append({"_timestamp": day("2015-01-05"), "channel": channel, "count": n})
    if batch:
        write(client, group, TX, batch)
    drain()
    return group


@DB_SETTINGS
@given(counts=counts_by_channel, split=st.booleans(), with_api=st.booleans())
def test_stored_takeup_rate_is_digital_over_total(client, source, counts, split, with_api):
    if with_api:
        digital_channels = {"digital", "api"}
        transform = make_transform(
            "digital_takeup", TX, TAKEUP, options={"channels": ["digital", "api"]}
        )
    else:
        digital_channels = {"digital"}
        transform = make_transform("digital_takeup", TX, TAKEUP)
    try:
        group = write_week(client, source, counts, split=split)
        stored = by_start(group, TAKEUP)
        if all(n is None for n in counts.values()):
            assert stored == {}  # no records: no derived record
            return
        assert list(stored) == [WEEK]
        record = stored[WEEK]
        assert record["rate"] == expected_rate(counts, digital_channels)
        assert record["denominator"] == sum(n for n in counts.values() if n is not None)
    finally:
        transform.delete()


@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
@given(counts=counts_by_channel)
def test_rerunning_over_random_data_changes_nothing(client, source, counts):
    assume(any(n is not None for n in counts.values()))
    transform = make_transform("digital_takeup", TX, TAKEUP)
    try:
        group = write_week(client, source, counts, split=False)
        before = snapshot(group, TAKEUP)
        response = post(
            client,
            group,
            TX,
            {"_start_at": "2015-01-01", "_end_at": "2015-01-31"},
            path="/transform",
        )
        assert response.status_code == 200
        assert drain() == 1
        assert snapshot(group, TAKEUP) == before
    finally:
        transform.delete()


ratings = st.lists(st.integers(min_value=0, max_value=10**6), min_size=5, max_size=5)


@settings(max_examples=300, deadline=None)
@given(records=st.lists(ratings, min_size=1, max_size=4))
def test_satisfaction_score_formula(records):
    rows = [
        {
            "_start_at": WEEK,
            "_end_at": "2015-01-12T00:00:00+00:00",
            "_count": 1,
            **{f"rating_{k + 1}:sum": r[k] for k in range(5)},
        }
        for r in records
    ]
    (out,) = compute_satisfaction(rows)
    totals = [sum(r[k] for r in records) for k in range(5)]
    responses = sum(totals)
    assert out["num_responses"] == responses
    assert [out[f"rating_{k}"] for k in range(1, 6)] == totals
    if responses == 0:
        assert out["score"] is None
    else:
        weighted = 1 * totals[0] + 2 * totals[1] + 3 * totals[2] + 4 * totals[3] + 5 * totals[4]
        assert out["score"] == pytest.approx((weighted / responses - 1) / 4, rel=1e-12, abs=1e-12)
        assert 0 <= out["score"] <= 1


finite = st.one_of(
    st.integers(min_value=-(10**12), max_value=10**12),
    st.floats(
        min_value=-1e12,
        max_value=1e12,
        allow_nan=False,
        allow_infinity=False,
        allow_subnormal=False,  # differences below ~1e-309 are noise by design
    ),
)


@settings(max_examples=500)
@given(current=finite, previous=finite)
def test_change_direction_matches_the_difference(current, previous):
    moved = change(current, previous)
    difference = current - previous
    if abs(difference) <= 1e-9 * max(abs(current), abs(previous)):
        assert moved.direction == "no change"
        assert moved.absolute == 0
    else:
        assert moved.direction == ("up" if difference > 0 else "down")
        assert moved.absolute == difference
        if previous == 0:
            assert moved.relative is None
        else:
            assert moved.relative == pytest.approx(difference / previous)
