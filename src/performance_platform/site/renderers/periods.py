"""Periods in words and on axes: "5 to 11 January 2015", "Jan 2015", "the week of ..."."""

from datetime import UTC, datetime, timedelta

from django.utils.dateparse import parse_datetime

from performance_platform.datastore.periods import PERIODS
from performance_platform.datastore.query import QueryError, ranges
from performance_platform.lib import formatting


def _dt(value) -> datetime | None:
    if isinstance(value, datetime):
        return value
    if isinstance(value, str):
        parsed = parse_datetime(value)
        if parsed is not None:
            return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    return None


def whole_periods(period: str | None, start: datetime, end: datetime) -> tuple[datetime, datetime]:
    """A chosen range widened to whole periods: the weeks (or quarters, or years) that
    touch it, so neither end shows a part week. Months and days fit already."""
    if period not in ("week", "quarter", "year"):
        return start, end
    first = ranges.start(period, start)
    last = ranges.start(period, end)
    return first, end if last == end else ranges.add(period, last, 1)


def period_of(params: dict, options: dict) -> str | None:
    return params.get("period") or options.get("axis-period")


def start_label(period: str | None):
    """Label a period start for chart x-axes: "5 Jan 2015", "Jan 2015", "Q1 2015"."""

    def label(value) -> str:
        when = _dt(value)
        if when is None:
            return str(value)
        if period == "month":
            return when.strftime("%b %Y")
        if period == "quarter":
            return f"{when.strftime('%b')}–{(when + timedelta(days=80)).strftime('%b %Y')}"
        if period == "hour":
            return when.strftime("%H:%M")
        return f"{when.day} {when.strftime('%b %Y')}"

    return label


def period_words(period: str | None):
    """Name a period start in a chart's description, as a sentence would: "December 2025",
    "the week of 1 December 2025", "the quarter from January to March 2025", "5 January
    2015". Axis labels are abbreviated ("Dec 2025"); a screen reader's sentence is not."""

    def words(value) -> str:
        when = _dt(value)
        if when is None:
            return str(value)
        if period == "week":
            return "the week of " + formatting.format_date(when)
        if period == "quarter":
            return "the quarter from " + formatting.period_label(when, None, "quarter")
        if period in ("month", "year", "hour"):
            return formatting.period_label(when, None, period)
        return formatting.format_date(when)

    return words


def _period_end(period: str | None, start) -> datetime | None:
    """The end of the ``period`` starting at ``start``, or None where there is none to give."""
    when = _dt(start)
    if when is None or period not in PERIODS:
        return None
    try:
        return ranges.add(period, when, 1)
    except QueryError:  # the last period before year 10000
        return None


def period_text(row: dict, period: str | None) -> str:
    """A row's period in words, for tables: "5 to 11 January 2015", "January 2015"."""
    start, end = _dt(row.get("_start_at") or row.get("_timestamp")), _dt(row.get("_end_at"))
    if start is None:
        return "—"
    return (
        formatting.period_label(start, end, period or "week")
        if end
        else formatting.format_date(start)
    )
