"""Digital take-up: digital channels' count over all channels' count, per period.

Every expected figure is worked out by hand in the comments.
"""

import pytest

from .conftest import TAKEUP, TX, by_start, day, drain, find, iso, make_transform, period_id, write

pytestmark = pytest.mark.django_db

# Mondays of January/February 2015 (2015-01-01 was a Thursday).
W1, W2, W3, W4, W5, W6, W7 = (
    "2015-01-05",
    "2015-01-12",
    "2015-01-19",
    "2015-01-26",
    "2015-02-02",
    "2015-02-09",
    "2015-02-16",
)


def rec(date, channel, count, hour=0):
    return {"_timestamp": day(date, hour), "channel": channel, "count": count}


WEEKS = [
    # W1: digital 40 (Monday) + 20 (Thursday) = 60; phone 30; paper 10 → 60 / 100 = 0.6
    rec(W1, "digital", 40),
    rec("2015-01-08", "digital", 20),
    rec(W1, "phone", 30),
    rec(W1, "paper", 10),
    # W2: digital 0, phone 5, paper 5 → 0 / 10 = 0.0 (a real zero, not "no data")
    rec(W2, "digital", 0),
    rec(W2, "phone", 5),
    rec(W2, "paper", 5),
    # W3: no digital record at all (missing channel) → rate null; denominator 4 + 6 = 10
    rec(W3, "phone", 4),
    rec(W3, "paper", 6),
    # W4: no records → no derived record (a gap stays a gap)
    # W5: every count 0 → zero denominator → rate null
    rec(W5, "digital", 0),
    rec(W5, "phone", 0),
    rec(W5, "paper", 0),
    # W6: digital 1, api 1, paper 2. Default channels: 1 / 4 = 0.25;
    # with channels digital+api: (1 + 1) / 4 = 0.5
    rec(W6, "digital", 1),
    rec(W6, "api", 1),
    rec(W6, "paper", 2),
]


@pytest.fixture
def takeup(source, client):
    def run(**options):
        source()
        make_transform("digital_takeup", TX, TAKEUP, options=options or None)
        write(client, "svc", TX, WEEKS)
        assert drain() == 1  # one write, one transform: one task
        return by_start("svc", TAKEUP)

    return run


def test_default_channels_rate_per_week(takeup):
    out = takeup()
    # W4 has no source records, so it has no derived record.
    assert sorted(out) == [iso(W1), iso(W2), iso(W3), iso(W5), iso(W6)]
    assert out[iso(W1)]["rate"] == pytest.approx(0.6)
    assert (out[iso(W1)]["numerator"], out[iso(W1)]["denominator"]) == (60, 100)
    # digital 0 with other channels > 0 is a real 0.0 (the original dropped it).
    assert out[iso(W2)]["rate"] == 0.0
    assert out[iso(W2)]["rate"] is not None
    assert (out[iso(W2)]["numerator"], out[iso(W2)]["denominator"]) == (0, 10)
    # Missing channel: nothing to say about digital, so null.
    assert out[iso(W3)]["rate"] is None
    assert (out[iso(W3)]["numerator"], out[iso(W3)]["denominator"]) == (None, 10)
    # Zero denominator: null.
    assert out[iso(W5)]["rate"] is None
    assert (out[iso(W5)]["numerator"], out[iso(W5)]["denominator"]) == (0, 0)
    # api is not digital by default: 1 / 4.
    assert out[iso(W6)]["rate"] == 0.25


def test_channels_option_counts_api(takeup):
    out = takeup(channels=["digital", "api"])
    assert out[iso(W6)]["rate"] == 0.5  # (1 + 1) / 4
    assert (out[iso(W6)]["numerator"], out[iso(W6)]["denominator"]) == (2, 4)
    assert out[iso(W1)]["rate"] == pytest.approx(0.6)  # no api records that week


def test_derived_record_shape_and_ids(takeup):
    out = takeup()
    record = out[iso(W1)]
    assert record["_end_at"] == iso(W2)
    assert record["_timestamp"] == iso(W1)
    assert record["_id"] == period_id(iso(W1), iso(W2))
    # The reference's worked id for the week 2013-11-25 .. 2013-12-02.
    assert period_id("2013-11-25T00:00:00+00:00", "2013-12-02T00:00:00+00:00") == (
        "MjAxMy0xMS0yNVQwMDowMDowMCswMDowMF8yMDEzLTEyLTAyVDAwOjAwOjAwKzAwOjAw"
    )


def test_reference_week_id_from_a_real_run(source, client):
    source()
    make_transform("digital_takeup", TX, TAKEUP)
    # 2013-11-27 is a Wednesday in the week starting Monday 2013-11-25.
    write(client, "svc", TX, [rec("2013-11-27", "digital", 3), rec("2013-11-27", "paper", 1)])
    drain()
    (only,) = by_start("svc", TAKEUP).values()
    assert only["_id"] == "MjAxMy0xMS0yNVQwMDowMDowMCswMDowMF8yMDEzLTEyLTAyVDAwOjAwOjAwKzAwOjAw"
    assert only["rate"] == 0.75  # 3 / (3 + 1)


def test_gap_weeks_inside_the_range_stay_gaps(source, client):
    source()
    make_transform("digital_takeup", TX, TAKEUP)
    # One write spanning W1..W7 with data only at both ends.
    write(client, "svc", TX, [rec(W1, "digital", 1), rec(W7, "digital", 2), rec(W7, "web", 2)])
    drain()
    out = by_start("svc", TAKEUP)
    assert sorted(out) == [iso(W1), iso(W7)]
    assert out[iso(W1)]["rate"] == 1.0  # 1 / 1
    assert out[iso(W7)]["rate"] == 0.5  # 2 / (2 + 2)


def test_monthly_period_and_custom_fields(source, client):
    source()
    make_transform(
        "digital_takeup",
        TX,
        TAKEUP,
        query={"period": "month"},
        options={"channel_attribute": "route", "value_attribute": "volume"},
    )
    write(
        client,
        "svc",
        TX,
        [
            # January 2015: online 3 + 1 = 4, post 4 → 4 / 8 = 0.5
            {"_timestamp": day("2015-01-05"), "route": "digital", "volume": 3},
            {"_timestamp": day("2015-01-28"), "route": "digital", "volume": 1},
            {"_timestamp": day("2015-01-14"), "route": "post", "volume": 4},
            # February 2015: digital 1, post 3 → 1 / 4 = 0.25
            {"_timestamp": day("2015-02-03"), "route": "digital", "volume": 1},
            {"_timestamp": day("2015-02-27"), "route": "post", "volume": 3},
        ],
    )
    drain()
    out = by_start("svc", TAKEUP)
    assert sorted(out) == [iso("2015-01-01"), iso("2015-02-01")]
    assert out[iso("2015-01-01")]["rate"] == 0.5
    assert out[iso("2015-01-01")]["_end_at"] == iso("2015-02-01")
    assert out[iso("2015-02-01")]["rate"] == 0.25
    assert out[iso("2015-02-01")]["_end_at"] == iso("2015-03-01")


def test_rewrite_updates_the_rate(source, client):
    source(auto_ids=["_timestamp", "channel"])
    make_transform("digital_takeup", TX, TAKEUP)
    write(client, "svc", TX, [rec(W1, "digital", 1), rec(W1, "paper", 3)])
    drain()
    assert by_start("svc", TAKEUP)[iso(W1)]["rate"] == 0.25  # 1 / (1 + 3)
    # Same auto ids: the digital record is replaced, not added to.
    write(client, "svc", TX, [rec(W1, "digital", 9)])
    drain()
    assert by_start("svc", TAKEUP)[iso(W1)]["rate"] == 0.75  # 9 / (9 + 3)


def test_output_data_set_is_created_like_its_input(source, client):
    source(published=False)
    make_transform("digital_takeup", TX, TAKEUP)
    write(client, "svc", TX, [rec(W1, "digital", 1)])
    drain()
    out = find("svc", TAKEUP)
    assert out is not None
    assert out.published is False
