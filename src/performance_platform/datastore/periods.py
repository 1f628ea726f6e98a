"""Period arithmetic: where hours, days, Monday weeks, months, quarters and years start.

All values are UTC. The write path stores each record's period starts; the read API
buckets by the same rules.
"""

from datetime import UTC, date, datetime, timedelta
from functools import lru_cache

PERIODS = ("hour", "day", "week", "month", "quarter", "year")


def hour_start(ts: datetime) -> datetime:
    return ts.replace(minute=0, second=0, microsecond=0)


def day_start(ts: datetime) -> datetime:
    return ts.replace(hour=0, minute=0, second=0, microsecond=0)


def week_start(ts: datetime) -> datetime:
    """Monday 00:00 of the ISO week containing ``ts``."""
    return day_start(ts) - timedelta(days=ts.weekday())


def month_start(ts: datetime) -> datetime:
    return day_start(ts).replace(day=1)


def quarter_start(ts: datetime) -> datetime:
    return day_start(ts).replace(month=(ts.month - 1) // 3 * 3 + 1, day=1)


def year_start(ts: datetime) -> datetime:
    return day_start(ts).replace(month=1, day=1)


def next_month(start: datetime) -> datetime:
    """The first of the month after ``start`` (a month start)."""
    return (
        start.replace(year=start.year + 1, month=1)
        if start.month == 12
        else start.replace(month=start.month + 1)
    )


STARTS = {
    "hour": hour_start,
    "day": day_start,
    "week": week_start,
    "month": month_start,
    "quarter": quarter_start,
    "year": year_start,
}


def period_keys(ts: datetime) -> dict[str, datetime]:
    """The ``_<period>_start_at`` keys the write API adds to every record."""
    return {f"_{name}_start_at": start(ts) for name, start in STARTS.items()}


@lru_cache(maxsize=8192)
def _day_starts(day: date) -> tuple[datetime, ...]:
    midnight = datetime(day.year, day.month, day.day, tzinfo=UTC)
    return (
        midnight,
        week_start(midnight),
        month_start(midnight),
        quarter_start(midnight),
        year_start(midnight),
    )


@lru_cache(maxsize=8192)
def _day_isos(day: date) -> tuple[str, ...]:
    return tuple(value.isoformat() for value in _day_starts(day))


def starts(ts: datetime) -> tuple[datetime, ...]:
    """(hour, day, week, month, quarter, year) starts of a UTC timestamp.

    The write path calls this for every record; days repeat a lot within a batch, so
    the day-level starts are cached.
    """
    return (hour_start(ts), *_day_starts(ts.date()))


def start_isos(ts: datetime) -> tuple[str, ...]:
    """The same starts as ISO 8601 strings (what the period keys hold)."""
    return (hour_start(ts).isoformat(), *_day_isos(ts.date()))


PERIOD_KEYS = tuple(f"_{name}_start_at" for name in STARTS)
