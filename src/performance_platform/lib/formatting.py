"""Display formatting for numbers, money, percentages, durations and dates (Spotlight "B4").

One function, :func:`format_value`, turns a value and a ``format`` (a type name such as
``"currency"`` or a dict ``{"type": "currency", "magnitude": True, ...}``, exactly as module
configuration stores it) into the text people read. :func:`format_html` gives the same text as
safe HTML, with shortened numbers inside an ``<abbr>`` that carries the full value. Small
wrappers (:func:`format_number`, :func:`format_currency`, :func:`format_percent`, ...) build the
format dict for code that knows what it wants.

The rules, in brief (see the module docs of each helper for detail):

* **number**: commas; 3 significant figures, which only ever decide the decimal places (the
  whole-number digits are never rounded away, so 1,234 stays "1,234"); ``dps`` overrides them;
  ``fixed`` pads the decimals with zeros; ``magnitude`` shortens with k (from 10,000), m and bn;
  a value that rounds to zero is "0".
* **integer**: rounded to a whole number, then formatted as a number.
* **currency**: "£" by default; under £10 in pence ("£4.56") unless ``pence`` is given; otherwise
  whole pounds ("£1,234", "£2.99bn" with magnitude); ``dps`` sets the decimals; zero is "£0".
* **percent**: a fraction times 100 (divided by ``normalisation``); 1 dp; exactly 0% and 100%
  without decimals; ``showSigns`` adds "+"; non-numbers pass through unchanged.
* **duration**: milliseconds in; unit ``ms`` (default), ``s`` ("1.2s") or ``m`` ("3m 20s").
* **date** / **time**: "D MMMM YYYY" / "h:mma"; a ``[start, end]`` pair is a range whose
  (exclusive) end is moved back a day: "1 to 7 January 2015".
* **sentence**, **plural**, **url**: text helpers.

Choices the original (JavaScript) rules leave open, made here on purpose:

* Rounding uses :mod:`decimal`, half away from zero, on the value *as written*: a float is read
  through its shortest ``repr``, so 1.005 rounds to "1.01" and 1,315,000 to "1.32m", with no
  binary-float artefacts. (JavaScript's ``Math.round(x * 100) / 100`` would give 1 for 1.005.)
* Every negative number is written with the Unicode minus "−" (not only percentages with
  ``showSigns``): it is the correct typographic sign, and screen readers say "minus" rather
  than "dash". Money puts the sign before the symbol: "−£5.00".
* The pence rule looks at the size of the amount, so -£4.56 is in pence too.
* Missing values (None, NaN, "", and infinities, which only come from a division by zero) are
  "no data" (:data:`MISSING`); tables use :func:`format_cell`, which gives "—".
* Bad input never raises: a value that is not a number passes through as ``str(value)``, and
  option values of the wrong type fall back to their defaults. Boolean options must be real
  booleans (``"magnitude": "false"`` is not true).
* Dates and times are shown in UTC, the time zone of every stored period (a naive datetime is
  taken as already in the display zone). A ``timezone`` option (an IANA name) changes that.
"""

import math
import re
from collections.abc import Mapping
from datetime import UTC, date, datetime, timedelta, tzinfo
from decimal import ROUND_HALF_UP, Context, Decimal, InvalidOperation, localcontext
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from django.utils.html import escape as _escape
from django.utils.html import format_html as _django_format_html
from django.utils.safestring import SafeString

__all__ = [
    "DATE_FORMAT",
    "DEFAULT_SIGFIGS",
    "MINUS",
    "MISSING",
    "NUMERIC_TYPES",
    "TABLE_MISSING",
    "TABLE_MISSING_TITLE",
    "TIME_FORMAT",
    "TYPES",
    "format_cell",
    "format_currency",
    "format_date",
    "format_date_range",
    "format_duration",
    "format_html",
    "format_integer",
    "format_number",
    "format_percent",
    "format_plural",
    "format_sentence",
    "format_time",
    "format_value",
    "is_missing",
    "period_label",
]

#: What a headline shows when there is no value.
MISSING = "no data"
#: What a table cell shows when there is no value (with :data:`TABLE_MISSING_TITLE` as title).
TABLE_MISSING = "\u2014"
TABLE_MISSING_TITLE = "No data provided"
#: The Unicode minus sign used for every negative number.
MINUS = "\u2212"
#: The format types :func:`format_value` understands.
TYPES = (
    "number",
    "integer",
    "currency",
    "percent",
    "duration",
    "date",
    "time",
    "sentence",
    "plural",
    "url",
)
#: The types whose text can be a shortened or rounded number (and so may get an ``<abbr>``).
NUMERIC_TYPES = frozenset({"number", "integer", "currency", "percent", "duration"})
DEFAULT_SIGFIGS = 3

# Enough precision that no value we agree to format is ever rounded by the arithmetic itself;
# traps off so that an overflow becomes Infinity (which we check for) instead of an exception.
_CONTEXT = Context(prec=1000, rounding=ROUND_HALF_UP, traps=[])
# Reading text, though, must trap: otherwise "abc" would quietly become NaN ("no data")
# instead of passing through as the text it is.
_PARSE_CONTEXT = Context(traps=[InvalidOperation])
# Values beyond 10**400 (more than any float) are passed through rather than written out.
_MAX_ADJUSTED = 400
# Option ranges: wider would only make strings nobody can read (or allocate a lot of zeros).
_DPS_RANGE = (-30, 20)
_SIGFIGS_RANGE = (1, 21)
# The "full value" of an abbreviation: as many digits as a float can honestly carry.
_EXACT_SIGFIGS = 15
# (divisor, suffix, shown from): "k" only from 10,000, so 9,500 stays "9,500".
_MAGNITUDES = (
    (Decimal(1), "", Decimal(0)),
    (Decimal(10**3), "k", Decimal(10**4)),
    (Decimal(10**6), "m", Decimal(10**6)),
    (Decimal(10**9), "bn", Decimal(10**9)),
)
_DURATION_UNITS = {"ms": Decimal(1), "s": Decimal(1000)}

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
# The decimals of a number, trailing zeros separately: group 1 is what stays.
_PADDING = re.compile(r"(\.\d*?)0+(?!\d)")
_QUESTION = re.compile(r"^(can|how|what|why|where|who|when|is)\b", re.IGNORECASE)

#: The default patterns for dates and times (Moment.js tokens, as module configuration uses).
DATE_FORMAT = "D MMMM YYYY"
TIME_FORMAT = "h:mma"


# --------------------------------------------------------------------------- public API


def is_missing(value) -> bool:
    """True for the values that mean "no data": None, "" (or only spaces), NaN and infinity."""
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    if isinstance(value, float):
        return not math.isfinite(value)
    if isinstance(value, Decimal):
        return not value.is_finite()
    return False


def format_value(value, fmt) -> str:
    """Format ``value`` for display according to ``fmt``; never raises.

    ``fmt`` is a type name from :data:`TYPES` or a dict ``{"type": ..., **options}`` with the
    options of the Spotlight rules (``sigfigs``, ``dps``, ``fixed``, ``pad``, ``commas``,
    ``magnitude``, ``pence``, ``symbol``, ``normalisation``, ``showSigns``, ``unit``,
    ``format``, ``calendar``, ``timezone``, ``uppercase``, ``singular``, ``plural``).
    Missing values give :data:`MISSING`; an unknown type or a value the type cannot read is
    passed through as ``str(value)``.
    """
    text = _format(value, _options(fmt), exact=False)
    return MISSING if text is None else text


def format_html(value, fmt, abbr=True, *, missing="headline") -> SafeString:
    """Format ``value`` as safe HTML (everything escaped).

    With ``abbr`` (the default), a number shortened with k, m or bn is wrapped as
    ``<abbr title="FULL" aria-hidden="true">SHORT</abbr><span class="govuk-visually-hidden">FULL
    </span>``: the tooltip for sighted readers, the full figure for screen readers (which
    would read "1.32m" as metres, and may ignore ``aria-label`` on ``abbr``). FULL is the
    same format without
    magnitude and with all the value's significant digits (up to 15; money keeps its pence or
    whole-pound rounding, an integer its rounding). Padding zeros alone ("−1.20%") do not count
    as shortening. A ``url`` becomes a link when it is an http(s) address. A missing value is a
    ``pp-no-data`` span: "no data", or with ``missing="table"`` an em dash titled "No data
    provided".
    """
    options = _options(fmt)
    short = _format(value, options, exact=False)
    if short is None:
        if missing == "table":
            return _django_format_html(
                '<span class="pp-no-data" title="{}">{}</span>', TABLE_MISSING_TITLE, TABLE_MISSING
            )
        return _django_format_html('<span class="pp-no-data">{}</span>', MISSING)
    kind = options.get("type")
    if not isinstance(kind, str):  # nor hashable, perhaps (a list, a signalling NaN)
        kind = None
    if kind == "url":
        return _link(short)
    # Only a k/m/bn text can need the full figure: format it only then (tables are big).
    if abbr and kind in NUMERIC_TYPES and _SHORTENED.search(short):
        full = _format(value, options, exact=True)
        if full is not None and _unpadded(full) != _unpadded(short):
            return _django_format_html(
                '<abbr title="{}" aria-hidden="true">{}</abbr>'
                '<span class="govuk-visually-hidden">{}</span>',
                full,
                short,
                full,
            )
    return _escape(short)  # a SafeString; cheaper than format_html for the common case


# A magnitude suffix: only these hide the size of a number, so only these get an <abbr>
# (B4). Plain rounding ("84.9%") is what every reader expects and needs no expansion;
# expanding it would make screen readers read fifteen digits.
_SHORTENED = re.compile(r"\d(k|m|bn)$")


def _unpadded(text: str) -> str:
    """``text`` without zeros that only pad decimals ("−1.20%" → "−1.2%"): padding shortens
    nothing, so it alone is no reason for an abbreviation."""
    return _PADDING.sub(lambda match: match.group(1).rstrip("."), text)


def format_cell(value, fmt) -> str:
    """Like :func:`format_value`, but a missing value is "—" (:data:`TABLE_MISSING`), for tables."""
    text = _format(value, _options(fmt), exact=False)
    return TABLE_MISSING if text is None else text


def format_number(
    value,
    sigfigs=DEFAULT_SIGFIGS,
    magnitude=False,
    *,
    dps=None,
    fixed=None,
    pad=False,
    commas=True,
) -> str:
    """A number: "9,500"; with ``magnitude`` "12.3k", "1.32m", "2.99bn"; zero is "0".

    ``sigfigs`` decides the decimal places (never rounding whole-number digits); ``dps`` fixes
    them instead; ``fixed`` pads decimals with zeros to that many places; ``pad`` pads to the
    places rounding used (so "11.0k" rather than "11k").
    """
    return format_value(
        value,
        {
            "type": "number",
            "sigfigs": sigfigs,
            "magnitude": magnitude,
            "dps": dps,
            "fixed": fixed,
            "pad": pad,
            "commas": commas,
        },
    )


def format_integer(value, magnitude=False, *, sigfigs=DEFAULT_SIGFIGS) -> str:
    """A number rounded to a whole number first: 12,345.67 → "12,346" (or "12.3k")."""
    return format_value(value, {"type": "integer", "magnitude": magnitude, "sigfigs": sigfigs})


def format_currency(
    value,
    *,
    symbol="£",
    pence=None,
    dps=None,
    magnitude=False,
    sigfigs=DEFAULT_SIGFIGS,
) -> str:
    """Money: "£4.56" under £10, "£1,234" from £10, "£2.99bn" with ``magnitude``, "£0" for zero.

    ``pence=True`` always shows pence ("£567.00"), ``pence=False`` never; ``dps`` sets the
    decimal places (padded with zeros, as money is).
    """
    return format_value(
        value,
        {
            "type": "currency",
            "symbol": symbol,
            "pence": pence,
            "dps": dps,
            "magnitude": magnitude,
            "sigfigs": sigfigs,
        },
    )


def format_percent(fraction, dps=1, show_signs=False, *, normalisation=1, pad=False) -> str:
    """A fraction as a percentage: 0.1234 → "12.3%"; 0 → "0%"; 1 → "100%".

    ``show_signs`` gives "+12.3%" (negatives always use "−"); ``pad`` keeps trailing zeros
    ("−1.20%" with ``dps=2``), as a change between periods is shown. A value that is not a
    number is passed through unchanged.
    """
    return format_value(
        fraction,
        {
            "type": "percent",
            "dps": dps,
            "showSigns": show_signs,
            "normalisation": normalisation,
            "pad": pad,
        },
    )


def format_duration(milliseconds, unit="ms", *, dps=None, sigfigs=DEFAULT_SIGFIGS) -> str:
    """A duration given in milliseconds: "567ms", unit "s" "1.2s", unit "m" "3m 20s"."""
    return format_value(
        milliseconds, {"type": "duration", "unit": unit, "dps": dps, "sigfigs": sigfigs}
    )


def format_date(value, pattern=DATE_FORMAT, *, timezone="UTC") -> str:
    """A date as "5 January 2015" (or another Moment.js-style ``pattern``).

    Accepts a ``datetime``, a ``date`` or an ISO-8601 string; a ``[start, end]`` pair gives
    :func:`format_date_range`.
    """
    return format_value(value, {"type": "date", "format": pattern, "timezone": timezone})


def format_date_range(start, end, pattern=DATE_FORMAT, *, timezone="UTC") -> str:
    """A period ``[start, end)`` as "1 to 7 January 2015" (the exclusive end moved back a day).

    The start drops the month and year it shares with the end: "26 January to 1 February 2015",
    "29 December 2014 to 4 January 2015"; a one-day period is just that day.
    """
    return format_value([start, end], {"type": "date", "format": pattern, "timezone": timezone})


def format_time(value, *, calendar=False, now=None, timezone="UTC") -> str:
    """A time as "3:05pm"; with ``calendar``, "today at 3:05pm", "yesterday at 3:05pm" or
    "5 January 2015 at 3:05pm", relative to ``now`` (default: the current time)."""
    return format_value(
        value, {"type": "time", "calendar": calendar, "now": now, "timezone": timezone}
    )


def format_sentence(text, uppercase=()) -> str:
    """A slug as a sentence: "how-do-i-apply" → "How do I apply?".

    Hyphens become spaces, "i" and the words in ``uppercase`` are capitalised, the first letter
    is capitalised, and text that starts like a question (can, how, what, why, where, who,
    when, is) gets a question mark.
    """
    return format_value(text, {"type": "sentence", "uppercase": list(uppercase)})


def format_plural(count, singular, plural=None) -> str:
    """``singular`` when ``count`` is 1, otherwise ``plural`` (default: ``singular + "s"``)."""
    return format_value(count, {"type": "plural", "singular": singular, "plural": plural})


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


# --------------------------------------------------------------------------- dispatch


def _options(fmt) -> dict:
    """The format as an options dict; anything unusable becomes ``{}`` (an unknown type)."""
    if isinstance(fmt, str):
        return {"type": fmt}
    if isinstance(fmt, Mapping):
        return dict(fmt)
    return {}


def _format(value, options: dict, exact: bool) -> str | None:
    """The text for ``value``, or None when it is missing. ``exact`` asks for the full value."""
    if is_missing(value):
        return None
    kind = options.get("type")
    formatter = _FORMATTERS.get(kind) if isinstance(kind, str) else None
    if formatter is None:
        return _safe_str(value)
    # A private context: the thread's own (28 digits, trapping) could round or raise.
    with localcontext(_CONTEXT):
        return formatter(value, options, exact)


def _safe_str(value) -> str:
    """``str(value)``, except that an int too long for ``str()`` (Python refuses numbers of more
    than 4,300 digits) or a too deeply nested list does not raise."""
    try:
        return str(value)
    except (ValueError, RecursionError):
        return "(value too large to show)"


# --------------------------------------------------------------------------- option parsing


def _int_option(options: dict, key: str, default, bounds: tuple[int, int]):
    """An integer option (an integral float from JSON counts); out of range or wrong type →
    ``default``. Booleans are not integers here, whatever Python thinks."""
    value = options.get(key)
    if isinstance(value, bool):
        return default
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int) and bounds[0] <= value <= bounds[1]:
        return value
    return default


def _flag(options: dict, key: str) -> bool:
    """A boolean option: only a real ``True`` turns it on."""
    return options.get(key) is True


def _magnitude_option(options: dict):
    """``True`` for automatic k/m/bn, ``(divisor, suffix)`` for a fixed one given as
    ``{"value": 1000, "suffix": "k"}`` (used to label a whole axis alike), else ``False``."""
    value = options.get("magnitude")
    if value is True:
        return True
    if isinstance(value, Mapping):
        divisor = _to_decimal(value.get("value"))
        suffix = value.get("suffix", "")
        if (
            divisor is not None
            and divisor.is_finite()
            and divisor > 0
            and abs(divisor.adjusted()) <= _MAX_ADJUSTED
            and isinstance(suffix, str)
        ):
            return (divisor, suffix)
    return False


def _number_settings(options: dict, exact: bool) -> dict:
    """The number options, with defaults. ``exact`` is the unshortened, unrounded form."""
    settings = {
        "sigfigs": _int_option(options, "sigfigs", DEFAULT_SIGFIGS, _SIGFIGS_RANGE),
        "dps": _int_option(options, "dps", None, _DPS_RANGE),
        "fixed": _int_option(options, "fixed", None, (0, _DPS_RANGE[1])),
        "pad": _flag(options, "pad"),
        "magnitude": _magnitude_option(options),
        "commas": options.get("commas") is not False,
    }
    if exact:
        settings.update(sigfigs=_EXACT_SIGFIGS, dps=None, fixed=None, pad=False, magnitude=False)
    return settings


# --------------------------------------------------------------------------- numbers


def _to_decimal(value) -> Decimal | None:
    """A number as a Decimal (possibly NaN or infinite), or None if it is not a number."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        # repr is the shortest text that reads back as the same float: round what was written.
        return Decimal(repr(value))
    if isinstance(value, Decimal):
        return value
    if isinstance(value, str):
        try:
            return Decimal(value.strip(), context=_PARSE_CONTEXT)
        except (InvalidOperation, ValueError):
            return None
    return None


def _numeric(formatter):
    """Wrap a formatter of finite Decimals: non-numbers pass through, NaN/inf are missing."""

    def wrapper(value, options: dict, exact: bool) -> str | None:
        number = _to_decimal(value)
        if number is None:
            return _safe_str(value)
        if not number.is_finite():
            return None
        if number.adjusted() > _MAX_ADJUSTED:
            return _safe_str(value)
        text = formatter(number, options, exact)
        return _safe_str(value) if text is None else text

    return wrapper


def _places(value: Decimal, sigfigs: int, dps: int | None) -> int:
    """Decimal places for ``value`` (≥ 0): ``dps`` if given, else what ``sigfigs`` significant
    figures need, between 0 and ``sigfigs - 1`` (so whole-number digits are never lost)."""
    if dps is not None:
        return dps
    if value == 0:
        return sigfigs - 1
    return min(max(sigfigs - 1 - value.adjusted(), 0), sigfigs - 1)


def _round(value: Decimal, places: int) -> Decimal:
    """Round half away from zero to ``places`` decimals (negative: to tens, hundreds, ...)."""
    return value.quantize(Decimal(1).scaleb(-places))


def _scale_and_round(size: Decimal, sigfigs: int, dps: int | None, magnitude):
    """Scale ``size`` (≥ 0) for the magnitude and round it: ``(rounded, places, suffix)``."""
    if isinstance(magnitude, tuple):
        divisor, suffix = magnitude
        scaled = size / divisor
        places = _places(scaled, sigfigs, dps)
        return _round(scaled, places), places, suffix
    if magnitude is not True:
        places = _places(size, sigfigs, dps)
        return _round(size, places), places, ""
    index = max(i for i, (_, _, start) in enumerate(_MAGNITUDES) if size >= start)
    while True:
        divisor, suffix, _ = _MAGNITUDES[index]
        scaled = size / divisor
        places = _places(scaled, sigfigs, dps)
        rounded = _round(scaled, places)
        # Choose the unit by the *rounded* value, so 999,999 is "1m" rather than "1,000k"
        # and 9,999.7 is "10k" rather than "10,000".
        if index + 1 < len(_MAGNITUDES) and rounded * divisor >= _MAGNITUDES[index + 1][2]:
            index += 1
            continue
        return rounded, places, suffix


def _number_text(value: Decimal, settings: dict) -> tuple[str, str]:
    """``(sign, text)`` for a finite number: sign is "" or "−"; text is "0" for anything that
    rounds to zero (so never "−0" or "0.00")."""
    rounded, places, suffix = _scale_and_round(
        abs(value), settings["sigfigs"], settings["dps"], settings["magnitude"]
    )
    if rounded == 0:
        return "", "0"
    fixed = settings["fixed"] or 0
    # Padding applies when the number was shortened or could not have been ("11.0k", "1.20"),
    # but a small number under an automatic magnitude stays as it is ("11", not "11.00").
    if settings["pad"] and places > 0 and (suffix or not settings["magnitude"]):
        fixed = max(fixed, places)
    whole, _, decimals = format(rounded, "f").partition(".")
    decimals = decimals.rstrip("0").ljust(fixed, "0")
    if settings["commas"]:
        whole = f"{int(whole):,}"
    text = whole + ("." + decimals if decimals else "") + suffix
    return (MINUS if value < 0 else ""), text


@_numeric
def _format_number(value: Decimal, options: dict, exact: bool) -> str:
    sign, text = _number_text(value, _number_settings(options, exact))
    return sign + text


@_numeric
def _format_integer(value: Decimal, options: dict, exact: bool) -> str:
    sign, text = _number_text(_round(value, 0), _number_settings(options, exact))
    return sign + text


@_numeric
def _format_currency(value: Decimal, options: dict, exact: bool) -> str:
    settings = _number_settings(options, exact)
    # The full value of an abbreviation is still money: keep the pence / whole-pound rule.
    dps = _int_option(options, "dps", None, _DPS_RANGE)
    pence = options.get("pence")
    pence = pence if isinstance(pence, bool) else None
    if pence is True or (pence is None and dps is None and abs(value) < 10):
        settings.update(dps=2, fixed=max(settings["fixed"] or 0, 2))
    elif dps is not None:
        # Money with decimals always shows them all: "£12.50", not "£12.5".
        settings.update(dps=dps, fixed=max(settings["fixed"] or 0, dps, 0))
    else:
        value = _round(value, 0)
    symbol = options.get("symbol")
    symbol = symbol if isinstance(symbol, str) else "£"
    sign, text = _number_text(value, settings)
    return sign + symbol + text


@_numeric
def _format_percent(value: Decimal, options: dict, exact: bool) -> str | None:
    normalisation = _to_decimal(options.get("normalisation"))
    if (
        normalisation is None
        or not normalisation.is_finite()
        or normalisation == 0
        or abs(normalisation.adjusted()) > _MAX_ADJUSTED
    ):
        normalisation = Decimal(1)
    percent = value * 100 / normalisation
    if not percent.is_finite() or percent.adjusted() > _MAX_ADJUSTED:
        return None
    settings = _number_settings(options, exact)
    if not exact:
        settings["dps"] = _int_option(options, "dps", 1, _DPS_RANGE)
        # "0%" and "100%" are exact, and read better without "0.0".
        if percent == 0 or percent == 100:
            settings["dps"] = 0
    sign, text = _number_text(percent, settings)
    if text == "0":
        return "0%"
    return (sign or ("+" if _flag(options, "showSigns") else "")) + text + "%"


@_numeric
def _format_duration(value: Decimal, options: dict, exact: bool) -> str:
    unit = options.get("unit")
    if unit == "m":
        # Round the whole duration to seconds first, so 59.7s is "1m", never "0m 60s".
        seconds = int(_round(abs(value) / 1000, 0))
        minutes, seconds = divmod(seconds, 60)
        text = f"{minutes:,}m" + (f" {seconds}s" if seconds else "")
        return (MINUS if value < 0 and text != "0m" else "") + text
    if unit not in _DURATION_UNITS:
        unit = "ms"
    sign, text = _number_text(value / _DURATION_UNITS[unit], _number_settings(options, exact))
    return sign + text + unit


# --------------------------------------------------------------------------- dates and times


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


# --------------------------------------------------------------------------- text


def _format_sentence(value, options: dict, exact: bool) -> str:
    text = (value if isinstance(value, str) else _safe_str(value)).replace("-", " ")
    extra = options.get("uppercase")
    words = ["i"]
    if isinstance(extra, list | tuple):
        words += [word for word in extra if isinstance(word, str) and word]
    always_upper = re.compile(r"\b(" + "|".join(re.escape(word) for word in words) + r")\b")
    text = always_upper.sub(lambda match: match.group(0).upper(), text)
    if _QUESTION.match(text) and not text.rstrip().endswith("?"):
        text += "?"
    return text[:1].upper() + text[1:]


def _format_plural(value, options: dict, exact: bool) -> str:
    singular = options.get("singular")
    if not isinstance(singular, str):
        # Without a word there is nothing to choose between; show the value itself.
        return _safe_str(value)
    plural = options.get("plural")
    if not isinstance(plural, str):
        plural = singular + "s"
    number = _to_decimal(value)
    return singular if number is not None and number.is_finite() and number == 1 else plural


def _format_url(value, options: dict, exact: bool) -> str:
    return _safe_str(value)


def _link(url: str) -> SafeString:
    """An http(s) address as a link; anything else (``javascript:`` included) as plain text."""
    try:
        parts = urlsplit(url)
    except ValueError:
        parts = None
    plain = parts is None or parts.scheme not in ("http", "https") or not parts.netloc
    if plain or any(char.isspace() or ord(char) < 32 for char in url):
        return _django_format_html("{}", url)
    return _django_format_html('<a href="{}">{}</a>', url, url)


_FORMATTERS = {
    "number": _format_number,
    "integer": _format_integer,
    "currency": _format_currency,
    "percent": _format_percent,
    "duration": _format_duration,
    "date": _format_date,
    "time": _format_time,
    "sentence": _format_sentence,
    "plural": _format_plural,
    "url": _format_url,
}
