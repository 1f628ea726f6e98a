"""Display formatting for numbers, money, percentages, durations and dates.

These are the display rules of the original GOV.UK Performance Platform's front end
(Spotlight), ported to Python.

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

The package: this module is the public API and the dispatch by type; the rules themselves are
in :mod:`.numbers` (number, integer, currency, percent, duration), :mod:`.dates` (date, time,
:func:`period_label`) and :mod:`.text` (sentence, plural, url), with what they share in
:mod:`.common`. Import from this module, not from those.
"""

import re
from collections.abc import Mapping
from decimal import localcontext

from django.utils.html import escape as _escape
from django.utils.html import format_html as _django_format_html
from django.utils.safestring import SafeString

from .common import _safe_str, is_missing
from .dates import DATE_FORMAT, TIME_FORMAT, _format_date, _format_time, period_label
from .numbers import (
    _CONTEXT,
    DEFAULT_SIGFIGS,
    MINUS,
    _format_currency,
    _format_duration,
    _format_integer,
    _format_number,
    _format_percent,
)
from .text import _format_plural, _format_sentence, _format_url, _link

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

# The decimals of a number, trailing zeros separately: group 1 is what stays.
_PADDING = re.compile(r"(\.\d*?)0+(?!\d)")


# --------------------------------------------------------------------------- public API


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
# (as in the original platform's number formatting rules). Plain rounding ("84.9%") is what
# every reader expects and needs no expansion; expanding it would make screen readers read
# fifteen digits.
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
