"""How often a stale data set's owners are reminded: the original notifier's table.

The entry nearest the data set's ``max_age_expected`` decides (ingestion research, 4.1):
data expected every 5 minutes, hour or day is re-notified every 58 minutes (so an hourly
check sends every time); weekly data every day; monthly every 2 days; quarterly weekly.
"""

#: (max_age_expected in seconds, seconds between reminders)
TABLE = [
    (360, 58 * 60),
    (4_500, 58 * 60),
    (90_000, 58 * 60),
    (648_000, 86_400),
    (2_764_800, 2 * 86_400),
    (8_467_200, 7 * 86_400),
]


def every(max_age_expected: int) -> int:
    """Seconds between reminders for data expected every ``max_age_expected`` seconds.

    The nearest entry of :data:`TABLE` wins; halfway between two, the more frequent.
    """
    return min(TABLE, key=lambda row: (abs(row[0] - max_age_expected), row[0]))[1]
