"""Concurrent writers through real server processes lose no update.

Two ``serve`` processes (two worker processes each) on the test database take
overlapping batches from eight threads at once: the same days, the same dimension
values, the same ``_id``s overwritten with different values, PATCHes of the same
records, and fields no writer has sent before. Afterwards the rollups must equal a
rebuild from the records, every field kind must be remembered, and the data set's
version must have moved once per successful write.

Runs on both databases: PostgreSQL serialises writers with the data set's row lock,
SQLite with its database write lock.
"""

import json
import math
import random
import threading
from collections import Counter
from datetime import UTC, datetime

import pytest
import requests

from performance_platform.datastore import rollups
from performance_platform.datastore.models import DataSet, Record, RollupDay, WriteAudit
from performance_platform.datastore.query import execute, parse_query

from .checks import assert_periods_match_days
from .conftest import new_data_set, token_for, url_for
from .strategies import assert_same

THREADS = 8
REQUESTS = 20
IDS = [f"shared-{i}" for i in range(12)]
DAYS = ["2025-03-03", "2025-03-04", "2025-03-05"]
CHANNELS = ["web", "phone", None]
NOW = datetime(2025, 6, 1, tzinfo=UTC)


def _record(rng: random.Random, thread: int, index: int, n: int) -> dict:
    record = {
        "_timestamp": f"{rng.choice(DAYS)}T{rng.randrange(24):02d}:{rng.randrange(60):02d}:00Z",
        "channel": rng.choice(CHANNELS),
        "visits": rng.randrange(-50, 1000),
        # Floats make removals recompute the rollup row from the records.
        "amount": rng.choice([rng.randrange(100), rng.randrange(1000) / 8, 0.1 * rng.random()]),
    }
    if rng.random() < 0.8:
        record["_id"] = rng.choice(IDS)
    if n == 0:
        # A field nobody has written before: its kind must not be lost to another writer.
        record[f"extra_{thread}_{index}"] = rng.choice(["text", True, None])
    return record


def _kind_bits(value) -> int:
    return rollups.kind_of(value)


@pytest.mark.server
@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_lose_no_update(two_servers):
    data_set = new_data_set("race")
    token = token_for(data_set)
    seed = [{"_timestamp": f"{DAYS[0]}T00:00:00Z", "_id": i, "visits": 1} for i in IDS]
    first, second = two_servers
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    response = requests.post(
        first.url + url_for(data_set), data=json.dumps(seed), headers=headers, timeout=30
    )
    assert response.status_code == 200, response.text
    version_before = DataSet.objects.get(pk=data_set.pk).version

    written: list[list[dict]] = []  # every batch the API accepted
    generated = Counter()
    statuses = Counter()
    lock = threading.Lock()
    start = threading.Barrier(THREADS)

    def writer(thread: int):
        rng = random.Random(thread)
        session = requests.Session()
        start.wait()
        for index in range(REQUESTS):
            base = (first if (thread + index) % 2 else second).url + url_for(data_set)
            if index % 5 == 4:
                record_id = rng.choice(IDS)
                body = {"visits": rng.randrange(1000), "amount": rng.randrange(1000) / 4}
                reply = session.patch(
                    f"{base}/{record_id}", data=json.dumps(body), headers=headers, timeout=60
                )
                batch = [{"_patch": record_id, **body}]
            else:
                batch = [_record(rng, thread, index, n) for n in range(rng.randrange(1, 8))]
                reply = session.post(base, data=json.dumps(batch), headers=headers, timeout=60)
            with lock:
                statuses[reply.status_code] += 1
                if reply.status_code == 200:
                    written.append(batch)
                    generated["ids"] += sum(
                        1 for r in batch if "_id" not in r and "_patch" not in r
                    )

    threads = [threading.Thread(target=writer, args=(t,)) for t in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert statuses == {200: THREADS * REQUESTS}, statuses
    data_set = DataSet.objects.get(pk=data_set.pk)

    # The version moved exactly once per successful write, and each has an audit row.
    assert data_set.version == version_before + THREADS * REQUESTS
    assert WriteAudit.objects.filter(data_set=data_set).count() == 1 + THREADS * REQUESTS

    # Every shared _id exists once; every record without an _id was added.
    records = list(Record.objects.filter(data_set=data_set).values_list("data", flat=True))
    assert len(records) == len(IDS) + generated["ids"]
    assert {r["_id"] for r in records} >= set(IDS)

    # No field kind was lost to a concurrent writer.
    expected_kinds: dict[str, int] = {}
    for batch in [seed, *written]:
        # Within a batch, the last record with an _id wins; the others are never stored.
        kept = {r.get("_id", i): r for i, r in enumerate(batch)}.values()
        for record in kept:
            for field, value in record.items():
                if not field.startswith("_"):
                    expected_kinds[field] = expected_kinds.get(field, 0) | _kind_bits(value)
    assert data_set.field_kinds == expected_kinds

    # Rollup totals equal the totals recomputed from the records (no lost update) ...
    totals: dict = {}
    for record in records:
        key = (record["_day_start_at"][:10], record.get("channel", "missing"))
        count, visits, amount = totals.get(key, (0, 0, 0.0))
        totals[key] = (
            count + 1,
            visits + record.get("visits", 0),
            amount + record.get("amount", 0),
        )
    from_rollups: dict = {}
    for day, dims, count, measures in RollupDay.objects.filter(data_set=data_set).values_list(
        "day", "dims", "count", "measures"
    ):
        key = (day.date().isoformat(), dims.get("channel", "missing"))
        got = from_rollups.get(key, (0, 0, 0.0))
        from_rollups[key] = (
            got[0] + count,
            got[1] + measures.get("visits", [0])[0],
            got[2] + measures.get("amount", [0])[0],
        )
    assert set(from_rollups) == set(totals)
    for key, (count, visits, amount) in totals.items():
        assert from_rollups[key][:2] == (count, visits), key
        assert math.isclose(from_rollups[key][2], amount, rel_tol=1e-9, abs_tol=1e-9), key

    # ... and a rebuild from scratch, row for row.
    before = sorted(
        RollupDay.objects.filter(data_set=data_set).values_list("day", "dims_hash", "count")
    )
    assert_periods_match_days(data_set)  # weeks and months lost no update either
    rollups.rebuild(data_set)
    after = sorted(
        RollupDay.objects.filter(data_set=data_set).values_list("day", "dims_hash", "count")
    )
    assert before == after

    # The read API answers the same from either path.
    q = parse_query(
        data_set,
        {
            "period": "day",
            "start_at": "2025-03-03T00:00:00Z",
            "end_at": "2025-03-10T00:00:00Z",
            "group_by": "channel",
            "collect": ["visits:sum", "amount:sum"],
        },
    )
    data_set = DataSet.objects.get(pk=data_set.pk)
    from_rollup = execute(data_set, q, now=NOW, force_path="rollup").data
    assert_same(from_rollup, execute(data_set, q, now=NOW, force_path="records").data)
    assert sum(group["_count"] for group in from_rollup) == sum(
        1 for r in records if "channel" in r
    )
    # ... and so do the week rows, for the same week without a period.
    weekly = parse_query(
        data_set,
        {
            "start_at": "2025-03-03T00:00:00Z",
            "end_at": "2025-03-10T00:00:00Z",
            "group_by": "channel",
            "collect": ["visits:sum", "amount:sum"],
        },
    )
    from_weeks = execute(data_set, weekly, now=NOW, force_path="rollup")
    assert from_weeks.rollup_level == "week"
    assert_same(from_weeks.data, execute(data_set, weekly, now=NOW, force_path="records").data)
