"""Cost per transaction per quarter: as uploaded, or total cost over transactions."""

from datetime import UTC, datetime

import pytest

from performance_platform.datastore.models import DataSet
from performance_platform.kpis.errors import TransformError
from performance_platform.kpis.models import Transform
from performance_platform.kpis.running import run_transform

from .conftest import TX, by_start, day, drain, find, iso, make_transform, write

pytestmark = pytest.mark.django_db

COST = "cost-per-transaction"
OUT = "cost-per-transaction-by-quarter"
Q1, Q2, Q3 = "2015-01-01", "2015-04-01", "2015-07-01"


def cost(date, channel, count):
    return {"_timestamp": day(date), "channel": channel, "count": count}


def test_per_transaction_value_as_uploaded(source, client):
    source(data_type=COST)
    make_transform("cost_per_transaction", COST, OUT)
    write(
        client,
        "svc",
        COST,
        [
            # The admin template's rows (ingestion.md 1.8): one per quarter.
            cost(Q1, "cost_per_transaction_digital", 342.83),
            cost(Q2, "cost_per_transaction_digital", 332.69),
            # Not a cost per transaction row: ignored by the default ^cost_per_transaction
            cost(Q2, "volume_note", 99),
        ],
    )
    assert drain() == 1
    out = by_start("svc", OUT)
    assert sorted(out) == [iso(Q1), iso(Q2)]
    assert out[iso(Q1)]["cost_per_transaction"] == 342.83
    assert out[iso(Q1)]["_end_at"] == iso(Q2)
    assert out[iso(Q2)]["cost_per_transaction"] == 332.69
    assert out[iso(Q2)]["_end_at"] == iso(Q3)


def run_now(group, input_type):
    """Run the only transform reading input_type, here (not through the queue)."""
    (transform,) = Transform.objects.filter(input_type__name=input_type)
    data_set = DataSet.objects.get(data_group__name=group, data_type__name=input_type)
    return run_transform(transform, data_set, *_range())


def _range():
    return datetime(2015, 1, 1, tzinfo=UTC), datetime(2015, 12, 31, tzinfo=UTC)


def test_two_rows_for_one_quarter_is_a_clear_error(source, client):
    source(data_type=COST)
    make_transform("cost_per_transaction", COST, OUT)
    write(
        client,
        "svc",
        COST,
        [
            cost(Q1, "cost_per_transaction_digital", 3.0),
            cost("2015-02-01", "cost_per_transaction_phone", 5.0),
        ],
    )
    with pytest.raises(TransformError) as caught:
        run_now("svc", COST)
    message = str(caught.value)
    assert "2015-01-01" in message
    assert "2 cost per transaction rows" in message
    assert "cost_per_transaction_digital" in message
    assert "cost_per_transaction_phone" in message
    assert by_start("svc", OUT) == {}


def test_two_rows_of_the_same_channel_in_one_quarter_are_not_summed(source, client):
    # Two monthly uploads in Q1 with the same channel: adding 3.0 + 5.0 = 8.0 "per
    # transaction" would be a wrong figure; it must be refused like two channels.
    source(data_type=COST)
    make_transform("cost_per_transaction", COST, OUT)
    write(
        client,
        "svc",
        COST,
        [
            cost(Q1, "cost_per_transaction_digital", 3.0),
            cost("2015-02-01", "cost_per_transaction_digital", 5.0),
        ],
    )
    with pytest.raises(TransformError) as caught:
        run_now("svc", COST)
    assert "2015-01-01" in str(caught.value)
    assert "2 cost per transaction rows" in str(caught.value)


def test_channel_matcher_chooses_one_row(source, client):
    source(data_type=COST)
    make_transform(
        "cost_per_transaction",
        COST,
        OUT,
        options={"channel_matcher": "^cost_per_transaction_digital$"},
    )
    write(
        client,
        "svc",
        COST,
        [
            cost(Q1, "cost_per_transaction_digital", 3.5),
            cost(Q1, "cost_per_transaction_phone", 12.25),
        ],
    )
    drain()
    assert by_start("svc", OUT)[iso(Q1)]["cost_per_transaction"] == 3.5


def total_cost_setup(source, client):
    source(data_type=COST)
    source(data_type=TX)
    transform = make_transform("cost_per_transaction", COST, OUT, options={"mode": "total_cost"})
    assert transform.also_reads.name == TX
    write(
        client,
        "svc",
        TX,
        [
            # Q1 transactions: 100 (January) + 200 (February) = 300
            {"_timestamp": day("2015-01-05"), "channel": "digital", "count": 100},
            {"_timestamp": day("2015-02-02"), "channel": "paper", "count": 200},
            # Q2 transactions: 0 → zero volume
            {"_timestamp": day("2015-04-06"), "channel": "digital", "count": 0},
        ],
    )
    write(
        client,
        "svc",
        COST,
        [
            # Q1 total cost: staff 1000 + IT 500 = 1500 → 1500 / 300 = 5.0
            cost(Q1, "staff", 1000),
            cost("2015-03-01", "it", 500),
            # Q2 total cost 800 over 0 transactions → null
            cost(Q2, "staff", 800),
            # Q3 total cost 90 and no volume data at all → null
            cost(Q3, "staff", 90),
        ],
    )
    drain()


def test_total_cost_mode(source, client):
    total_cost_setup(source, client)
    out = by_start("svc", OUT)
    assert sorted(out) == [iso(Q1), iso(Q2), iso(Q3)]
    assert out[iso(Q1)]["total_cost"] == 1500
    assert out[iso(Q1)]["transactions"] == 300
    assert out[iso(Q1)]["cost_per_transaction"] == 5.0
    # Zero volume → null, not a division error or infinity.
    assert out[iso(Q2)]["total_cost"] == 800
    assert out[iso(Q2)]["transactions"] == 0
    assert out[iso(Q2)]["cost_per_transaction"] is None
    assert out[iso(Q3)]["cost_per_transaction"] is None
    assert out[iso(Q3)]["transactions"] is None


def test_a_write_to_the_volume_data_set_reruns_it(source, client):
    total_cost_setup(source, client)
    # Another 200 transactions in March: Q1 now 500 → 1500 / 500 = 3.0
    write(client, "svc", TX, [{"_timestamp": day("2015-03-02"), "channel": "phone", "count": 200}])
    assert drain() == 1
    out = by_start("svc", OUT)
    assert out[iso(Q1)]["transactions"] == 500
    assert out[iso(Q1)]["cost_per_transaction"] == 3.0
    # And volume arriving for Q2: 800 / 400 = 2.0
    write(client, "svc", TX, [{"_timestamp": day("2015-05-04"), "channel": "phone", "count": 400}])
    drain()
    assert by_start("svc", OUT)[iso(Q2)]["cost_per_transaction"] == 2.0


def test_volume_of_another_group_is_not_used(source, client):
    total_cost_setup(source, client)
    source(group="other", data_type=TX)
    write(
        client,
        "other",
        TX,
        [{"_timestamp": day("2015-01-05"), "channel": "digital", "count": 1200}],
    )
    drain()
    # "other" has no cost data set: nothing written there, svc unchanged (1500 / 300).
    assert find("other", OUT) is None
    assert by_start("svc", OUT)[iso(Q1)]["cost_per_transaction"] == 5.0
