"""The periods a run fetches: whole days, Monday-to-Sunday weeks or calendar months.

With no dates a run fetches the last complete period and the one in progress (so today's
figures appear during the day and are finished off tomorrow); a backfill splits its range
into periods, each fetched on its own, as the original collectors did.
"""

from datetime import date, timedelta

from .errors import ConfigProblem
from .providers.base import Period

TIME_SPANS = {"daily": "day", "weekly": "week", "monthly": "month"}

#: The most periods one run may ask for (about 27 years of days): a typo in a backfill's
#: dates should not queue a million requests.
MAX_PERIODS = 10_000


def period_containing(day: date, frequency: str) -> Period:
    """The period of ``frequency`` that holds ``day``."""
    if frequency == "daily":
        return Period(day, day, "day")
    if frequency == "weekly":
        start = day - timedelta(days=day.weekday())
        return Period(start, start + timedelta(days=6), "week")
    if frequency == "monthly":
        start = day.replace(day=1)
        following = (start + timedelta(days=32)).replace(day=1)
        return Period(start, following - timedelta(days=1), "month")
    raise ConfigProblem(f"Unknown frequency {frequency!r}: use daily, weekly or monthly.")


def periods_between(start: date, end: date, frequency: str) -> list[Period]:
    """Every period of ``frequency`` that overlaps ``start`` to ``end`` (both included)."""
    if start > end:
        raise ConfigProblem(f"The start ({start}) is after the end ({end}).")
    found = []
    period = period_containing(start, frequency)
    while period.start <= end:
        found.append(period)
        if len(found) > MAX_PERIODS:
            raise ConfigProblem(
                f"{start} to {end} is more than {MAX_PERIODS:,} {frequency} periods: "
                "backfill a shorter range."
            )
        period = period_containing(period.end + timedelta(days=1), frequency)
    return found


def default_window(today: date, frequency: str) -> list[Period]:
    """The last complete period and the current one."""
    current = period_containing(today, frequency)
    previous = period_containing(current.start - timedelta(days=1), frequency)
    return [previous, current]
