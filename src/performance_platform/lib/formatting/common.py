"""What every formatter shares: what counts as missing, a ``str()`` that never raises, and
reading integer and boolean options.

Private to :mod:`performance_platform.lib.formatting` (which re-exports :func:`is_missing`);
it imports nothing from the package, so every other module of it can import this one.
"""

import math
from decimal import Decimal


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


def _safe_str(value) -> str:
    """``str(value)``, except that an int too long for ``str()`` (Python refuses numbers of more
    than 4,300 digits) or a too deeply nested list does not raise."""
    try:
        return str(value)
    except (ValueError, RecursionError):
        return "(value too large to show)"


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
