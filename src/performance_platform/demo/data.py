"""Build the demo through the same pipeline every real write uses.

Figures are deterministic (a fixed seed) and plausible: weekly volumes with a yearly
season, and digital take-up that rises over time.
"""

import math
import random
from datetime import UTC, datetime, timedelta

from django.utils import timezone

from performance_platform.configfile import import_config
from performance_platform.datastore import storage
from performance_platform.datastore.models import DataSet
from performance_platform.datastore.validation import prepare_records

SERVICES = [
    ("carers-allowance", 9_000, 0.55),
    ("renew-passport", 95_000, 0.70),
    ("vehicle-tax", 120_000, 0.80),
    ("register-to-vote", 40_000, 0.75),
]
CHANNELS = ("digital", "phone", "paper")
WEEKS = 104


def demo_config() -> dict:
    """The demo's data sets, in the import-config format."""
    return {
        "data_sets": [
            {
                "data_group": slug,
                "data_type": "transactions-by-channel",
                "auto_ids": ["_timestamp", "channel"],
                "max_age_expected": 14 * 24 * 3600,
            }
            for slug, _, _ in SERVICES
        ]
    }


def _weekly_records(volume: int, start_share: float, rng: random.Random, first_monday):
    for week in range(WEEKS):
        ts = first_monday + timedelta(weeks=week)
        season = 1 + 0.2 * math.sin(2 * math.pi * (ts.timetuple().tm_yday / 365.25))
        total = volume * season * rng.uniform(0.93, 1.07)
        digital = min(0.97, start_share + 0.15 * week / WEEKS)
        phone = (1 - digital) * 0.6
        shares = {"digital": digital, "phone": phone, "paper": 1 - digital - phone}
        for channel in CHANNELS:
            yield {
                "_timestamp": ts.isoformat(),
                "period": "week",
                "channel": channel,
                "count": round(total * shares[channel]),
            }


def load_demo() -> dict[str, int]:
    """Create the demo data sets and (re)write their records. Safe to run again."""
    import_config(demo_config())
    rng = random.Random(2013)
    today = timezone.now().astimezone(UTC)
    this_monday = datetime(today.year, today.month, today.day, tzinfo=UTC) - timedelta(
        days=today.weekday()
    )
    first_monday = this_monday - timedelta(weeks=WEEKS)
    written = {}
    for slug, volume, share in SERVICES:
        data_set = DataSet.objects.get(
            data_group__name=slug, data_type__name="transactions-by-channel"
        )
        items = list(_weekly_records(volume, share, rng, first_monday))
        now = timezone.now()
        prepared, errors = prepare_records(
            items, schema=data_set.schema, auto_ids=data_set.auto_ids, now=now
        )
        if errors:
            raise ValueError(f"demo data for {slug} is invalid: {errors[:3]}")
        written[data_set.name] = storage.store_records(data_set, prepared, now=now, source="demo")
    return written
