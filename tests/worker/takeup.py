"""Source data for a digital take-up transform, and the derived records it must produce."""

import random
from datetime import UTC, datetime, timedelta

from django.utils import timezone

from performance_platform.configuration.importer import import_config
from performance_platform.datastore import storage
from performance_platform.datastore.models import DataSet
from performance_platform.datastore.validation import prepare_records
from performance_platform.kpis.computing import encode_id

SOURCE_TYPE = "transactions-by-channel"
OUTPUT_TYPE = "digital-takeup"
CHANNELS = ("digital", "paper", "phone")
FIRST_DAY = datetime(2015, 1, 1, tzinfo=UTC)


def configure(group: str, *, rollup: bool = True) -> tuple[DataSet, DataSet]:
    """A source data set, its (existing) output and a daily digital take-up transform."""
    import_config(
        {
            "data_sets": [
                {"data_group": group, "data_type": SOURCE_TYPE, "rollup": rollup},
                {"data_group": group, "data_type": OUTPUT_TYPE},
            ],
            "transforms": [
                {
                    "type": "digital_takeup",
                    "input": {"data_group": group, "data_type": SOURCE_TYPE},
                    "output": {"data_group": group, "data_type": OUTPUT_TYPE},
                    "query": {"period": "day"},
                }
            ],
        }
    )
    source = DataSet.objects.get(data_group__name=group, data_type__name=SOURCE_TYPE)
    output = DataSet.objects.get(data_group__name=group, data_type__name=OUTPUT_TYPE)
    return source, output


def make_records(days: int, per_channel: int, seed: int) -> list[dict]:
    """Records over ``days`` days: some days have none, some have no digital channel.

    Record ids do not depend on the seed, so a second batch with another seed replaces
    the first one's values (a new write of the same records).
    """
    rng = random.Random(seed)
    records = []
    for day in range(days):
        if day % 7 == 3:
            continue  # a gap: no derived record for this day
        for channel in CHANNELS:
            if channel == "digital" and day % 5 == 1:
                continue  # no digital figure: take-up is null, not 0
            for n in range(per_channel):
                stamp = FIRST_DAY + timedelta(days=day, hours=n % 24, minutes=n % 60)
                records.append(
                    {
                        "_id": f"{day}-{channel}-{n}",
                        "_timestamp": stamp.isoformat(),
                        "channel": channel,
                        "count": rng.randint(0, 50),
                    }
                )
    return records


def store(data_set: DataSet, records: list[dict]) -> None:
    """Write records through the storage layer (which queues the transform)."""
    now = timezone.now()
    prepared, errors = prepare_records(
        records, schema=data_set.schema, auto_ids=data_set.auto_ids, now=now
    )
    assert errors == []
    storage.store_records(data_set, prepared, now=now)


def expected_takeup(records: list[dict]) -> dict[str, dict]:
    """The derived record of each day with data, computed independently of the transform."""
    days: dict[str, dict] = {}
    for record in records:
        stamp = datetime.fromisoformat(record["_timestamp"]).astimezone(UTC)
        start = stamp.replace(hour=0, minute=0, second=0, microsecond=0)
        key = start.isoformat()
        day = days.setdefault(
            key,
            {
                "_start_at": key,
                "_end_at": (start + timedelta(days=1)).isoformat(),
                "numerator": None,
                "denominator": 0,
            },
        )
        day["denominator"] += record["count"]
        if record["channel"] == "digital":
            day["numerator"] = (day["numerator"] or 0) + record["count"]
    for day in days.values():
        num, den = day["numerator"], day["denominator"]
        day["rate"] = num / den if num is not None and den > 0 else None
        day["_id"] = encode_id(day["_start_at"], day["_end_at"])
    return days
