"""Period arithmetic for reads: adding periods, rounding a range out to whole buckets."""

from datetime import datetime, timedelta

from dateutil.relativedelta import relativedelta

from ..periods import STARTS

_STEP = {
    "hour": timedelta(hours=1),
    "day": timedelta(days=1),
    "week": timedelta(weeks=1),
    "month": relativedelta(months=1),
    "quarter": relativedelta(months=3),
    "year": relativedelta(years=1),
}


def start(period: str, value: datetime) -> datetime:
    """The start of the ``period`` bucket containing ``value`` (UTC)."""
    return STARTS[period](value)


def add(period: str, value: datetime, count: int) -> datetime:
    """``value`` moved by ``count`` whole periods (calendar months, quarters and years)."""
    step = _STEP[period]
    if isinstance(step, timedelta):
        return value + step * count
    return value + relativedelta(months=step.months * count, years=step.years * count)


def end(period: str, value: datetime) -> datetime:
    """``value`` if it is a bucket boundary, otherwise the next boundary after it."""
    first = start(period, value)
    return value if first == value else add(period, first, 1)


def buckets(period: str, first: datetime, stop: datetime) -> list[datetime]:
    """Bucket starts from ``start(first)`` up to (not including) ``end(stop)``."""
    out = []
    current = start(period, first)
    last = end(period, stop)
    while current < last:
        out.append(current)
        current = add(period, current, 1)
    return out
