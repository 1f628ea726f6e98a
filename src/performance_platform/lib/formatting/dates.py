"""Dates, date ranges, times and period labels, written with Moment.js-style patterns.

Dates and times are shown in UTC unless a ``timezone`` option names another zone; a naive
datetime is taken as already in the display zone. :func:`period_label` is public (and
re-exported by :mod:`performance_platform.lib.formatting`); the ``_format_*`` functions are
the formatters for the ``date`` and ``time`` types.
"""

import re
from datetime import UTC, date, datetime, timedelta, tzinfo
from zoneinfo import ZoneInfo

from .common import _flag, _safe_str, is_missing

_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
_DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
# Moment.js-style tokens (the format strings in module configuration use them); longest first.
_DATE_TOKEN = re.compile(r"\[[^\]]*\]|YYYY|YY|MMMM|MMM|MM|M|Do|DD|D|dddd|ddd|HH|H|hh|h|mm|ss|A|a")
# Only plain day/month/year formats may drop the parts a range's start shares with its end;
# stripping "MM" out of "DD/MM/YY" would leave nonsense.
_STRIPPABLE_DATE_FORMAT = re.compile(r"[DMY ]+")

#: The default patterns for dates and times (Moment.js tokens, as module configuration uses).
DATE_FORMAT = "D MMMM YYYY"
TIME_FORMAT = "h:mma"


def period_label(start, end, period) -> str:
    """A plain-English label for the period ``[start, end)`` of type ``period``.

    * hour: "3:00pm, 5 January 2015"
    * day: "5 January 2015"
    * week: "5 to 11 January 2015", or "week of 5 January 2015" when ``end`` is None
    * month: "January 2015"
    * quarter: "January to March 2015" (``end`` defaults to three months after ``start``)
    * year: "2015" for a calendar year (or when ``end`` is None), otherwise a month range such
      as "April 2014 to March 2015"
    * anything else: the date range, "1 to 7 January 2015" (or the start date alone).

    ``start`` and ``end`` are datetimes, dates or ISO-8601 strings; an unreadable ``start``
    gives "" (no label rather than an error).
    """
    first = _to_datetime(start, UTC)
    if first is None:
        return ""
    last = None if is_missing(end) else _to_datetime(end, UTC)
    if period == "hour":
        return _render(first, "h:mma, D MMMM YYYY")
    if period == "day":
        return _render(first, DATE_FORMAT)
    if period == "week":
        if last is None:
            return "week of " + _render(first, DATE_FORMAT)
        return _date_range(first, last, DATE_FORMAT)
    if period == "month":
        return _render(first, "MMMM YYYY")
    if period == "quarter":
        last = last or _add_months(first, 3)
        return _date_range(first, last, "MMMM YYYY") if last else _render(first, "MMMM YYYY")
    if period == "year":
        if last is None or (
            (first.month, first.day) == (1, 1)
            and (last.year, last.month, last.day) == (first.year + 1, 1, 1)
        ):
            return _render(first, "YYYY")
        whole_months = first.day == 1 and last.day == 1
        return _date_range(first, last, "MMMM YYYY" if whole_months else DATE_FORMAT)
    if last is None:
        return _render(first, DATE_FORMAT)
    return _date_range(first, last, DATE_FORMAT)


def _timezone(options: dict) -> tzinfo:
    name = options.get("timezone")
    if not isinstance(name, str) or name in ("", "UTC"):
        return UTC
    try:
        return ZoneInfo(name)
    except Exception:  # an unknown or malformed zone name: ZoneInfo raises several kinds
        return UTC


def _to_datetime(value, zone: tzinfo) -> datetime | None:
    """A datetime, date or ISO-8601 string as a datetime in ``zone`` (naive ones as they are);
    None if it is none of those."""
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, date):
        moment = datetime(value.year, value.month, value.day)
    elif isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value.strip())
        except ValueError:
            return None
    else:
        return None
    if moment.tzinfo is not None:
        try:
            moment = moment.astimezone(zone)
        except (OverflowError, ValueError):  # at the very ends of the calendar
            return None
    return moment


def _render(moment: datetime, pattern: str) -> str:
    """Format with Moment.js tokens (D, Do, DD, M..MMMM, YY, YYYY, ddd, dddd, h, hh, H, HH,
    mm, ss, a, A); text in [brackets] is literal."""
    hour12 = moment.hour % 12 or 12
    values = {
        "YYYY": f"{moment.year:04d}",
        "YY": f"{moment.year % 100:02d}",
        "MMMM": _MONTHS[moment.month - 1],
        "MMM": _MONTHS[moment.month - 1][:3],
        "MM": f"{moment.month:02d}",
        "M": str(moment.month),
        "Do": _ordinal(moment.day),
        "DD": f"{moment.day:02d}",
        "D": str(moment.day),
        "dddd": _DAYS[moment.weekday()],
        "ddd": _DAYS[moment.weekday()][:3],
        "HH": f"{moment.hour:02d}",
        "H": str(moment.hour),
        "hh": f"{hour12:02d}",
        "h": str(hour12),
        "mm": f"{moment.minute:02d}",
        "ss": f"{moment.second:02d}",
        "a": "am" if moment.hour < 12 else "pm",
        "A": "AM" if moment.hour < 12 else "PM",
    }

    def replace(match: re.Match) -> str:
        token = match.group(0)
        return token[1:-1] if token.startswith("[") else values[token]

    return _DATE_TOKEN.sub(replace, pattern)


def _ordinal(day: int) -> str:
    suffix = "th" if 11 <= day % 100 <= 13 else {1: "st", 2: "nd", 3: "rd"}.get(day % 10, "th")
    return f"{day}{suffix}"


def _previous_day(moment: datetime) -> datetime:
    try:
        return moment - timedelta(days=1)
    except OverflowError:
        return moment


def _add_months(moment: datetime, months: int) -> datetime | None:
    index = moment.year * 12 + moment.month - 1 + months
    try:
        return moment.replace(year=index // 12, month=index % 12 + 1, day=1)
    except ValueError:
        return None


def _date_range(start: datetime, end: datetime, pattern: str) -> str:
    """``[start, end)`` as "start to end-1day"; the start drops the year (and month) it shares
    with the end, and a range within one displayed unit is shown once."""
    last = _previous_day(end)
    last_text = _render(last, pattern)
    if _render(start, pattern) == last_text:
        return last_text
    start_pattern = pattern
    if _STRIPPABLE_DATE_FORMAT.fullmatch(pattern):
        if start.year == last.year:
            start_pattern = re.sub(r"Y+ ?", "", start_pattern, count=1)
            if start.month == last.month:
                start_pattern = re.sub(r"M+ ?", "", start_pattern, count=1)
        start_pattern = start_pattern.strip()
    if not start_pattern:
        return last_text
    return f"{_render(start, start_pattern)} to {last_text}"


def _date_pattern(options: dict, default: str) -> str:
    pattern = options.get("format")
    return pattern if isinstance(pattern, str) and pattern else default


def _format_date(value, options: dict, exact: bool) -> str | None:
    zone = _timezone(options)
    pattern = _date_pattern(options, DATE_FORMAT)
    if isinstance(value, list | tuple):
        if len(value) != 2:
            return _safe_str(value)
        if is_missing(value[0]) or is_missing(value[1]):
            return None
        start, end = _to_datetime(value[0], zone), _to_datetime(value[1], zone)
        if start is None or end is None:
            return _safe_str(value)
        return _date_range(start, end, pattern)
    moment = _to_datetime(value, zone)
    return _safe_str(value) if moment is None else _render(moment, pattern)


def _format_time(value, options: dict, exact: bool) -> str:
    zone = _timezone(options)
    moment = _to_datetime(value, zone)
    if moment is None:
        return _safe_str(value)
    clock = _render(moment, _date_pattern(options, TIME_FORMAT))
    if not _flag(options, "calendar"):
        return clock
    now = options.get("now")
    now = _to_datetime(now, zone) if now is not None else None
    now = now or datetime.now(zone)
    if moment.date() == now.date():
        return f"today at {clock}"
    if moment.date() == _previous_day(now).date():
        return f"yesterday at {clock}"
    return f"{_render(moment, DATE_FORMAT)} at {clock}"
