"""Period arithmetic for reads: adding periods, rounding a range out to whole buckets."""

from datetime import datetime, timedelta

from dateutil.relativedelta import relativedelta

from ..periods import STARTS
from .params import QueryError

OUT_OF_RANGE = "The time range reaches beyond the dates that can be shown (years 1 to 9999)"

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


def add(period: str, value: datetime, count: int, *, blame: str | None = None) -> datetime:
    """``value`` moved by ``count`` whole periods (calendar months, quarters and years).

    Beyond year 1 or 9999 it raises a QueryError (a 400) naming the ``blame`` parameter.
    """
    step = _STEP[period]
    try:
        if isinstance(step, timedelta):
            return value + step * count
        return value + relativedelta(months=step.months * count, years=step.years * count)
    except (OverflowError, ValueError):
        raise QueryError(OUT_OF_RANGE, blame) from None


def end(period: str, value: datetime) -> datetime:
    """``value`` if it is a bucket boundary, otherwise the next boundary after it."""
    first = start(period, value)
    return value if first == value else add(period, first, 1, blame="end_at")


def buckets(period: str, first: datetime, stop: datetime) -> list[datetime]:
    """Bucket starts from ``start(first)`` up to (not including) ``end(stop)``."""
    out = []
    current = start(period, first)
    last = end(period, stop)
    while current < last:
        out.append(current)
        current = add(period, current, 1)
    return out
