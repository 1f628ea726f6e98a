"""Deterministic, realistic records for the benchmarks.

``transactions_by_channel`` makes records shaped like the platform's commonest data: a
count of transactions for one service and channel in one hour. The timestamps are
spread evenly over two years and, by default, come in time order, as a collector or a
backfill sends them; ``shuffled=True`` sends them in random order instead, which is the
worst case for the daily rollups (every batch touches days all over the two years).
The same arguments always give the same records, so runs compare.
"""

import random
from datetime import UTC, datetime, timedelta

SERVICES = (
    "carers-allowance",
    "lasting-power-of-attorney",
    "register-to-vote",
    "renew-patent",
    "prison-visits",
    "vehicle-tax",
    "passport-renewal",
    "student-finance",
)
CHANNELS = ("digital", "paper", "phone", "face-to-face", "assisted-digital")
COMBINATIONS = [(s, c) for s in SERVICES for c in CHANNELS]
START = datetime(2023, 1, 1, tzinfo=UTC)
HOURS = 2 * 365 * 24  # two years


def transactions_by_channel(
    count: int, *, shuffled: bool = False, seed: int = 20240601
) -> list[dict]:
    """``count`` records with distinct ``_id`` values over two years of hours.

    Each hour holds records for distinct service/channel pairs, as real data would; the
    ``_id`` is ``<service>.<channel>.<yyyymmddhh>`` (plus a serial number only when
    ``count`` exceeds one record per pair and hour).
    """
    rng = random.Random(seed)
    unique = count <= len(COMBINATIONS) * HOURS
    per_hour: dict[int, int] = {}
    for index in range(count):
        hour = index * HOURS // count
        per_hour[hour] = per_hour.get(hour, 0) + 1
    records = []
    index = 0
    for hour, how_many in per_hour.items():
        when = START + timedelta(hours=hour)
        pairs = (
            rng.sample(COMBINATIONS, how_many)
            if unique
            else [rng.choice(COMBINATIONS) for _ in range(how_many)]
        )
        for service, channel in pairs:
            record_id = f"{service}.{channel}.{when:%Y%m%d%H}"
            records.append(
                {
                    "_id": record_id if unique else f"{record_id}.{index}",
                    "_timestamp": when.strftime("%Y-%m-%dT%H:%M:%SZ"),
                    "period": "hour",
                    "service": service,
                    "channel": channel,
                    "count": rng.randrange(0, 5000),
                }
            )
            index += 1
    if shuffled:
        rng.shuffle(records)
    return records


def channel_counts(count: int, *, seed: int = 20240601) -> list[dict]:
    """``count`` records in the standard transactions-by-channel shape (``_timestamp``,
    ``period``, ``channel``, ``count``; no ``_id``), as a service uploads them.

    The standard data set's ``auto_ids`` are ``_timestamp``, ``channel`` and ``period``, so
    each hour holds one record per channel (five an hour: 100,000 records span 2.3 years)
    and no two records share an id. Timestamps are in time order, as a spreadsheet is.
    """
    rng = random.Random(seed)
    records = []
    for index in range(count):
        when = START + timedelta(hours=index // len(CHANNELS))
        records.append(
            {
                "_timestamp": when.strftime("%Y-%m-%dT%H:%M:%SZ"),
                "period": "hour",
                "channel": CHANNELS[index % len(CHANNELS)],
                "count": rng.randrange(0, 5000),
            }
        )
    return records
