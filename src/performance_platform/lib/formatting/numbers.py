"""Numbers, integers, money, percentages and durations: rounding, k/m/bn and the minus sign.

The formatters here (``_format_number``, ``_format_currency``, ...) take the options of a
format and return text; :mod:`performance_platform.lib.formatting` chooses between them by
type and runs them inside :data:`_CONTEXT`. The rules are summarised in that package's
docstring.
"""

from collections.abc import Mapping
from decimal import ROUND_HALF_UP, Context, Decimal, InvalidOperation

from .common import _flag, _int_option, _safe_str

#: The Unicode minus sign used for every negative number.
MINUS = "\u2212"

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
